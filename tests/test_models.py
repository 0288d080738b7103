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


def test_benchmark_records_em_runs_of_mixtures_only(blobs):
    from sklearn.mixture import GaussianMixture

    x_train, _, x_test, y_test = blobs
    capped = GaussianMixture(4, max_iter=1, tol=1e-12, random_state=0)
    with pytest.warns(Warning, match="converge"):
        gmm_row = helpers.benchmark_clustering("gmm", capped, x_train, x_test, y_test)
    assert (gmm_row["em_iterations"], gmm_row["em_converged"]) == (1, False)
    kmeans_row = helpers.benchmark_clustering("k-means", KMeans(4, n_init=1, random_state=0), x_train, x_test, y_test)
    assert "em_iterations" not in kmeans_row and "em_converged" not in kmeans_row


def test_describe_em_runs_lists_only_rows_with_an_em_record():
    rows = {
        "pca_80_gmm": {"label": "PCA 80% + GMM", "em_iterations": 30, "em_converged": False},
        "pca_80_kmeans": {"label": "PCA 80% + K-Means"},
        "n2d": {"label": "N2D", "em_iterations": 12, "em_converged": True},
    }
    assert helpers.describe_em_runs(rows).splitlines() == [
        "PCA 80% + GMM: EM ran 30 iterations, not converged",
        "N2D: EM ran 12 iterations, converged",
    ]
    assert helpers.describe_em_runs({"km": {"label": "K-Means"}}) == ""
    with pytest.raises(ValueError, match="no em_converged"):
        helpers.describe_em_runs({"broken": {"em_iterations": 3}})


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


def test_conv_autoencoder_matches_the_published_one():
    autoencoder, encoder = helpers.build_conv_autoencoder()
    assert autoencoder.count_params() == 4385
    assert autoencoder.output_shape == (None, 28, 28, 1)
    assert encoder.output_shape == (None, 128)
    assert autoencoder.get_layer("code_map").output.shape[1:] == (4, 4, 8)
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "sigmoid"
    with pytest.raises(ValueError, match="image_shape"):
        helpers.build_conv_autoencoder((28,))


def test_clustering_cnn_shapes_and_seeded_weights():
    cnn = helpers.build_clustering_cnn(10, seed=3)
    assert cnn.input_shape == (None, 784) and cnn.output_shape == (None, 10)
    # 3x3x1x32+32, 3x3x32x64+64, (7*7*64)x128+128, 128x10+10: two stride-2 convolutions take 28 to 7.
    assert cnn.count_params() == 320 + 18_496 + 401_536 + 1_290
    assert cnn.get_layer("code").output.shape[1:] == (10,)
    same, other = helpers.build_clustering_cnn(10, seed=3), helpers.build_clustering_cnn(10, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(cnn.get_weights(), same.get_weights()))
    assert not np.array_equal(cnn.get_weights()[0], other.get_weights()[0])
    x = np.random.default_rng(0).random((5, 784)).astype("float32")
    assert helpers.encoder_of(cnn)(x).shape == (5, 10)
    for bad in ({"code_size": 0}, {"code_size": 10, "seed": -1}, {"code_size": 10, "image_shape": (28,)}):
        with pytest.raises(ValueError):
            helpers.build_clustering_cnn(**bad)


def test_components_for_variance_on_a_known_spectrum():
    # Column variances 8, 4, 2, 1, 1 (total 16): 50% needs 1, 75% needs 2, 90% needs 4 components.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 5)) * np.sqrt([8.0, 4.0, 2.0, 1.0, 1.0])
    from sklearn.decomposition import PCA

    ratios = PCA().fit(x).explained_variance_ratio_
    assert [helpers.n_components_for_variance(ratios, level) for level in (0.45, 0.70, 0.90, 1.0)] == [1, 2, 4, 5]
    assert helpers.n_components_for_variance([0.5, 0.25, 0.25], 0.75) == 2
    with pytest.raises(ValueError, match="level"):
        helpers.n_components_for_variance(ratios, 0.0)
    with pytest.raises(ValueError, match="less than"):
        helpers.n_components_for_variance([0.5, 0.3], 0.9)


def test_centroid_agglomerative_predicts_by_nearest_centroid(blobs):
    x_train, y_train, x_test, y_test = blobs
    model = helpers.CentroidAgglomerative(4, max_samples=100, random_state=0).fit(x_train)
    assert model.cluster_centers_.shape == (4, 3)
    predicted = model.predict(x_test)
    distances = ((x_test[:, None, :] - model.cluster_centers_[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(predicted, distances.argmin(axis=1))
    assert helpers.cluster_accuracy(y_test, predicted) == 1.0
    with pytest.raises(ValueError):
        helpers.CentroidAgglomerative(1)


def test_silhouette_is_high_for_blobs_and_nan_for_one_cluster(blobs):
    x_train, y_train, _, _ = blobs
    assert helpers.silhouette(x_train, y_train) > 0.7
    assert helpers.silhouette(x_train, np.random.default_rng(0).integers(0, 4, len(x_train))) < 0.1
    assert np.isnan(helpers.silhouette(x_train, np.zeros(len(x_train), dtype=int)))


def test_benchmark_classifier_scores_test_accuracy(blobs, capsys):
    from sklearn.linear_model import LogisticRegression

    x_train, y_train, x_test, y_test = blobs
    row = helpers.benchmark_classifier("logreg", LogisticRegression(), x_train, y_train, x_test, y_test)
    assert row["acc"] == 1.0 and row["fit_s"] >= 0
    assert capsys.readouterr().out.startswith("logreg")


def test_em_convergence_reports_a_capped_run_as_not_converged():
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal(0, 1, (200, 3)), rng.normal(5, 1, (200, 3))])
    capped = GaussianMixture(2, max_iter=1, tol=1e-12, random_state=0)
    with pytest.warns(Warning, match="converge"):
        capped.fit(points)
    assert helpers.em_convergence(capped) == {"em_iterations": 1, "em_converged": False}
    full = helpers.em_convergence(GaussianMixture(2, random_state=0).fit(points))
    assert full["em_converged"] is True and 1 <= full["em_iterations"] < 100
    with pytest.raises(ValueError, match="no EM convergence record"):
        helpers.em_convergence(GaussianMixture(2))
    with pytest.raises(ValueError, match="no EM convergence record"):
        helpers.em_convergence(KMeans(2, n_init=1).fit(points))
