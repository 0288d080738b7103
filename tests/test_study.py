"""The notebook's bookkeeping: cache keys made one way, cached training, timing and results rows."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

import helpers


@pytest.fixture
def study(tmp_path, blobs):
    x_train, _, _, y_test = blobs
    study = helpers.study.Study(tmp_path / "cache", seed=3, log=lambda line: None)
    study.set_data(x_train, y_test)
    return study


def test_cache_spec_stands_data_models_and_estimators_as_checksums():
    a = np.arange(6.0).reshape(2, 3)
    spec = helpers.study.cache_spec(x=a, nested={"arrays": [a, a + 1]}, estimator=KMeans(4, random_state=1), epochs=3)
    assert spec["x"] == helpers.study.array_checksum(a) and spec["epochs"] == 3
    assert spec["nested"]["arrays"] == [helpers.study.array_checksum(a), helpers.study.array_checksum(a + 1)]
    assert spec["estimator"]["class"] == "KMeans" and spec["estimator"]["params"]["n_clusters"] == "4"
    # Equal inputs give equal specs; a change anywhere changes it.
    assert helpers.study.cache_spec(x=a.copy()) == helpers.study.cache_spec(x=a) != helpers.study.cache_spec(x=a + 1)


def test_cache_spec_of_a_keras_model_holds_its_architecture_and_weights(blobs_autoencoder):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="layer")])
    spec = helpers.study.cache_spec(model=model)["model"]
    assert spec["weights"] == helpers.study.array_checksum(*model.get_weights())
    assert "layer" in str(spec["architecture"])
    model.set_weights([w + 1 for w in model.get_weights()])
    assert helpers.study.cache_spec(model=model)["model"]["weights"] != spec["weights"]


def test_a_trained_model_and_the_same_model_loaded_from_the_cache_give_one_key(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    autoencoder, _ = helpers.methods.build_autoencoder(20, [8], 3)
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(np.random.default_rng(0).random((64, 20)), np.random.default_rng(1).random((64, 20)), epochs=1, verbose=0)
    cache = helpers.study.ArtifactCache(tmp_path, log=lambda line: None)
    cache.fetch("model", {}, lambda: ({"model": autoencoder}, {}))
    loaded = cache.fetch("model", {}, lambda: None)[0]["model"]  # saved and reloaded without its compilation
    assert helpers.study.cache_spec(start=loaded) == helpers.study.cache_spec(start=autoencoder)


def test_compute_runs_once_then_loads_and_keys_on_arguments_seed_and_data(study, tmp_path, blobs):
    calls = []

    def count(values, scale=1):
        calls.append(1)
        return np.asarray(values) * scale

    first = study.compute("entry", count, np.arange(3), scale=2)
    again = study.compute("entry", count, np.arange(3), scale=2)
    assert len(calls) == 1 and np.array_equal(again, first) and np.array_equal(first, [0, 2, 4])
    assert "entry" in study.stopwatch.seconds and study.cache.loaded == ["entry"]
    study.compute("entry", count, np.arange(3), scale=3)  # another setting
    study.compute("entry", count, np.arange(4), scale=2)  # another array
    other = helpers.study.Study(tmp_path / "cache", seed=4, log=lambda line: None)
    other.set_data(blobs[0], blobs[3])  # another seed
    other.compute("entry", count, np.arange(3), scale=2)
    elsewhere = helpers.study.Study(tmp_path / "cache", seed=3, log=lambda line: None)
    elsewhere.set_data(blobs[0] + 1, blobs[3])  # other training images
    elsewhere.compute("entry", count, np.arange(3), scale=2)
    assert len(calls) == 5
    recorded = study.compute("purity", dict, a=np.float64(0.5), record=True)
    assert study.results["purity"] == {"a": 0.5} and recorded == {"a": 0.5}


def test_fit_trains_in_place_once_then_loads_a_twin(study, blobs):
    x_train = blobs[0]
    fitted = study.fit("km", KMeans(4, n_init=1, random_state=0), x_train)
    loaded = study.fit("km", KMeans(4, n_init=1, random_state=0), x_train)
    assert study.cache.trained == ["km"] and study.cache.loaded == ["km"] and loaded is not fitted
    np.testing.assert_array_equal(loaded.cluster_centers_, fitted.cluster_centers_)
    assert study.fit_info(loaded)["loaded"] and not study.fit_info(fitted)["loaded"]
    study.fit("km", KMeans(5, n_init=1, random_state=0), x_train)  # other parameters: another entry
    assert study.cache.trained == ["km", "km"]
    with pytest.raises(ValueError, match="fitted"):
        study.fit_info(KMeans(4))


def test_a_study_without_data_refuses_to_train_or_score(tmp_path):
    bare = helpers.study.Study(tmp_path / "cache", seed=0, log=lambda line: None)
    with pytest.raises(ValueError, match="set_data"):
        bare.compute("entry", dict)
    with pytest.raises(ValueError, match="set_data"):
        bare.y_test


def test_run_records_a_row_in_its_group_with_its_parameters_and_refuses_a_second_one(study, blobs, capsys):
    x_train, _, x_test, y_test = blobs
    row = study.run("km", "K-Means", KMeans(4, n_init=2, random_state=0), x_train, x_test, group="comparison")
    assert study.results["methods"]["km"] is row
    assert row["label"] == "K-Means" and row["representation_s"] == 0.0 and row["group"] == "comparison"
    assert row["acc"] > 0.95 and "K-Means" in capsys.readouterr().out
    assert row["params"] == {"class": "KMeans", "params": KMeans(4, n_init=2, random_state=0).get_params()}
    assert row["fitted"]["n_iter"] >= 1 and "labels" not in row["fitted"]
    assert "group" not in study.run("km2", "K", KMeans(4, n_init=1, random_state=0), x_train, x_test)
    with pytest.raises(ValueError, match="recorded already"):
        study.run("km", "K-Means", KMeans(4, random_state=0), x_train, x_test)
    with pytest.raises(ValueError, match="group"):
        study.record("other", "x", row, 0.0, group="elsewhere")


def test_run_labels_a_row_by_its_fitted_estimator_when_given_a_function(study, blobs):
    x_train, _, x_test, _ = blobs
    row = study.run("km", lambda fitted: f"K-Means, {fitted.n_iter_} iterations", KMeans(4, n_init=1, random_state=0), x_train, x_test)
    assert row["label"] == f"K-Means, {row['estimator'].n_iter_} iterations"


def test_a_pipeline_step_two_rows_share_is_fitted_and_applied_once_and_counted_in_each(study, blobs):
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import make_pipeline

    x_train, _, x_test, _ = blobs
    pca = study.fit("pca", PCA(2, random_state=0), x_train)
    first = study.run("pca_km", "PCA + K-Means", make_pipeline(pca, KMeans(4, n_init=1, random_state=0)), x_train, x_test)
    second = study.run("pca_gmm", "PCA + GMM", make_pipeline(pca, GaussianMixture(4, random_state=0)), x_train, x_test)
    assert study.cache.trained == ["pca", "pca_km", "pca_gmm"]
    cost = study.fit_info(pca)["fit_s"]
    assert first["representation_s"] >= cost and second["representation_s"] == pytest.approx(first["representation_s"])
    # The codes each row clustered are the ones the shared step computed once.
    assert study.transform(pca, x_train) is study.transform(pca, x_train)
    assert "em_iterations" in second and first["params"]["pipeline"][0]["class"] == "PCA"
    np.testing.assert_array_equal(second["estimator"].predict(x_test), second["y_pred"])


class Refine(ClusterMixin, BaseEstimator):
    """A clusterer that starts from another's partition (at module level, so the cache can pickle it)."""

    def __init__(self, base=None):
        self.base = base

    def fit(self, x, y=None):
        self.labels_ = self.base.predict(x)
        return self

    def predict(self, x):
        return self.base.predict(x)


