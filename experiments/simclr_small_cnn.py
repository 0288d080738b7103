"""Exploration for issue 5 (kept as run; not part of the study): does a short contrastive training of the
notebook's small clustering CNN give SCAN purer neighbours than the pixels, above all for pullovers, coats
and shirts?

Usage: python experiments/simclr_small_cnn.py TEMPERATURE EPOCHS [EPOCHS ...]
SimCLR (Chen et al., 2020) on the CPU's budget: helpers.build_clustering_cnn (code of 128) with a projection
head (Dense 128 ReLU, Dense 64), two augmented views of each training image per step (random translation of up
to 15%, random zoom of up to 20%, brightness scaled by a random factor in [0.6, 1.4]; no mirroring, which hurt
SCAN here, experiments/scan_flip.log), NT-Xent loss at TEMPERATURE over batches of 512, Adam 1e-3. After each
listed number of epochs: the 20 nearest neighbours of each training image by cosine similarity of its
(unaugmented) code, the fraction sharing its class (training labels, for this diagnosis only), overall and for
pullover / coat / shirt, beside the pixels' first 50 principal components (cosine) and the two spaces side by
side. The same report as experiments/rotation_features.py.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from common import normalised
import keras
import tensorflow as tf
from sklearn.decomposition import PCA

temperature, checkpoints = float(sys.argv[1]), sorted(int(a) for a in sys.argv[2:])
BATCH = 512
helpers.set_seed(0)
(train_images, y_train), _ = helpers.load_fashion_mnist()
flat = (train_images.reshape(len(train_images), -1) / 255).astype("float32")


def report(space, features, **extra):
    common.purity_report(space, features, y_train, **extra)


pixel_space = normalised(PCA(50, random_state=0).fit_transform(flat))
report("pixels_pca50_cosine", pixel_space)

encoder = helpers.build_clustering_cnn(128, seed=0)
projection = keras.Sequential([keras.layers.Dense(128, activation="relu"), keras.layers.Dense(64)], name="projection")
projection.build((None, 128))
translate = keras.layers.RandomTranslation(0.15, 0.15, fill_mode="constant", seed=1)
zoom = keras.layers.RandomZoom((-0.2, 0.2), fill_mode="constant", seed=2)
optimizer = keras.optimizers.Adam(1e-3)
variables = encoder.trainable_variables + projection.trainable_variables


def augment(batch):
    images = zoom(translate(tf.reshape(batch, (-1, 28, 28, 1)), training=True), training=True)
    brightness = tf.random.uniform((tf.shape(batch)[0], 1, 1, 1), 0.6, 1.4)
    return tf.reshape(tf.clip_by_value(images * brightness, 0.0, 1.0), (-1, 784))


@tf.function
def train_step(batch):
    with tf.GradientTape() as tape:
        z = tf.math.l2_normalize(projection(encoder(tf.concat([augment(batch), augment(batch)], 0), training=True)), 1)
        n = tf.shape(batch)[0]
        logits = tf.matmul(z, z, transpose_b=True) / temperature - 1e9 * tf.eye(2 * n)
        positives = tf.concat([tf.range(n, 2 * n), tf.range(0, n)], 0)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(positives, logits))
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss


rng = np.random.default_rng(0)
train_s = 0.0  # training time only: the purity reports are left out
for epoch in range(1, checkpoints[-1] + 1):
    start = time.perf_counter()
    order = rng.permutation(len(flat))
    losses = [float(train_step(flat[order[i : i + BATCH]])) for i in range(0, len(order) - BATCH + 1, BATCH)]
    train_s += time.perf_counter() - start
    print(json.dumps({"epoch": epoch, "loss": round(float(np.mean(losses)), 4), "train_s": round(train_s)}), flush=True)
    if epoch in checkpoints:
        code = encoder.predict(flat, batch_size=4096, verbose=0)
        report("simclr_code", code, temperature=temperature, epochs=epoch, train_s=round(train_s, 1))
        report("pixels_and_simclr_code", np.hstack([pixel_space, normalised(code)]), temperature=temperature, epochs=epoch)
