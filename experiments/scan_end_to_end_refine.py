"""Exploration for issue 5 (kept as run; not part of the study): refining the end-to-end SCAN network.

Usage: python experiments/scan_end_to_end_refine.py SEED MODE
  MODE selflabel: SCAN's third step after the end-to-end clustering step of experiments/scan_end_to_end.py
    (12 epochs, Adam 1e-4, neighbours from PCA 50): training images whose assignment exceeds 0.99 keep
    that cluster as a label, and the network is trained with cross-entropy on shifted copies of them
    (weighted so every cluster counts alike), 10 epochs, Adam 1e-4.
  MODE distill: the network starts from the notebook's consensus of five SCAN heads on the UMAP
    embedding instead: 2 epochs of cross-entropy towards the consensus's soft assignments of the training
    images, then the same 12 epochs of the SCAN loss.
  (after `make bench`: reads that seed's shifted autoencoder, UMAP embedding and SCAN heads from artifacts/)
Test ACC printed every 2 epochs for reading. Fitted on the training images only; scored on the test set.
Output: experiments/scan_end_to_end_refine.log (TensorFlow start-up lines removed).
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
import tensorflow as tf
from sklearn.decomposition import PCA

seed, mode = int(sys.argv[1]), sys.argv[2]
NEIGHBOURS, ENTROPY_WEIGHT, BATCH, MAX_SHIFT, SCAN_EPOCHS, LR = 20, 5.0, 512, 0.1, 12, 1e-4
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(50, random_state=seed).fit_transform(x_train), NEIGHBOURS)
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*") if "-" in e}
(ae_entry,) = [e for e, s in meta.items() if "/shift_autoencoder-" in e and s["seed"] == seed]
keras.utils.set_random_seed(seed)
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
model = keras.Model(encoder.input, keras.layers.Dense(10, activation="softmax", name="assignment")(
    keras.layers.BatchNormalization(name="code_bn")(encoder.output)))
shift = keras.layers.RandomTranslation(MAX_SHIFT, MAX_SHIFT, fill_mode="constant", seed=seed)
rng = np.random.default_rng(seed)
start = time.perf_counter()


def augment(batch):
    return tf.reshape(shift(tf.reshape(batch, (-1, 28, 28, 1)), training=True), (-1, 784))


def report(stage, epoch, **extra):
    predicted = model.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)
    print(json.dumps({"seed": seed, "mode": mode, "stage": stage, "epoch": epoch, "t": round(time.perf_counter() - start),
                      **extra, **helpers.evaluate(y_test, predicted)}), flush=True)


def train_scan(optimizer):
    @tf.function
    def step(anchors, partners):
        anchors, partners = augment(anchors), augment(partners)
        with tf.GradientTape() as tape:
            p_anchor, p_partner = model(anchors, training=True), model(partners, training=True)
            consistency = -tf.reduce_mean(tf.math.log(tf.reduce_sum(p_anchor * p_partner, axis=1) + 1e-8))
            mean = tf.reduce_mean(p_anchor, axis=0)
            loss = consistency + ENTROPY_WEIGHT * tf.reduce_sum(mean * tf.math.log(mean + 1e-8))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    for epoch in range(1, SCAN_EPOCHS + 1):
        order = rng.permutation(len(x_train))
        for first in range(0, len(order), BATCH):
            batch = order[first : first + BATCH]
            step(x_train[batch], x_train[neighbours[batch, rng.integers(0, NEIGHBOURS, len(batch))]])
        if epoch % 2 == 0:
            report("scan", epoch)


def train_on_targets(optimizer, images, targets, weights, epochs, stage):
    @tf.function
    def step(batch, target, weight):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(weight * keras.losses.categorical_crossentropy(target, model(augment(batch), training=True)))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(images))
        for first in range(0, len(order), BATCH):
            batch = order[first : first + BATCH]
            step(images[batch], targets[batch], weights[batch])
        if epoch % 2 == 0 or epoch == epochs:
            report(stage, epoch, n_targets=len(images))


if mode == "distill":
    (umap_entry,) = [e for e, s in meta.items() if "/umap-" in e and s["seed"] == seed and s.get("seeded")]
    umap_train = np.load(f"{umap_entry}/train.npy")
    heads = sorted((s["seed"], e) for e, s in meta.items() if "/scan-" in e and s["features"] == helpers.array_checksum(umap_train))
    soft = [keras.models.load_model(f"{e}/model.keras", compile=False).predict(umap_train, batch_size=4096, verbose=0) for _, e in heads]
    _, _, permutations = helpers.align_runs(soft)
    consensus = helpers.matched_average(soft, permutations).astype("float32")
    train_on_targets(keras.optimizers.Adam(LR), x_train, consensus, np.ones(len(x_train), "float32"), 2, "distill")
    train_scan(keras.optimizers.Adam(LR))
else:
    train_scan(keras.optimizers.Adam(LR))
    probabilities = model.predict(x_train, batch_size=4096, verbose=0)
    confident = probabilities.max(axis=1) > 0.99
    labels = probabilities[confident].argmax(axis=1)
    counts = np.bincount(labels, minlength=10)
    weights = (len(labels) / (10 * np.maximum(counts, 1)))[labels].astype("float32")
    train_on_targets(keras.optimizers.Adam(LR), x_train[confident], np.eye(10, dtype="float32")[labels], weights, 10, "selflabel")
