"""Exploration for issue 5 (kept as run; not part of the study): stronger augmentation for the clustering CNN.

Usage: python experiments/scan_cnn_augmentation.py VARIANT SEED [SEED ...]
  VARIANT: "shift10" (the notebook: random translations of up to 10% of the image size; a check that this script
  reproduces the notebook), "shift20" (up to 20%), or "affine" (up to 10% translation, then a random rotation of up
  to 10 degrees and a random zoom of up to 10%, keras.layers.RandomRotation and RandomZoom, nearest-pixel fill 0).
The notebook's steps from the SCAN heads on (three heads of 15 epochs on the UMAP embedding, their matched average,
the clustering CNN trained on it for 2 + 6 epochs, the local re-splits, their training into a copy of the CNN for
2 + 2 epochs, every setting as in the notebook), with the VARIANT's augmentation in both CNN trainings. SCAN learns
its representation from what must survive the augmentation, so a stronger one might separate the upper-body
classes better. "affine" is obtained by replacing keras.layers.RandomTranslation, which
helpers.fine_tune_clustering builds, by a layer that also rotates and zooms (this script only).
Reads each seed's seeded UMAP embedding from artifacts/ (the newest entry of that seed). Labels score only.
Its loop has since moved to experiments/common.notebook_from_heads (the same calls in the same order); rows printed
since then also carry cnn_s, the time to the end of the CNN's first training.
"""
import json, sys

sys.path.insert(0, ".")
sys.path.insert(0, "experiments")
import helpers
import keras
from common import notebook_from_heads, seeded_umap
from sklearn.decomposition import PCA

variant, seeds = sys.argv[1], [int(arg) for arg in sys.argv[2:]]
if variant not in ("shift10", "shift20", "affine") or not seeds:
    sys.exit(__doc__)
max_shift = 0.2 if variant == "shift20" else 0.1
if variant == "affine":
    translation = keras.layers.RandomTranslation

    class TranslateRotateZoom(keras.layers.Layer):
        def __init__(self, height_factor, width_factor, fill_mode="constant", seed=None):
            super().__init__()
            self.steps = [translation(height_factor, width_factor, fill_mode=fill_mode, seed=seed),
                          keras.layers.RandomRotation(10 / 360, fill_mode=fill_mode, seed=seed + 1),
                          keras.layers.RandomZoom(0.1, fill_mode=fill_mode, seed=seed + 2)]

        def call(self, x, training=None):
            for step in self.steps:
                x = step(x, training=training)
            return x

    keras.layers.RandomTranslation = TranslateRotateZoom

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)

for seed in seeds:
    row = notebook_from_heads(seed, *seeded_umap(seed), x_train, x_test, y_test, neighbours, max_shift=max_shift)
    print(json.dumps({"variant": variant, **row}), flush=True)
