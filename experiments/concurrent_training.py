"""Exploration for issue 5 (kept as run; not part of the study): do two dense autoencoder trainings gain from
running side by side in two processes, as the seeded UMAP and DEC/IDEC do?

Usage: python experiments/concurrent_training.py plain|shift
Trains the notebook's dense autoencoder (784-512-256-10, batch 256) for 4 epochs on the training images, either on
the images themselves (plain, like Task 2) or on randomly shifted ones (shift, like the beyond part), and prints
the set-up and fit times. The log holds each alone, then the two started together:
    python experiments/concurrent_training.py plain; python experiments/concurrent_training.py shift
    python experiments/concurrent_training.py plain & python experiments/concurrent_training.py shift; wait
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, ".")
import keras  # noqa: E402

import helpers  # noqa: E402

start = time.perf_counter()
(train_images, _), _ = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
helpers.set_seed(0)
autoencoder, _ = helpers.build_autoencoder(784, [512, 256], 10)
autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
set_up = time.perf_counter()
if sys.argv[1] == "shift":
    autoencoder.fit(helpers.random_shift_dataset(x_train[:54000], 256, 0.1, 0), epochs=4, verbose=0)
else:
    autoencoder.fit(x_train, x_train, epochs=4, batch_size=256, validation_split=0.1, verbose=0)
print(sys.argv[1], "set-up s", round(set_up - start, 1), "fit s", round(time.perf_counter() - set_up, 1), flush=True)
