"""Exploration for issue 5 (kept as run; not part of the study): a SCAN-style clustering head.

Usage: python experiments/scan_head.py   (after `make bench`, whose UMAP embeddings it reads from artifacts/)
SCAN's clustering step (Van Gansbeke et al., 2020) on fixed features: an MLP head (256-256-10, softmax)
on the standardised N2D UMAP embedding of each seed, trained for 30 epochs (Adam 1e-3, batch 512) so
that each training point and a random one of its 20 nearest neighbours get the same cluster, minus 5
times the entropy of the mean assignment (which favours equal-sized clusters). Neighbours are mined
either in the UMAP embedding itself or in the first 50 principal components of the pixels. Baseline:
the notebook's full-covariance GMM (random_state = seed) on the same embedding. Scored on the test set.
Output: experiments/scan_head.log (TensorFlow start-up lines removed).
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
import tensorflow as tf
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

NEIGHBOURS, ENTROPY_WEIGHT, EPOCHS, BATCH = 20, 5.0, 30, 512
(x_train, _), (x_test, y_test) = helpers.load_fashion_mnist()
pixels_train = x_train.reshape(len(x_train), -1).astype("float32") / 255
pca_train = PCA(50, random_state=0).fit_transform(pixels_train)


def train_head(features, neighbours, seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((features.shape[1],))
    hidden = keras.layers.Dense(256, activation="relu")(inputs)
    hidden = keras.layers.Dense(256, activation="relu")(hidden)
    head = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function
    def step(anchor, neighbour):
        with tf.GradientTape() as tape:
            p_anchor, p_neighbour = head(anchor, training=True), head(neighbour, training=True)
            consistency = -tf.reduce_mean(tf.math.log(tf.reduce_sum(p_anchor * p_neighbour, 1) + 1e-8))
            mean_p = tf.reduce_mean(p_anchor, 0)
            loss = consistency + ENTROPY_WEIGHT * tf.reduce_sum(mean_p * tf.math.log(mean_p + 1e-8))
        optimizer.apply_gradients(zip(tape.gradient(loss, head.trainable_variables), head.trainable_variables))

    rng = np.random.default_rng(seed)
    for _ in range(EPOCHS):
        order = rng.permutation(len(features))
        for start in range(0, len(features), BATCH):
            anchor = order[start:start + BATCH]
            step(features[anchor], features[neighbours[anchor, rng.integers(0, NEIGHBOURS, len(anchor))]])
    return head


for entry in sorted(glob.glob("artifacts/umap-*")):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    umap_train, umap_test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    gmm = GaussianMixture(10, covariance_type="full", random_state=seed).fit(umap_train)
    print(json.dumps({"seed": seed, "method": "GMM (notebook's N2D)", **helpers.evaluate(y_test, gmm.predict(umap_test))}), flush=True)
    scaler = StandardScaler().fit(umap_train)
    features_train, features_test = (scaler.transform(x).astype("float32") for x in (umap_train, umap_test))
    for source, space in (("UMAP embedding", umap_train), ("PCA 50 of pixels", pca_train)):
        start = time.perf_counter()
        neighbours = NearestNeighbors(n_neighbors=NEIGHBOURS + 1).fit(space).kneighbors(space, return_distance=False)[:, 1:]
        head = train_head(features_train, neighbours, seed)
        y_pred = head.predict(features_test, batch_size=4096, verbose=0).argmax(axis=1)
        print(json.dumps({"seed": seed, "method": f"SCAN head, neighbours from {source}",
                          "fit_s": round(time.perf_counter() - start), **helpers.evaluate(y_test, y_pred)}), flush=True)
