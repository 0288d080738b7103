"""The model cache: keys, atomic entries, damaged entries, cached clustering benchmark rows."""

import json

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

import helpers


class Counter:
    """A train() callable that counts its calls."""

    def __init__(self, objects):
        self.calls, self.objects = 0, objects

    def __call__(self):
        self.calls += 1
        return self.objects, {"history": {"loss": [1.0, 0.5]}}


@pytest.fixture
def cache(tmp_path):
    lines = []
    store = helpers.ArtifactCache(tmp_path / "artifacts", log=lines.append)
    store.lines = lines
    return store


def test_second_fetch_loads_what_the_first_saved(cache):
    train = Counter({"codes": np.arange(6.0).reshape(2, 3), "model": KMeans(2, n_init=1)})
    first_objects, first_info = cache.fetch("entry", {"seed": 0}, train)
    objects, info = cache.fetch("entry", {"seed": 0}, train)
    assert train.calls == 1
    assert not first_info["loaded"] and info["loaded"]
    assert info["fit_s"] == pytest.approx(first_info["fit_s"]) and info["history"] == {"loss": [1.0, 0.5]}
    np.testing.assert_array_equal(objects["codes"], first_objects["codes"])
    assert isinstance(objects["model"], KMeans)
    assert "training" in cache.lines[0] and "loaded" in cache.lines[-1] and info["path"] in cache.lines[-1]


def test_a_changed_spec_or_retrain_trains_again(cache, tmp_path):
    train = Counter({"codes": np.zeros(3)})
    cache.fetch("entry", {"seed": 0, "epochs": 60}, train)
    cache.fetch("entry", {"seed": 0, "epochs": 61}, train)
    cache.fetch("entry", {"seed": 1, "epochs": 60}, train)
    assert train.calls == 3
    assert cache.key("entry", {"a": 1, "b": 2}) == cache.key("entry", {"b": 2, "a": 1})
    retraining = helpers.ArtifactCache(cache.directory, retrain=True, log=cache.lines.append)
    retraining.fetch("entry", {"seed": 0, "epochs": 60}, train)
    assert train.calls == 4 and "RETRAIN" in cache.lines[-2]


def test_changed_library_versions_change_the_key(cache):
    key = cache.key("entry", {"seed": 0})
    cache.versions = {**cache.versions, "keras": "99.0"}
    assert cache.key("entry", {"seed": 0}) != key