def test_a_row_built_on_a_fitted_estimator_counts_its_cost_once_and_keys_on_its_state(study, blobs):
    x_train, _, x_test, _ = blobs
    base = study.run("base", "Base", KMeans(4, n_init=1, random_state=0), x_train, x_test)["estimator"]
    refined = study.run("refined", "Refined", Refine(base), x_train, x_test)
    assert refined["representation_s"] == pytest.approx(study.fit_info(base)["fit_s"])
    assert refined["params"]["params"]["base"]["class"] == "KMeans"
    other_base = study.run("other", "Other", KMeans(4, n_init=1, random_state=1), x_train, x_test)["estimator"]
    study.run("refined_other", "Refined", Refine(other_base), x_train, x_test)
    assert study.cache.trained[-1] == "refined_other"  # a base with another fitted state: another key


def test_fit_ahead_fits_a_step_in_another_process_that_run_collects(study, blobs):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train, _, x_test, _ = blobs
    study.fit_ahead(make_pipeline(StandardScaler()), x_train, x_test)
    row = study.run("scaled_km", "Scaled K-Means", make_pipeline(StandardScaler(), KMeans(4, n_init=1, random_state=0)), x_train, x_test)
    assert study.cache.trained == ["standardscaler", "scaled_km"] and row["acc"] > 0.95
    scaler = row["estimator"][0]
    assert study.fit_info(scaler)["waited_s"] >= 0
    np.testing.assert_allclose(study.transform(scaler, x_test), StandardScaler().fit(x_train).transform(x_test))


