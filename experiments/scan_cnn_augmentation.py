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
"""
import glob, json, os, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
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


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


def predict(model, x):
    return model.predict(x, batch_size=4096, verbose=0)


quiet = {"log": lambda line: None}
for seed in seeds:
    entries = [e for e in glob.glob("artifacts/umap-*") if json.load(open(f"{e}/meta.json"))["spec"].get("seed") == seed]
    entry = max(entries, key=lambda e: os.path.getmtime(f"{e}/meta.json"))
    umap_train, umap_test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    row, start = {"variant": variant, "seed": seed}, time.perf_counter()
    heads = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, entropy_weight=5.0,
                                                hidden_units=[256, 256], batch_size=512, learning_rate=1e-3,
                                                seed=seed * 100 + head, **quiet)[0] for head in range(3)]
    soft_train = [predict(head, umap_train) for head in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    consensus_train = helpers.matched_average(soft_train, permutations)
    row["heads"] = score(helpers.matched_average([predict(head, umap_test) for head in heads], permutations).argmax(1))
    cnn, _ = helpers.fine_tune_clustering(helpers.build_clustering_cnn(10, seed=seed), x_train, neighbours, consensus_train,
                                          distill_epochs=2, scan_epochs=6, entropy_weight=5.0, max_shift=max_shift,
                                          batch_size=512, learning_rate=1e-3, seed=seed, **quiet)
    cnn_train, cnn_test = predict(cnn, x_train).argmax(1), predict(cnn, x_test).argmax(1)
    row["cnn"] = score(cnn_test)
    refined_train, steps = helpers.refine_locally(x_train, cnn_train, neighbours, 10, max_size=4, n_components=50,
                                                  n_init=10, seed=seed, **quiet)
    row["refined"] = score(helpers.apply_local_refinement(steps, x_test, cnn_test))
    retrained, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, neighbours,
                                                np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                scan_epochs=2, entropy_weight=5.0, max_shift=max_shift, batch_size=512,
                                                learning_rate=1e-4, seed=seed, **quiet)
    row["trained_in"] = score(predict(retrained, x_test).argmax(1))
    row["fit_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(row), flush=True)
