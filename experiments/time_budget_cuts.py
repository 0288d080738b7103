"""Exploration for issue 5 (kept as run): shorter trainings of the two slowest assignment/comparison networks.

Usage: python experiments/time_budget_cuts.py SEED [SEED ...]   (compares with results/runs/seed-SEED/results.json
of commit 7401e46, the benchmark of the notebook before this cut: 60 epochs for the dense autoencoder, 5 for the
convolutional one; when it was run, that was the current file, which it read directly)
On this machine kind (2 cores, AVX2, no AVX-512) the notebook took 16-18.5 min, over issue 5's 15-minute budget;
the dense Task 2 autoencoder (60 epochs, ~268 s) and the submissions' convolutional autoencoder (5 epochs,
103-147 s) are its two largest stages. Here each is retrained exactly as the notebook trains it (same builder,
seed, Adam with cosine decay to 0 over all epochs / constant 1e-3, early stopping, validation_split 0.1, batch
256) for fewer epochs, then clustered as the notebook clusters it (K-Means n_init 10; GMM with the settings BIC
chooses on the training codes; the conv. GMM capped at 30 EM iterations, reg_covar 1e-4). Test-set scores and
fit times, one JSON line per network and seed.
"""
import json, math, subprocess, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture

(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
score = lambda estimator, train, test: {k: round(v, 4) for k, v in helpers.evaluate(y_test, estimator.fit(train).predict(test)).items()}


def dense(seed, epochs):
    helpers.set_seed(seed)
    autoencoder, encoder = helpers.build_autoencoder(784, [512, 256], 10)
    steps = math.ceil(0.9 * len(x_train) / 256)
    autoencoder.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=epochs * steps)), loss="mse")
    start = time.perf_counter()
    history = autoencoder.fit(x_train, x_train, epochs=epochs, batch_size=256, validation_split=0.1, verbose=0,
                              callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)])
    fit_s = time.perf_counter() - start
    train, test = encoder.predict(x_train, batch_size=1024, verbose=0), encoder.predict(x_test, batch_size=1024, verbose=0)
    settings, _ = helpers.select_gmm_by_bic(train, 10, n_inits=(1, 4), seed=seed)
    return {"network": "dense", "seed": seed, "epochs": epochs, "fit_s": round(fit_s, 1), "best_val_loss": round(min(history.history["val_loss"]), 6),
            "kmeans": score(KMeans(10, n_init=10, random_state=seed), train, test),
            "gmm": score(GaussianMixture(10, **settings, random_state=seed), train, test), "gmm_settings": settings}


def conv(seed, epochs):
    helpers.set_seed(seed)
    autoencoder, _ = helpers.build_conv_autoencoder()
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy")
    images_train, images_test = x_train.reshape(-1, 28, 28, 1), x_test.reshape(-1, 28, 28, 1)
    start = time.perf_counter()
    autoencoder.fit(images_train, images_train, epochs=epochs, batch_size=256, validation_split=0.1, verbose=0,
                    callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)])
    fit_s = time.perf_counter() - start
    encoder = helpers.encoder_of(autoencoder, code_layer="code_map")
    train = encoder.predict(images_train, batch_size=1024, verbose=0).reshape(len(x_train), -1)
    test = encoder.predict(images_test, batch_size=1024, verbose=0).reshape(len(x_test), -1)
    return {"network": "conv", "seed": seed, "epochs": epochs, "fit_s": round(fit_s, 1),
            "kmeans": score(KMeans(10, n_init=10, random_state=seed), train, test),
            "gmm": score(GaussianMixture(10, covariance_type="full", reg_covar=1e-4, max_iter=30, random_state=seed), train, test)}


for seed in map(int, sys.argv[1:]):
    committed = json.loads(subprocess.run(["git", "show", f"7401e46:results/runs/seed-{seed}/results.json"],
                                          capture_output=True, text=True, check=True).stdout)
    rows = committed["methods"]
    print(json.dumps({"seed": seed, "committed": {
        "dense 60": {"fit_s": round(committed["stages_s"]["autoencoder_fit"], 1), "kmeans": rows["ae_kmeans"]["acc"], "gmm": rows["ae_gmm"]["acc"],
                     "gmm_nmi": rows["ae_gmm"]["nmi"]},
        "conv 5": {"fit_s": round(committed["stages_s"]["conv_autoencoder_fit"], 1), "kmeans": rows["conv_kmeans"]["acc"], "gmm": rows["conv_gmm"]["acc"]}}}), flush=True)
    print(json.dumps(conv(seed, 3)), flush=True)
    for epochs in (30, 40):
        print(json.dumps(dense(seed, epochs)), flush=True)
