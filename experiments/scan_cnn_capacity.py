"""Exploration for issue 5 (kept as run; not part of the study): is the clustering CNN too small?

Usage: python experiments/scan_cnn_capacity.py VARIANT SEED [SEED ...]
  VARIANT: "notebook" (helpers.build_clustering_cnn: Conv2D 32 and 64, stride 2, Dense 128; a check that this script
  reproduces the notebook), "wide" (the same layers twice as wide: Conv2D 64 and 128, Dense 256, about four times
  the multiply-adds), or "deep" (the notebook's layers with a third 3x3 convolution of 64 filters, stride 1, after
  the second, about twice the multiply-adds).
The notebook's steps from the SCAN heads on (experiments/common.notebook_from_heads) with the VARIANT's network in
both CNN trainings. If a larger network, trained on the same neighbours, scores no higher, what limits the last
rows is the neighbours (the representation they come from), not the network that learns from them.
Reads each seed's UMAP embedding from artifacts/ (the newest entry of that seed). Labels score only.
"""
import json, sys

sys.path.insert(0, ".")
sys.path.insert(0, "experiments")
import helpers
from common import notebook_from_heads, seeded_umap
from sklearn.decomposition import PCA


def build_variant_cnn(variant, seed):
    """``variant``'s clustering CNN, seeded like helpers.build_clustering_cnn."""
    import keras
    from keras import layers

    if variant == "notebook":
        return helpers.build_clustering_cnn(10, seed=seed)
    width = 2 if variant == "wide" else 1
    seeds = iter(range(seed * 10, seed * 10 + 5))

    def initial():
        return {"kernel_initializer": keras.initializers.GlorotUniform(seed=next(seeds))}

    inputs = keras.Input(shape=(784,), name="image")
    x = layers.Reshape((28, 28, 1), name="image_2d")(inputs)
    x = layers.Conv2D(32 * width, 3, strides=2, padding="same", activation="relu", name="conv_1", **initial())(x)
    x = layers.Conv2D(64 * width, 3, strides=2, padding="same", activation="relu", name="conv_2", **initial())(x)
    if variant == "deep":
        x = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv_3", **initial())(x)
    x = layers.Dense(128 * width, activation="relu", name="hidden", **initial())(layers.Flatten(name="flatten")(x))
    code = layers.Dense(10, name="code", **initial())(x)
    return keras.Model(inputs, code, name="clustering_cnn")


variant, seeds = sys.argv[1], [int(arg) for arg in sys.argv[2:]]
if variant not in ("notebook", "wide", "deep") or not seeds:
    sys.exit(__doc__)
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)
print(f"{variant}: {build_variant_cnn(variant, 0).count_params()} parameters", flush=True)
for seed in seeds:
    row = notebook_from_heads(seed, *seeded_umap(seed), x_train, x_test, y_test, neighbours,
                              lambda s: build_variant_cnn(variant, s))
    print(json.dumps({"variant": variant, **row}), flush=True)
