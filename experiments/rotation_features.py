"""Exploration for issue 5 (kept as run; not part of the study): does a cheap self-supervised pretext task give
SCAN purer neighbours than the pixels, above all for pullovers, coats and shirts?

Usage: python experiments/rotation_features.py EPOCHS [EPOCHS ...]
RotNet (Gidaris et al., 2018): the notebook's small clustering CNN (helpers.build_clustering_cnn, code of 128)
with a 4-way softmax learns which of 0, 90, 180 or 270 degrees each training image was rotated by (one random
rotation per image and epoch; Adam 1e-3, batch 256). After each listed number of epochs, the 20 nearest
neighbours of each training image by cosine similarity of its (unrotated) code: the fraction sharing its class
(training labels, for this diagnosis only), overall and for pullover / coat / shirt, beside the pixels' first
50 principal components (cosine) and the two spaces' normalised features side by side.
"""
import sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from common import normalised
import keras
from sklearn.decomposition import PCA

checkpoints = sorted(int(a) for a in sys.argv[1:])
helpers.set_seed(0)
(train_images, y_train), _ = helpers.load_fashion_mnist()
images = train_images.astype("float32") / 255
flat = images.reshape(len(images), -1)


def report(space, features, **extra):
    common.purity_report(space, features, y_train, **extra)


pixel_space = normalised(PCA(50, random_state=0).fit_transform(flat))
report("pixels_pca50_cosine", pixel_space)

trunk = helpers.build_clustering_cnn(128, seed=0)
rotation = keras.layers.Dense(4, activation="softmax", name="rotation")(keras.layers.ReLU()(trunk.output))
model = keras.Model(trunk.input, rotation)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
rng = np.random.default_rng(0)
train_s = 0.0  # training only, not the evaluations
for epoch in range(1, checkpoints[-1] + 1):
    start = time.perf_counter()
    turns = rng.integers(0, 4, len(images))
    rotated = np.stack([np.rot90(image, k) for image, k in zip(images, turns)]).reshape(len(images), -1)
    history = model.fit(rotated, turns, batch_size=256, epochs=1, verbose=0)
    train_s += time.perf_counter() - start
    if epoch in checkpoints:
        codes = trunk.predict(flat, batch_size=4096, verbose=0)
        report("rotnet_code", codes, epochs=epoch, rotation_acc=round(history.history["accuracy"][-1], 4), train_s=round(train_s, 1))
        report("pixels_and_rotnet_code", np.hstack([pixel_space, normalised(codes)]), epochs=epoch)
