"""Exploration for issue 5 (kept as run; not part of the study): a contrastive representation.

Usage: python experiments/contrastive_features.py EPOCHS BATCH  (run as: 6 256)
SimCLR-style: a 6-layer conv encoder with batch normalisation, two augmented views per image
(horizontal flip, translation 15%, zoom 20%, contrast), NT-Xent loss at temperature 0.2, Adam
with cosine decay. The encoder output is clustered by K-Means, PCA 20 + GMM and UMAP 10 + GMM.
Output: experiments/contrastive_features.log (TensorFlow start-up lines removed).
"""
import sys, time, json, math
import numpy as np
sys.path.insert(0, ".")
import helpers
import tensorflow as tf, keras
from keras import layers

EPOCHS = int(sys.argv[1]); BATCH = int(sys.argv[2]); TEMP = 0.2
helpers.set_seed(0)
(tr, ytr), (te, yte) = helpers.load_fashion_mnist()
xtr = (tr[..., None] / 255.0).astype("float32"); xte = (te[..., None] / 255.0).astype("float32")

def encoder():
    i = keras.Input((28, 28, 1))
    x = i
    for f in (32, 64, 128):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x); x = layers.ReLU()(x)
        x = layers.Conv2D(f, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x); x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(i, x)
enc = encoder()
head = keras.Sequential([layers.Dense(128, activation="relu"), layers.Dense(64)])
aug = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomTranslation(0.15, 0.15, fill_mode="constant"),
                        layers.RandomZoom((-0.2, 0.2), fill_mode="constant"), layers.RandomContrast(0.5)])
steps = math.ceil(60000 / BATCH) * EPOCHS
opt = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, steps))
@tf.function
def step(x):
    a, b = aug(x, training=True), aug(x, training=True)
    with tf.GradientTape() as t:
        z = tf.math.l2_normalize(head(enc(tf.concat([a, b], 0), training=True), training=True), 1)
        n = tf.shape(x)[0]
        s = tf.matmul(z, z, transpose_b=True) / TEMP - tf.eye(2 * n) * 1e9
        lab = tf.concat([tf.range(n, 2 * n), tf.range(0, n)], 0)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(lab, s))
    v = enc.trainable_variables + head.trainable_variables
    opt.apply_gradients(zip(t.gradient(loss, v), v))
    return loss
ds = tf.data.Dataset.from_tensor_slices(xtr).shuffle(60000, seed=0).batch(BATCH, drop_remainder=True).prefetch(2)
from sklearn.mixture import GaussianMixture
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
start = time.perf_counter()
for e in range(EPOCHS):
    ls = [float(step(b)) for b in ds]
    print(json.dumps({"epoch": e + 1, "loss": round(np.mean(ls), 4), "t": round(time.perf_counter() - start)}), flush=True)
ftr = enc.predict(xtr, 1024, verbose=0); fte = enc.predict(xte, 1024, verbose=0)
np.savez(f"/tmp/exp/simclr-{EPOCHS}.npz", train=ftr, test=fte)
ntr = ftr / np.linalg.norm(ftr, axis=1, keepdims=True); nte = fte / np.linalg.norm(fte, axis=1, keepdims=True)
km = KMeans(10, n_init=10, random_state=0).fit(ntr)
print("kmeans", helpers.evaluate(yte, km.predict(nte)), flush=True)
p = PCA(20, random_state=0).fit(ntr)
g = GaussianMixture(10, covariance_type="full", random_state=0).fit(p.transform(ntr))
print("pca20 gmm", helpers.evaluate(yte, g.predict(p.transform(nte))), flush=True)
import umap
t = time.perf_counter()
r = umap.UMAP(n_neighbors=20, n_components=10, min_dist=0.0).fit(ntr)
etr, ete = r.embedding_, r.transform(nte)
for s in range(3):
    g = GaussianMixture(10, covariance_type="full", random_state=s).fit(etr)
    print("umap gmm", s, round(time.perf_counter() - t), helpers.evaluate(yte, g.predict(ete)), flush=True)