def test_classify_records_a_supervised_row(study, blobs):
    x_train, y_train, x_test, y_test = blobs
    supervised = study.classify("logreg", "logistic regression", LogisticRegression(), x_train, y_train, x_test)
    assert study.results["supervised"]["logreg"] is supervised and supervised["acc"] > 0.95


def test_classify_caches_a_classifier_under_its_labels_too(study, blobs):
    x_train, y_train, x_test, _ = blobs
    first = study.classify("logreg", "logistic regression", LogisticRegression(), x_train, y_train, x_test)
    again = helpers.study.Study(study.cache.directory, seed=3, log=lambda line: None)
    again.set_data(x_train, blobs[3])
    second = again.classify("logreg", "logistic regression", LogisticRegression(), x_train, y_train, x_test)
    assert again.cache.loaded == ["logreg"] and second == first
    again.classify("logreg_other", "other labels", LogisticRegression(), x_train, (y_train + 1) % 4, x_test)
    assert again.cache.trained == ["logreg_other"]


def test_timed_returns_the_result_and_a_duration():
    result, seconds = helpers.study.timed(sum, [1, 2, 3])
    assert result == 6 and seconds >= 0


def test_rows_are_scored_on_the_validation_split_when_the_study_has_one(tmp_path, blobs):
    x_train, y_train, x_test, y_test = blobs
    validation = helpers.validation_split(len(x_train))
    study = helpers.study.Study(tmp_path / "cache", seed=0, log=lambda line: None)
    study.set_data(x_train, y_test, validation, y_train[validation])
    row = study.run("km", "K-Means", KMeans(4, n_init=2, random_state=0), x_train, x_test)
    expected = helpers.evaluate(y_train[validation], row["estimator"].predict(x_train[validation]))
    assert row["validation"] == expected and row["validation"]["acc"] > 0.95
    with pytest.raises(ValueError, match="go together"):
        study.set_data(x_train, y_test, validation)
    with pytest.raises(ValueError, match="y_validation"):
        study.set_data(x_train, y_test, validation, y_train[:3])
    no_split = helpers.study.Study(tmp_path / "cache2", seed=0, log=lambda line: None)
    no_split.set_data(x_train, y_test)
    assert "validation" not in no_split.run("km", "K", KMeans(4, n_init=1, random_state=0), x_train, x_test)
