"""Model builder, seeding, the clustering benchmark row and GMM selection."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

import helpers


def test_autoencoder_shapes_names_and_parameter_count():
    autoencoder, encoder = helpers.build_autoencoder(784, [512, 256], 10)
    assert autoencoder.input_shape == (None, 784) and autoencoder.output_shape == (None, 784)
    assert encoder.output_shape == (None, 10)
    names = [layer.name for layer in autoencoder.layers]
    assert names == [
        "image", "encoder_1", "encoder_1_bn", "encoder_2", "encoder_2_bn", "code",
        "decoder_1", "decoder_2", "reconstruction",
    ]
    dense = (784 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)
    dense += (10 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784)
    batch_norm = 4 * 512 + 4 * 256
    assert autoencoder.count_params() == dense + batch_norm
    # The encoder shares the autoencoder's layers: training one trains the other.
    assert encoder.get_layer("code") is autoencoder.get_layer("code")
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "linear"


def test_autoencoder_without_batch_norm_and_with_sigmoid_output():
    autoencoder, _ = helpers.build_autoencoder(20, [8], 2, batch_norm=False, output_activation="sigmoid")
    assert not any("bn" in layer.name for layer in autoencoder.layers)
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "sigmoid"


@pytest.mark.parametrize("arguments", [(0, [8], 2), (20, [8, -1], 2), (20, [8], 0), (20, [8.5], 2)])
def test_autoencoder_rejects_bad_sizes(arguments):
    with pytest.raises(ValueError, match="positive integers"):
        helpers.build_autoencoder(*arguments)


def test_same_seed_gives_the_same_weights():
    helpers.set_seed(3)
    first, _ = helpers.build_autoencoder(20, [8], 2)
    helpers.set_seed(3)
    second, _ = helpers.build_autoencoder(20, [8], 2)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="seed"):
        helpers.set_seed(-1)


@pytest.fixture
def blobs():
    x, y = make_blobs(n_samples=600, centers=4, n_features=3, cluster_std=0.5, random_state=0)
    return x[:400], y[:400], x[400:], y[400:]


def test_benchmark_fits_on_train_and_scores_test(blobs, capsys):
    x_train, _, x_test, y_test = blobs
    row = helpers.benchmark_clustering("k-means", KMeans(4, n_init=3, random_state=0), x_train, x_test, y_test)
    assert row["acc"] == 1.0 and row["nmi"] == pytest.approx(1.0)
    assert row["y_pred"].shape == y_test.shape
    assert row["fit_s"] >= 0 and row["predict_s"] >= 0
    printed = capsys.readouterr().out
    assert printed.startswith("k-means") and "1.000" in printed


def test_benchmark_rejects_mismatched_features(blobs):
    x_train, _, x_test, y_test = blobs
    with pytest.raises(ValueError, match="equal widths"):
        helpers.benchmark_clustering("k", KMeans(4), x_train, x_test[:, :2], y_test)


def test_gmm_selection_prefers_full_covariance_for_elongated_clusters():
    rng = np.random.default_rng(0)
    stretch = np.array([[4.0, 3.0], [0.0, 0.3]])  # correlated, elongated clusters
    codes = np.vstack([rng.normal(size=(300, 2)) @ stretch + centre for centre in ([0, 0], [12, 12], [-12, 6])])
    best, bic = helpers.select_gmm_by_bic(codes, 3, n_inits=(1, 2), seed=0)
    assert set(bic) == {"full", "tied", "diag", "spherical"} and set(bic["full"]) == {1, 2}
    assert best["covariance_type"] in ("full", "tied")
    assert bic[best["covariance_type"]][best["n_init"]] == pytest.approx(min(min(r.values()) for r in bic.values()), rel=1e-3)
    # With equal BIC, fewer initialisations win.
    assert best["n_init"] == 1


def test_stopwatch_accumulates_stages():
    stopwatch = helpers.Stopwatch()
    for _ in range(2):
        with stopwatch("stage"):
            sum(range(10_000))
    assert set(stopwatch.seconds) == {"stage"} and stopwatch.seconds["stage"] > 0


def test_describe_layers_matches_the_model():
    autoencoder, _ = helpers.build_autoencoder(20, [8], 2)
    rows = helpers.describe_layers(autoencoder)
    assert [row["name"] for row in rows] == ["image", "encoder_1", "encoder_1_bn", "code", "decoder_1", "reconstruction"]
    assert rows[1] == {"name": "encoder_1", "type": "Dense", "output_shape": [8], "params": 20 * 8 + 8}
    assert rows[-1]["output_shape"] == [20]
    assert sum(row["params"] for row in rows) == autoencoder.count_params()
