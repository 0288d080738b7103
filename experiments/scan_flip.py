"""Exploration for issue 5 (kept as run; not part of the study): horizontal flips in the fine-tuning's augmentation.

Usage: python experiments/scan_flip.py SEED   (after `make bench`: reads that seed's cached shifted autoencoder,
3-head consensus on the training images and neighbours' PCA from artifacts/ and the data)
The notebook's fine-tuning (helpers.fine_tune_clustering: 2 distillation + 6 SCAN epochs, Adam 1e-4) shifts every
view by up to 10%. A garment mirrored left-right is the same garment, so here each view is also flipped with
probability 1/2; the rest is as in the notebook. Test ACC of the notebook's cached network beside it.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
import tensorflow as tf
from sklearn.decomposition import PCA

seed = int(sys.argv[1])
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*")}
(umap_entry,) = [e for e, s in meta.items() if "/umap-" in e and s["seed"] == seed and s.get("seeded")]
umap_checksum = helpers.array_checksum(np.load(f"{umap_entry}/train.npy"))
(combo,) = [e for e, s in meta.items() if "/scan_combination-" in e and s.get("features") == umap_checksum]
targets = np.load(f"{combo}/train_consensus.npy")
(ae_entry,) = [e for e, s in meta.items() if "/shift_autoencoder-" in e and s["seed"] == seed]
(ft_entry,) = [e for e, s in meta.items() if "/scan_finetune-" in e and s["seed"] == seed and s["scan_epochs"] == 6 and s["learning_rate"] == 1e-4]
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
neighbours = helpers.nearest_neighbours(PCA(random_state=seed).fit(x_train).transform(x_train)[:, :50], 20)

copy = keras.models.clone_model(encoder)
copy.set_weights(encoder.get_weights())
keras.utils.set_random_seed(seed)
outputs = keras.layers.Dense(10, activation="softmax", name="assignment")(keras.layers.BatchNormalization(name="code_bn")(copy.output))
model = keras.Model(copy.input, outputs)
shift = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed)
flip = keras.layers.RandomFlip("horizontal", seed=seed)


def augment(batch):
    return tf.reshape(flip(shift(tf.reshape(batch, (-1, 28, 28, 1)), training=True), training=True), tf.shape(batch))


optimizer = keras.optimizers.Adam(1e-4)


@tf.function
def distill_step(batch, target):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.categorical_crossentropy(target, model(augment(batch), training=True)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))


rng = np.random.default_rng(seed)
start = time.perf_counter()
for epoch in range(2):
    order = rng.permutation(len(x_train))
    for first in range(0, len(order), 512):
        batch = order[first : first + 512]
        distill_step(x_train[batch], targets[batch])
helpers.scan._train_scan_loss(model, x_train, neighbours, 6, 5.0, 512, keras.optimizers.Adam(1e-4), rng, lambda line: None, "", 6, augment=augment)
notebook = keras.models.load_model(f"{ft_entry}/model.keras", compile=False)
score = lambda m: {k: round(v, 4) for k, v in helpers.evaluate(y_test, m.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)).items()}
print(json.dumps({"seed": seed, "notebook": score(notebook), "flip": score(model), "fit_s": round(time.perf_counter() - start, 1)}), flush=True)
