"""Benchmarking a method: results rows, EM convergence, GMM selection, timing and the comparisons' helpers."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

import helpers


def test_benchmark_fits_on_train_and_scores_test(blobs, capsys):
    x_train, _, x_test, y_test = blobs
    row = helpers.study.benchmark_clustering("k-means", KMeans(4, n_init=3, random_state=0), x_train, x_test, y_test)
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
        gmm_row = helpers.study.benchmark_clustering("gmm", capped, x_train, x_test, y_test)
    assert (gmm_row["em_iterations"], gmm_row["em_converged"]) == (1, False)
    kmeans_row = helpers.study.benchmark_clustering("k-means", KMeans(4, n_init=1, random_state=0), x_train, x_test, y_test)
    assert "em_iterations" not in kmeans_row and "em_converged" not in kmeans_row


def test_describe_em_runs_lists_only_rows_with_an_em_record():
    rows = {
        "pca_80_gmm": {"label": "PCA 80% + GMM", "em_iterations": 30, "em_converged": False},
        "pca_80_kmeans": {"label": "PCA 80% + K-Means"},
        "n2d": {"label": "N2D", "em_iterations": 12, "em_converged": True},
    }
    assert helpers.study.describe_em_runs(rows).splitlines() == [
        "PCA 80% + GMM: EM ran 30 iterations, not converged",
        "N2D: EM ran 12 iterations, converged",
    ]
    assert helpers.study.describe_em_runs({"km": {"label": "K-Means"}}) == ""
    with pytest.raises(ValueError, match="no em_converged"):
        helpers.study.describe_em_runs({"broken": {"em_iterations": 3}})


def test_benchmark_rejects_mismatched_features(blobs):
    x_train, _, x_test, y_test = blobs
    with pytest.raises(ValueError, match="equal widths"):
        helpers.study.benchmark_clustering("k", KMeans(4), x_train, x_test[:, :2], y_test)


def test_gmm_selection_prefers_full_covariance_for_elongated_clusters():
    rng = np.random.default_rng(0)
    stretch = np.array([[4.0, 3.0], [0.0, 0.3]])  # correlated, elongated clusters
    codes = np.vstack([rng.normal(size=(300, 2)) @ stretch + centre for centre in ([0, 0], [12, 12], [-12, 6])])
    best, bic = helpers.methods.select_gmm_by_bic(codes, 3, n_inits=(1, 2), seed=0)
    assert set(bic) == {"full", "tied", "diag", "spherical"} and set(bic["full"]) == {1, 2}
    assert best["covariance_type"] in ("full", "tied")
    assert bic[best["covariance_type"]][best["n_init"]] == pytest.approx(min(min(r.values()) for r in bic.values()), rel=1e-3)
    # With equal BIC, fewer initialisations win.
    assert best["n_init"] == 1
    assert best["init_params"] == "kmeans"


def test_gmm_selection_passes_its_initialisation_to_every_candidate(monkeypatch):
    from sklearn import mixture

    seen = []
    real = mixture.GaussianMixture

    class Recording(real):
        def fit(self, x, y=None):
            seen.append(self.init_params)
            return super().fit(x, y)

    monkeypatch.setattr(mixture, "GaussianMixture", Recording)
    codes = np.random.default_rng(0).normal(size=(200, 2))
    best, _ = helpers.methods.select_gmm_by_bic(codes, 2, covariance_types=("full", "diag"), n_inits=(1,), init_params="k-means++")
    assert seen == ["k-means++", "k-means++"] and best["init_params"] == "k-means++"
    with pytest.raises(ValueError, match="init_params"):
        helpers.methods.select_gmm_by_bic(codes, 2, init_params="kmeans+")


def test_stopwatch_accumulates_stages():
    stopwatch = helpers.study.Stopwatch()
    for _ in range(2):
        with stopwatch("stage"):
            sum(range(10_000))
    assert set(stopwatch.seconds) == {"stage"} and stopwatch.seconds["stage"] > 0


def test_components_for_variance_on_a_known_spectrum():
    # Column variances 8, 4, 2, 1, 1 (total 16): 50% needs 1, 75% needs 2, 90% needs 4 components.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 5)) * np.sqrt([8.0, 4.0, 2.0, 1.0, 1.0])
    from sklearn.decomposition import PCA

    ratios = PCA().fit(x).explained_variance_ratio_
    assert [helpers.methods.n_components_for_variance(ratios, level) for level in (0.45, 0.70, 0.90, 1.0)] == [1, 2, 4, 5]
    assert helpers.methods.n_components_for_variance([0.5, 0.25, 0.25], 0.75) == 2
    with pytest.raises(ValueError, match="level"):
        helpers.methods.n_components_for_variance(ratios, 0.0)
    with pytest.raises(ValueError, match="less than"):
        helpers.methods.n_components_for_variance([0.5, 0.3], 0.9)


def test_centroid_agglomerative_predicts_by_nearest_centroid(blobs):
    x_train, y_train, x_test, y_test = blobs
    model = helpers.methods.CentroidAgglomerative(4, max_samples=100, random_state=0).fit(x_train)
    assert model.cluster_centers_.shape == (4, 3)
    predicted = model.predict(x_test)
    distances = ((x_test[:, None, :] - model.cluster_centers_[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(predicted, distances.argmin(axis=1))
    assert helpers.cluster_accuracy(y_test, predicted) == 1.0
    with pytest.raises(ValueError, match="n_clusters"):
        helpers.methods.CentroidAgglomerative(0).fit(x_train)


def test_benchmark_classifier_scores_test_accuracy(blobs, capsys):
    from sklearn.linear_model import LogisticRegression

    x_train, y_train, x_test, y_test = blobs
    row = helpers.study.benchmark_classifier("logreg", LogisticRegression(), x_train, y_train, x_test, y_test)
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
    assert helpers.study.em_convergence(capped) == {"em_iterations": 1, "em_converged": False}
    full = helpers.study.em_convergence(GaussianMixture(2, random_state=0).fit(points))
    assert full["em_converged"] is True and 1 <= full["em_iterations"] < 100
    with pytest.raises(ValueError, match="no EM convergence record"):
        helpers.study.em_convergence(GaussianMixture(2))
    with pytest.raises(ValueError, match="no EM convergence record"):
        helpers.study.em_convergence(KMeans(2, n_init=1).fit(points))
