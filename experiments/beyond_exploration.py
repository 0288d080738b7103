"""Exploration for the "Beyond the assignment" part (kept as run; not part of the study).

Usage: python experiments/beyond_exploration.py train VARIANT EPOCHS CHECKPOINTS
       python experiments/beyond_exploration.py cluster CODES.npz [N_NEIGHBORS]
VARIANT words: "shift" (random translations of up to 10% during training, input and
target shifted alike), otherwise the notebook's dense autoencoder unchanged.
"train" saves the train/test codes at each checkpoint to /tmp/explore/VARIANT-EPOCH.npz;
"cluster" fits UMAP on the training codes, transforms the test codes, fits GMM/K-Means.
Output quoted in main.ipynb: experiments/beyond_exploration.log.
"""
import json
import math
import sys
import time

import numpy as np

sys.path.insert(0, ".")
import helpers

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255.0
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255.0


def train(variant: str, epochs: int, checkpoints: list[int]) -> None:
    import keras
    import tensorflow as tf

    helpers.set_seed(0)
    autoencoder, encoder = helpers.build_autoencoder(784, [512, 256], 10)
    steps = math.ceil(len(x_train) / 256)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=epochs * steps)
    autoencoder.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
    shift = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=0)

    def augment(batch):
        images = shift(tf.reshape(batch, (-1, 28, 28, 1)), training=True)
        flat = tf.reshape(images, (-1, 784))
        return flat, flat

    data = tf.data.Dataset.from_tensor_slices(x_train).shuffle(60_000, seed=0).batch(256)
    data = data.map(augment) if "shift" in variant else data.map(lambda b: (b, b))
    start = time.perf_counter()
    done = 0
    for checkpoint in checkpoints:
        autoencoder.fit(data.prefetch(2), epochs=checkpoint, initial_epoch=done, verbose=2)
        done = checkpoint
        path = f"/tmp/explore/{variant}-{checkpoint}.npz"
        np.savez(path, train=encoder.predict(x_train, 1024, verbose=0), test=encoder.predict(x_test, 1024, verbose=0))
        print(json.dumps({"v": variant, "ep": checkpoint, "t": round(time.perf_counter() - start), "codes": path}), flush=True)


def cluster(path: str, n_neighbors: int) -> None:
    import umap
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    codes = np.load(path)
    row = {"codes": path, "n_neighbors": n_neighbors}
    for name, estimator in [("km", KMeans(10, n_init=10, random_state=0)), ("gmm", GaussianMixture(10, covariance_type="full", random_state=0))]:
        pred = estimator.fit(codes["train"]).predict(codes["test"])
        row[name] = round(helpers.cluster_accuracy(y_test, pred), 3)
    start = time.perf_counter()
    reducer = umap.UMAP(n_neighbors=n_neighbors, n_components=10, min_dist=0.0, metric="euclidean")
    umap_train = reducer.fit_transform(codes["train"])
    umap_test = reducer.transform(codes["test"])
    row["umap_s"] = round(time.perf_counter() - start)
    np.savez(path.replace(".npz", f"-umap{n_neighbors}.npz"), train=umap_train, test=umap_test)
    for seed in range(3):
        gmm = GaussianMixture(10, covariance_type="full", random_state=seed).fit(umap_train)
        scores = helpers.evaluate(y_test, gmm.predict(umap_test))
        row[f"umap_gmm{seed}"] = [round(scores["acc"], 3), round(scores["nmi"], 3)]
        row[f"umap_gmm{seed}_train_ll"] = round(gmm.score(umap_train), 3)
    pred = KMeans(10, n_init=10, random_state=0).fit(umap_train).predict(umap_test)
    row["umap_km"] = round(helpers.cluster_accuracy(y_test, pred), 3)
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(sys.argv[2], int(sys.argv[3]), [int(c) for c in sys.argv[4].split(",")])
    else:
        cluster(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 20)
