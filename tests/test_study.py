"""The notebook's bookkeeping: cache keys made one way, cached training, timing and results rows."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

import helpers


@pytest.fixture
def study(tmp_path, blobs):
    x_train, _, _, y_test = blobs
    study = helpers.Study(tmp_path / "cache", seed=3, log=lambda line: None)
    study.set_data(x_train, y_test)
    return study


def test_cache_spec_stands_data_models_and_estimators_as_checksums():
    a = np.arange(6.0).reshape(2, 3)
    spec = helpers.cache_spec(x=a, nested={"arrays": [a, a + 1]}, estimator=KMeans(4, random_state=1), epochs=3)
    assert spec["x"] == helpers.array_checksum(a) and spec["epochs"] == 3
    assert spec["nested"]["arrays"] == [helpers.array_checksum(a), helpers.array_checksum(a + 1)]
    assert spec["estimator"]["class"] == "KMeans" and spec["estimator"]["params"]["n_clusters"] == "4"
    # Equal inputs give equal specs; a change anywhere changes it.
    assert helpers.cache_spec(x=a.copy()) == helpers.cache_spec(x=a) != helpers.cache_spec(x=a + 1)


def test_cache_spec_of_a_keras_model_holds_its_architecture_and_weights(blobs_autoencoder):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="layer")])
    spec = helpers.cache_spec(model=model)["model"]
    assert spec["weights"] == helpers.array_checksum(*model.get_weights())
    assert "layer" in str(spec["architecture"])
    model.set_weights([w + 1 for w in model.get_weights()])
    assert helpers.cache_spec(model=model)["model"]["weights"] != spec["weights"]


def test_a_trained_model_and_the_same_model_loaded_from_the_cache_give_one_key(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    autoencoder, _ = helpers.build_autoencoder(20, [8], 3)
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(np.random.default_rng(0).random((64, 20)), np.random.default_rng(1).random((64, 20)), epochs=1, verbose=0)
    cache = helpers.ArtifactCache(tmp_path, log=lambda line: None)
    cache.fetch("model", {}, lambda: ({"model": autoencoder}, {}))
    loaded = cache.fetch("model", {}, lambda: None)[0]["model"]  # saved and reloaded without its compilation
    assert helpers.cache_spec(start=loaded) == helpers.cache_spec(start=autoencoder)


def test_fit_or_load_trains_once_then_loads_and_keys_on_seed_and_data(study, tmp_path, blobs):
    calls = []

    def train():
        calls.append(1)
        return {"values": np.arange(3)}, {"note": "trained"}

    objects, info = study.fit_or_load("entry", train, epochs=2)
    again, info_again = study.fit_or_load("entry", train, epochs=2)
    assert len(calls) == 1 and info_again["loaded"] and np.array_equal(again["values"], np.arange(3))
    assert info_again["note"] == "trained" and "entry" in study.stopwatch.seconds
    study.fit_or_load("entry", train, epochs=3)  # another setting
    study.fit_or_load("entry", train, epochs=2, seed=4)  # its own seed
    other = helpers.Study(tmp_path / "cache", seed=3, log=lambda line: None)
    other.set_data(blobs[0] + 1, blobs[3])  # other training images
    other.fit_or_load("entry", train, epochs=2)
    assert len(calls) == 4


def test_fit_or_load_keeps_a_single_model_as_model(study):
    objects, _ = study.fit_or_load("single", lambda: (np.ones(2), {}))
    assert list(objects) == ["model"] and np.array_equal(objects["model"], np.ones(2))


def test_a_study_without_data_refuses_to_train_or_score(tmp_path):
    bare = helpers.Study(tmp_path / "cache", seed=0, log=lambda line: None)
    with pytest.raises(ValueError, match="set_data"):
        bare.fit_or_load("entry", lambda: ({}, {}))
    with pytest.raises(ValueError, match="set_data"):
        bare.y_test


def test_cluster_records_a_row_in_its_group_and_refuses_a_second_one(study, blobs, capsys):
    x_train, _, x_test, y_test = blobs
    row = study.cluster("km", "K-Means", KMeans(4, n_init=2, random_state=0), x_train, x_test, 5.0, group="comparison")
    assert study.results["methods"]["km"] is row
    assert row["label"] == "K-Means" and row["representation_s"] == 5.0 and row["group"] == "comparison"
    assert row["acc"] > 0.95 and "K-Means" in capsys.readouterr().out
    assert "group" not in study.cluster("km2", "K", KMeans(4, n_init=1, random_state=0), x_train, x_test)
    with pytest.raises(ValueError, match="recorded already"):
        study.cluster("km", "K-Means", KMeans(4, random_state=0), x_train, x_test)
    with pytest.raises(ValueError, match="group"):
        study.record("other", "x", row, 0.0, group="elsewhere")


def test_score_and_classify_record_rows(study, blobs):
    x_train, y_train, x_test, y_test = blobs
    row = study.score("perfect", "Perfect", y_test, x_test, 1.0, 0.1, 2.0)
    assert row["acc"] == 1.0 and row["group"] == "beyond" and row["fit_s"] == 1.0
    supervised = study.classify("logreg", "logistic regression", LogisticRegression(), x_train, y_train, x_test)
    assert study.results["supervised"]["logreg"] is supervised and supervised["acc"] > 0.95


def test_fit_or_load_estimator_builds_one_kind_of_key_for_clusterers_and_classifiers(tmp_path, blobs):
    x_train, y_train, _, _ = blobs
    cache = helpers.ArtifactCache(tmp_path, log=lambda line: None)
    helpers.fit_or_load_estimator(KMeans(4, n_init=1, random_state=0), (x_train,), cache, "est")
    helpers.fit_or_load_estimator(LogisticRegression(), (x_train, y_train), cache, "est")
    helpers.fit_or_load_estimator(KMeans(4, n_init=1, random_state=0), (x_train,), cache, "est")
    assert cache.trained == ["est", "est"] and cache.loaded == ["est"]
    with pytest.raises(ValueError, match="cache_name"):
        helpers.fit_or_load_estimator(KMeans(4), (x_train,), cache)
    fitted, fit_s = helpers.fit_or_load_estimator(KMeans(4, n_init=1, random_state=0), (x_train,))
    assert fit_s > 0 and fitted.cluster_centers_.shape == (4, x_train.shape[1])


def test_timed_returns_the_result_and_a_duration():
    result, seconds = helpers.timed(sum, [1, 2, 3])
    assert result == 6 and seconds >= 0


def test_rows_are_scored_on_the_validation_split_when_the_study_has_one(tmp_path, blobs):
    x_train, y_train, x_test, y_test = blobs
    validation = helpers.validation_split(len(x_train))
    study = helpers.Study(tmp_path / "cache", seed=0, log=lambda line: None)
    study.set_data(x_train, y_test, validation, y_train[validation])
    row = study.cluster("km", "K-Means", KMeans(4, n_init=2, random_state=0), x_train, x_test)
    expected = helpers.evaluate(y_train[validation], row["estimator"].predict(x_train[validation]))
    assert row["validation"] == expected and row["validation"]["acc"] > 0.95
    wrong = (y_train[validation] + 1) % 4  # every validation image in another cluster than its class's neighbours
    scored = study.score("other", "Other", y_test, x_test, 1.0, 0.1, 0.0, y_pred_validation=wrong)
    assert scored["validation"] == helpers.evaluate(y_train[validation], wrong)
    with pytest.raises(ValueError, match="go together"):
        study.set_data(x_train, y_test, validation)
    with pytest.raises(ValueError, match="y_validation"):
        study.set_data(x_train, y_test, validation, y_train[:3])
    no_split = helpers.Study(tmp_path / "cache2", seed=0, log=lambda line: None)
    no_split.set_data(x_train, y_test)
    assert "validation" not in no_split.cluster("km", "K", KMeans(4, n_init=1, random_state=0), x_train, x_test)
    with pytest.raises(ValueError, match="no validation split"):
        no_split.score("s", "S", y_test, x_test, 1.0, 0.1, 0.0, y_pred_validation=y_test)
