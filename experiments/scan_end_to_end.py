"""Exploration for issue 5 (kept as run; not part of the study): SCAN's clustering step trained end to end.

Usage: python experiments/scan_end_to_end.py SEED LEARNING_RATE EPOCHS [INIT [NEIGHBOUR_SPACE [SAVE_PATH]]]
  (after `make bench`: reads that seed's shift-augmented autoencoder and UMAP embedding from artifacts/)
The notebook's SCAN heads are small networks on the *fixed* N2D UMAP embedding, so they can only cut
that layout differently. SCAN proper (Van Gansbeke et al., 2020) trains the backbone too, on augmented
images. Here the backbone is the notebook's shift-augmented dense encoder (784-512-256-10, INIT=ae, the
default) or the same architecture from random weights (INIT=random); a batch-normalised 10-way softmax sits
on its code. Each training image and a random one of its 20 nearest neighbours (NEIGHBOUR_SPACE=pca, the
default: in the first 50 principal components of the pixels, as in the notebook; umap: in that seed's N2D UMAP
embedding; codes: in the autoencoder's codes), each randomly shifted by up to 10%, should get the same
confident assignment; 5 x the entropy of the mean assignment keeps all clusters in use. Adam, batch 512.
Test ACC printed every 2 epochs for reading. Fitted on the training images only; scored on the test set.
Output: experiments/scan_end_to_end.log (TensorFlow start-up lines removed).
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
import tensorflow as tf
from sklearn.decomposition import PCA

seed, learning_rate, epochs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
init = sys.argv[4] if len(sys.argv) > 4 else "ae"
neighbour_space = sys.argv[5] if len(sys.argv) > 5 else "pca"
NEIGHBOURS, ENTROPY_WEIGHT, BATCH, MAX_SHIFT = 20, 5.0, 512, 0.1
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
(entry,) = [e for e in glob.glob("artifacts/shift_autoencoder-*") if json.load(open(f"{e}/meta.json"))["spec"]["seed"] == seed]
autoencoder = keras.models.load_model(f"{entry}/autoencoder.keras", compile=False)
start = time.perf_counter()
if neighbour_space == "pca":
    space = PCA(50, random_state=seed).fit_transform(x_train)
elif neighbour_space == "codes":
    space = helpers.encoder_of(autoencoder).predict(x_train, batch_size=4096, verbose=0)
else:  # the notebook's seeded UMAP embedding of this autoencoder's training codes
    specs = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/umap-*")}
    (umap_entry,) = [e for e, spec in specs.items() if spec["seed"] == seed and spec.get("seeded")]
    space = np.load(f"{umap_entry}/train.npy")
neighbours = helpers.nearest_neighbours(space, NEIGHBOURS)
neighbours_s = time.perf_counter() - start
if init == "random":
    autoencoder = keras.models.clone_model(autoencoder)  # same layers, fresh weights
keras.utils.set_random_seed(seed)
encoder = helpers.encoder_of(autoencoder)
code = keras.layers.BatchNormalization(name="code_bn")(encoder.output)
model = keras.Model(encoder.input, keras.layers.Dense(10, activation="softmax", name="assignment")(code))
optimizer = keras.optimizers.Adam(learning_rate)
shift = keras.layers.RandomTranslation(MAX_SHIFT, MAX_SHIFT, fill_mode="constant", seed=seed)


def augment(batch):
    return tf.reshape(shift(tf.reshape(batch, (-1, 28, 28, 1)), training=True), (-1, 784))


@tf.function
def train_step(anchors, partners):
    anchors, partners = augment(anchors), augment(partners)
    with tf.GradientTape() as tape:
        p_anchor, p_partner = model(anchors, training=True), model(partners, training=True)
        consistency = -tf.reduce_mean(tf.math.log(tf.reduce_sum(p_anchor * p_partner, axis=1) + 1e-8))
        mean_assignment = tf.reduce_mean(p_anchor, axis=0)
        entropy = -tf.reduce_sum(mean_assignment * tf.math.log(mean_assignment + 1e-8))
        loss = consistency - ENTROPY_WEIGHT * entropy
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return consistency, entropy


rng = np.random.default_rng(seed)
start = time.perf_counter()
for epoch in range(1, epochs + 1):
    order = rng.permutation(len(x_train))
    totals = np.zeros(2)
    for first in range(0, len(order), BATCH):
        batch = order[first : first + BATCH]
        partners = neighbours[batch, rng.integers(0, NEIGHBOURS, len(batch))]
        totals += [float(v) * len(batch) for v in train_step(x_train[batch], x_train[partners])]
    if epoch % 2 == 0 or epoch == epochs:
        predicted = model.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)
        print(json.dumps({"seed": seed, "lr": learning_rate, "init": init, "neighbours": neighbour_space, "epoch": epoch, "t": round(time.perf_counter() - start),
                          "neighbours_s": round(neighbours_s), "consistency": round(totals[0] / len(order), 3),
                          "entropy": round(totals[1] / len(order), 3), **helpers.evaluate(y_test, predicted)}), flush=True)
if len(sys.argv) > 6:  # SAVE_PATH: the final soft assignments, for experiments/scan_end_to_end_combined.py
    np.savez(sys.argv[6], train=model.predict(x_train, batch_size=4096, verbose=0), test=model.predict(x_test, batch_size=4096, verbose=0))