@pytest.mark.parametrize("damage", ["truncate", "delete_meta", "edit"])
def test_a_damaged_entry_is_reported_and_retrained(cache, damage):
    train = Counter({"codes": np.arange(1000.0)})
    _, info = cache.fetch("entry", {"seed": 0}, train)
    entry = helpers.Path(info["path"])
    if damage == "truncate":
        data = (entry / "codes.npy").read_bytes()
        (entry / "codes.npy").write_bytes(data[: len(data) // 2])
    elif damage == "delete_meta":
        (entry / "meta.json").unlink()
    else:
        meta = json.loads((entry / "meta.json").read_text())
        meta["files"]["codes"]["sha256"] = "0" * 64
        (entry / "meta.json").write_text(json.dumps(meta))
    objects, info = cache.fetch("entry", {"seed": 0}, train)
    assert train.calls == 2 and not info["loaded"]
    assert any("discarding damaged entry" in line for line in cache.lines)
    np.testing.assert_array_equal(objects["codes"], np.arange(1000.0))
    # The retrained entry is whole again and loads.
    assert cache.fetch("entry", {"seed": 0}, train)[1]["loaded"] and train.calls == 2


def test_an_interrupted_save_leaves_no_entry(cache):
    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        cache.fetch("entry", {"seed": 0}, lambda: ({"codes": np.zeros(3), "broken": Unpicklable()}, {}))
    assert not cache.path("entry", {"seed": 0}).exists()
    assert list(cache.directory.iterdir()) == []


def test_keras_models_round_trip(cache):
    helpers.set_seed(0)
    autoencoder, _ = helpers.build_autoencoder(6, [4], 2)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    cache.fetch("ae", {"seed": 0}, lambda: ({"autoencoder": autoencoder}, {}))
    objects, info = cache.fetch("ae", {"seed": 0}, lambda: pytest.fail("should load"))
    assert info["loaded"]
    np.testing.assert_allclose(objects["autoencoder"].predict(x, verbose=0), autoencoder.predict(x, verbose=0), rtol=1e-6)


def test_bad_entry_names_are_rejected(cache):
    with pytest.raises(ValueError, match="names"):
        cache.key("../escape", {})


def test_benchmark_clustering_uses_the_cache(cache):
    x, y = make_blobs(300, centers=3, random_state=0)
    first = helpers.benchmark_clustering("K-Means", KMeans(3, n_init=1, random_state=0), x, x, y, cache, "km")
    second = helpers.benchmark_clustering("K-Means", KMeans(3, n_init=1, random_state=0), x, x, y, cache, "km")
    assert "loaded" in cache.lines[-1]
    assert second["fit_s"] == pytest.approx(first["fit_s"]) and second["acc"] == first["acc"]
    helpers.benchmark_clustering("K-Means", KMeans(3, n_init=2, random_state=0), x, x, y, cache, "km")
    assert "training" in cache.lines[-2]
    helpers.benchmark_clustering("K-Means", KMeans(3, n_init=2, random_state=0), x + 1, x, y, cache, "km")
    assert "training" in cache.lines[-2]
    with pytest.raises(ValueError, match="cache_name"):
        helpers.benchmark_clustering("K-Means", KMeans(3), x, x, y, cache)


def codes_and_process(n, fail=False):
    """A train() for the background tests: module-level, so that a spawned process can import it."""
    import os

    if fail:
        raise ValueError("bad settings in the background")
    return {"codes": np.arange(float(n))}, {"pid": os.getpid()}


def test_a_background_fetch_trains_in_another_process_and_saves_there_once(cache):
    import os

    pending = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 4)
    objects, info = pending.result()
    assert pending.done() and info["pid"] != os.getpid() and not info["loaded"]
    assert info["fit_s"] >= 0 and info["waited_s"] >= 0 and "background" in cache.lines[-1]
    np.testing.assert_array_equal(objects["codes"], np.arange(4.0))
    assert cache.trained == ["entry"]
    # The saved entry is an ordinary one: both ways of fetching now load it, in this process.
    assert cache.fetch("entry", {"seed": 0}, lambda: pytest.fail("should load"))[1]["pid"] == info["pid"]
    again = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 99)
    assert again.done() and again.future is None
    objects, info = again.result()
    assert info["loaded"] and info["waited_s"] == 0.0
    np.testing.assert_array_equal(objects["codes"], np.arange(4.0))


def test_a_background_fetch_honours_retrain_and_reports_errors(cache):
    first = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 3).result()[1]
    retraining = helpers.ArtifactCache(cache.directory, retrain=True, log=cache.lines.append)
    second = retraining.fetch_in_background("entry", {"seed": 0}, codes_and_process, 3).result()[1]
    assert not second["loaded"] and second["pid"] != first["pid"]
    failing = cache.fetch_in_background("broken", {"seed": 0}, codes_and_process, 3, fail=True)
    with pytest.raises(ValueError, match="bad settings in the background"):
        failing.result()
    assert not cache.path("broken", {"seed": 0}).exists()


def test_umap_embedding_refuses_mismatched_features():
    with pytest.raises(ValueError, match="equal widths"):
        helpers.fit_umap_embedding(np.zeros((50, 3)), np.zeros((5, 4)), n_neighbors=5, n_components=2, seed=0)
    with pytest.raises(ValueError, match="n_neighbors"):
        helpers.fit_umap_embedding(np.zeros((50, 3)), np.zeros((5, 3)), n_neighbors=1, n_components=2, seed=0)


def niceness():
    import os

    return {}, {"niceness": os.nice(0)}


def test_the_background_process_runs_at_a_lower_priority(cache):
    import os

    info = cache.fetch_in_background("entry", {"seed": 0}, niceness).result()[1]
    assert info["niceness"] == min(os.nice(0) + helpers.BACKGROUND_NICENESS, 19)


def test_a_damaged_entry_is_retrained_in_the_background_too(cache):
    _, info = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 5).result()
    (helpers.Path(info["path"]) / "meta.json").unlink()
    objects, info = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 5).result()
    assert not info["loaded"] and any("discarding damaged entry" in line for line in cache.lines)
    np.testing.assert_array_equal(objects["codes"], np.arange(5.0))
