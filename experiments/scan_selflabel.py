"""Exploration for issue 5 (kept as run; not part of the study): self-labelling after the fine-tuned encoder.

Usage: python experiments/scan_selflabel.py SEED FRACTION EPOCHS [LR]
  Starts from the notebook's cached "N2D + SCAN, fine-tuned encoder" network of that seed (after `make bench`).
  Its most confident training images -- the top FRACTION of each cluster by assignment probability, so every
  cluster keeps as many labels as it has confident members -- keep their cluster as a label, and the network
  is trained with cross-entropy on randomly shifted copies of them (weighted so every cluster counts alike),
  EPOCHS epochs, Adam LR (default 1e-4). The labels are fixed once, from the network before this step.
Test ACC printed every epoch for reading. Fitted on the training images only; scored on the test set.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
import tensorflow as tf

seed, fraction, epochs = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
lr = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
BATCH, MAX_SHIFT = 512, 0.1
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/scan_finetune-*")}
(entry,) = [e for e, s in meta.items() if s["seed"] == seed]
model = keras.models.load_model(f"{entry}/model.keras", compile=False)
keras.utils.set_random_seed(seed)
shift = keras.layers.RandomTranslation(MAX_SHIFT, MAX_SHIFT, fill_mode="constant", seed=seed)
rng = np.random.default_rng(seed)
start = time.perf_counter()


def report(epoch, **extra):
    predicted = model.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)
    print(json.dumps({"seed": seed, "fraction": fraction, "lr": lr, "epoch": epoch, "t": round(time.perf_counter() - start),
                      **extra, **{k: round(v, 4) for k, v in helpers.evaluate(y_test, predicted).items()}}), flush=True)


report(0)
p_train = model.predict(x_train, batch_size=4096, verbose=0)
labels = p_train.argmax(axis=1)
keep = np.zeros(len(labels), bool)
for k in range(p_train.shape[1]):
    members = np.flatnonzero(labels == k)
    top = members[np.argsort(-p_train[members, k])[: int(round(fraction * len(members)))]]
    keep[top] = True
images, targets = x_train[keep], keras.utils.to_categorical(labels[keep], p_train.shape[1]).astype("float32")
counts = np.bincount(labels[keep], minlength=p_train.shape[1])
weights = (len(images) / (len(counts) * counts))[labels[keep]].astype("float32")
print(json.dumps({"kept": int(keep.sum()), "kept_train_acc": round(helpers.cluster_accuracy(y_train[keep], labels[keep]), 4),
                  "all_train_acc": round(helpers.cluster_accuracy(y_train, labels), 4)}), flush=True)
optimizer = keras.optimizers.Adam(lr)


@tf.function
def step(batch, target, weight):
    batch = tf.reshape(shift(tf.reshape(batch, (-1, 28, 28, 1)), training=True), (-1, 784))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(weight * keras.losses.categorical_crossentropy(target, model(batch, training=True)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))


for epoch in range(1, epochs + 1):
    order = rng.permutation(len(images))
    for first in range(0, len(order), BATCH):
        batch = order[first : first + BATCH]
        step(images[batch], targets[batch], weights[batch])
    report(epoch)
