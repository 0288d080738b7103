"""Exploration for issue 34 (not part of the study): which dense autoencoder and clustering of its codes make Tasks 2
and 3 stronger, judged on the validation split only?

Usage: python experiments/task23_validation.py VARIANT [VARIANT ...] [--seeds 0 1] [--clusterings NAME ...]
Variants: notebook (the notebook's Task 2 autoencoder), shift10 / shift15 (the same network trained on images shifted
at random by up to 10% / 15% of their size), and with a suffix _e20 / _e45 another number of epochs, _z16 a 16-number
code, _dec the DEC encoder's hidden layers (500-500-2000) instead of 512-256. Each autoencoder is fitted as the notebook fits it: on the first 54,000 training images, the last 6,000 (the
notebook's validation_split=0.1) watched by early stopping. K-Means (n_init 10) and Gaussian mixtures are then fitted
on the codes of all 60,000 training images, as in the notebook, and scored on the labels of the 6,000 validation
images only: the test images are neither predicted nor scored here. One JSON line per variant, seed and clustering.
"""
import json
import math
import sys
import time

import numpy as np

sys.path.insert(0, ".")
import helpers  # noqa: E402

VALIDATION = slice(54_000, 60_000)  # the notebook's validation_split=0.1 of the training images


def train_codes(variant: str, seed: int, x_train: np.ndarray) -> tuple[np.ndarray, float]:
    """Train the variant's autoencoder; return the codes of every training image and the training time."""
    import keras

    parts = variant.split("_")
    max_shift = {"notebook": 0.0, "shift10": 0.1, "shift15": 0.15}[parts[0]]
    epochs = next((int(p[1:]) for p in parts if p.startswith("e")), 30)
    latent = next((int(p[1:]) for p in parts if p.startswith("z")), 10)
    hidden = [500, 500, 2000] if "dec" in parts else [512, 256]
    helpers.methods.set_seed(seed)
    autoencoder, encoder = helpers.methods.build_autoencoder(784, hidden, latent)
    n_fit = 54_000
    steps = math.ceil(n_fit / 256)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=epochs * steps)
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    start = time.perf_counter()
    if max_shift:
        autoencoder.fit(
            helpers.random_shift_dataset(x_train[:n_fit], 256, max_shift, seed), validation_data=(x_train[n_fit:], x_train[n_fit:]),
            epochs=epochs, verbose=0,
        )
    else:
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
        autoencoder.fit(x_train, x_train, epochs=epochs, batch_size=256, validation_split=0.1, callbacks=[stop], verbose=0)
    seconds = time.perf_counter() - start
    return encoder.predict(x_train, batch_size=1024, verbose=0), seconds


def clusterings(seed: int):
    """The clusterings of the codes that are tried: name, estimator factory, whether the codes are standardised."""
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    yield "kmeans", lambda: KMeans(10, n_init=10, random_state=seed), False
    yield "kmeans_standardised", lambda: KMeans(10, n_init=10, random_state=seed), True
    yield "gmm_full", lambda: GaussianMixture(10, covariance_type="full", random_state=seed), False
    yield "gmm_full_n4", lambda: GaussianMixture(10, covariance_type="full", n_init=4, random_state=seed), False
    yield "gmm_full_kmeans_init", lambda: GaussianMixture(10, covariance_type="full", init_params="k-means++", random_state=seed), False
    # The notebook's Task 3: covariance type and n_init chosen by BIC on the training codes, from either initialisation.
    for suffix, init_params in (("", "kmeans"), ("_kpp", "k-means++")):
        yield f"gmm_bic{suffix}", lambda init_params=init_params: BicSelectedMixture(seed, init_params), False


class BicSelectedMixture:
    """A Gaussian mixture whose settings helpers.methods.select_gmm_by_bic chooses on the codes it is fitted to, as Task 3's."""

    def __init__(self, seed: int, init_params: str):
        self.seed, self.init_params = seed, init_params

    def fit(self, codes):
        from sklearn.mixture import GaussianMixture

        self.settings, _ = helpers.methods.select_gmm_by_bic(codes, 10, n_inits=(1, 4), seed=self.seed, init_params=self.init_params)
        self.model = GaussianMixture(10, **self.settings, random_state=self.seed).fit(codes)
        return self

    def predict(self, codes):
        return self.model.predict(codes)


def main() -> None:
    args = sys.argv[1:]
    chosen = None
    if "--clusterings" in args:
        chosen = set(args[args.index("--clusterings") + 1:])
        args = args[: args.index("--clusterings")]
    seeds = [int(s) for s in args[args.index("--seeds") + 1:]] if "--seeds" in args else [0, 1]
    variants = args[: args.index("--seeds")] if "--seeds" in args else args
    (train_images, y_train), _ = helpers.load_fashion_mnist()
    x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
    y_validation = y_train[VALIDATION]
    for variant in variants:
        for seed in seeds:
            codes, train_s = train_codes(variant, seed, x_train)
            for name, make, standardise in clusterings(seed):
                if chosen is not None and name not in chosen:
                    continue
                features = (codes - codes.mean(0)) / codes.std(0) if standardise else codes
                start = time.perf_counter()
                model = make().fit(features)
                predicted = model.predict(features[VALIDATION])
                scores = helpers.evaluate(y_validation, predicted)
                print(json.dumps({
                    "variant": variant, "seed": seed, "clustering": name, "split": "validation",
                    "acc": round(scores["acc"], 4), "nmi": round(scores["nmi"], 4), "train_s": round(train_s, 1),
                    "cluster_s": round(time.perf_counter() - start, 1),
                    **({"settings": model.settings} if hasattr(model, "settings") else {}),
                }), flush=True)


if __name__ == "__main__":
    main()
