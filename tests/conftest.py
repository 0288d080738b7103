"""Shared test set-up: import helpers from the repository root, draw headless; fixtures used by several modules' tests."""

import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import make_blobs

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import helpers  # noqa: E402  (found through the path above)


@pytest.fixture
def blobs():
    x, y = make_blobs(n_samples=600, centers=4, n_features=3, cluster_std=0.5, random_state=0)
    return x[:400], y[:400], x[400:], y[400:]


@pytest.fixture
def results():
    return {
        "methods": {
            "kmeans_raw": {"label": "K-Means on raw pixels", "acc": 0.5, "nmi": 0.51, "ari": 0.35,
                           "fit_s": 10.0, "predict_s": 0.1, "representation_s": 0.0, "silhouette": 0.12,
                           "y_pred": np.array([1, 2])},
            "ae_gmm": {"label": "AE + GMM_v2 & co", "acc": 0.6, "nmi": np.float64(0.62), "ari": 0.45,
                       "fit_s": 2.0, "predict_s": 0.1, "representation_s": 300.0},
        },
        "parameters": {"n_train": 60000, "n_test": 10000, "SEED": 0},
        "total_s": 480.2, "device": "CPU", "peak_memory_gib": 3.2, "created": "2026-11-23",
    }


@pytest.fixture(scope="module")
def blobs_autoencoder():
    x, y = make_blobs(3000, n_features=20, centers=5, cluster_std=1.0, random_state=0)
    x = x.astype("float32")
    helpers.methods.set_seed(0)
    autoencoder, encoder = helpers.methods.build_autoencoder(20, [16], 3)
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(x, x, epochs=10, batch_size=64, verbose=0)
    return x, y, autoencoder, encoder.predict(x, verbose=0)
