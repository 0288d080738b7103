"""The model cache: keys, atomic entries, damaged entries, cached clustering benchmark rows."""

import json
import shutil
from pathlib import Path

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
    store = helpers.study.ArtifactCache(tmp_path / "artifacts", log=lines.append)
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
    retraining = helpers.study.ArtifactCache(cache.directory, retrain=True, log=cache.lines.append)
    retraining.fetch("entry", {"seed": 0, "epochs": 60}, train)
    assert train.calls == 4 and "RETRAIN" in cache.lines[-2]


def test_changed_library_versions_change_the_key(cache):
    key = cache.key("entry", {"seed": 0})
    cache.versions = {**cache.versions, "keras": "99.0"}
    assert cache.key("entry", {"seed": 0}) != key


@pytest.mark.parametrize(
    "damage", ["truncate", "delete_meta", "edit", "no_fit_s", "meta_not_json", "files_not_a_mapping", "path_escape", "entry_is_a_file"]
)
def test_a_damaged_entry_is_reported_and_retrained(cache, damage):
    train = Counter({"codes": np.arange(1000.0)})
    _, info = cache.fetch("entry", {"seed": 0}, train)
    entry = Path(info["path"])
    meta = json.loads((entry / "meta.json").read_text())
    if damage == "truncate":
        data = (entry / "codes.npy").read_bytes()
        (entry / "codes.npy").write_bytes(data[: len(data) // 2])
    elif damage == "delete_meta":
        (entry / "meta.json").unlink()
    elif damage == "edit":
        meta["files"]["codes"]["sha256"] = "0" * 64
    elif damage == "no_fit_s":
        del meta["info"]["fit_s"]
    elif damage == "meta_not_json":
        (entry / "meta.json").write_text('{"files": ')
    elif damage == "files_not_a_mapping":
        meta["files"] = ["codes.npy"]
    elif damage == "path_escape":
        meta["files"]["codes"]["file"] = "../codes.npy"
    else:
        shutil.rmtree(entry)
        entry.write_text("not a folder")
    if damage in ("edit", "no_fit_s", "files_not_a_mapping", "path_escape"):
        (entry / "meta.json").write_text(json.dumps(meta))
    objects, info = cache.fetch("entry", {"seed": 0}, train)
    assert train.calls == 2 and not info["loaded"]
    assert any("discarding damaged entry" in line for line in cache.lines)
    np.testing.assert_array_equal(objects["codes"], np.arange(1000.0))
    # The retrained entry is whole again and loads.
    assert cache.fetch("entry", {"seed": 0}, train)[1]["loaded"] and train.calls == 2


def test_an_interrupted_save_leaves_no_entry_and_the_run_goes_on(cache):
    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full")

    broken = Unpicklable()
    with pytest.warns(helpers.study.CacheWarning, match="could not save.*disk full"):
        objects, info = cache.fetch("entry", {"seed": 0}, lambda: ({"codes": np.zeros(3), "broken": broken}, {}))
    assert objects["broken"] is broken and not info["loaded"] and cache.trained == ["entry"]
    assert not cache.path("entry", {"seed": 0}).exists()
    assert list(cache.directory.iterdir()) == []


def test_a_read_only_cache_with_a_damaged_entry_trains_warns_and_goes_on(cache, monkeypatch):
    train = Counter({"codes": np.arange(4.0)})
    _, info = cache.fetch("entry", {"seed": 0}, train)
    entry = Path(info["path"])
    (entry / "codes.npy").write_bytes(b"damaged")
    # What a read-only folder does to a non-root user (root writes anywhere, hence the patches).
    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(Path, "mkdir", read_only)
    monkeypatch.setattr(shutil, "rmtree", lambda *args, **kwargs: None)
    with pytest.warns(helpers.study.CacheWarning, match="could not save.*Read-only file system"):
        objects, info = cache.fetch("entry", {"seed": 0}, train)
    assert train.calls == 2 and not info["loaded"]
    np.testing.assert_array_equal(objects["codes"], np.arange(4.0))
    assert any("discarding damaged entry" in line for line in cache.lines)


def test_a_cache_folder_that_is_a_file_is_refused_up_front(tmp_path):
    (tmp_path / "artifacts").write_text("")
    with pytest.raises(ValueError, match="directory.*is not a folder"):
        helpers.study.ArtifactCache(tmp_path / "artifacts")


def test_a_save_racing_another_keeps_the_first_entry(cache):
    other = helpers.study.ArtifactCache(cache.directory, log=cache.lines.append)

    def train_while_another_saves():
        # Another process finishes the same entry while this one trains.
        other.fetch("entry", {"seed": 0}, lambda: ({"codes": np.ones(3)}, {}))
        return {"codes": np.zeros(3)}, {}

    cache.fetch("entry", {"seed": 0}, train_while_another_saves)
    objects, info = cache.fetch("entry", {"seed": 0}, lambda: pytest.fail("should load"))
    np.testing.assert_array_equal(objects["codes"], np.ones(3))


@pytest.mark.parametrize("retrain", [False, True])
def test_simultaneous_saves_of_one_entry_all_succeed(tmp_path, retrain):
    import threading
    import warnings

    writers, rounds = 6, 15
    errors = []
    for round_ in range(rounds):
        barrier = threading.Barrier(writers)
        stores = [helpers.study.ArtifactCache(tmp_path / "artifacts", retrain=retrain, log=lambda line: None) for _ in range(writers)]

        def save(store, value):
            def train():
                barrier.wait()
                return {"codes": np.full(200, float(value))}, {}

            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", helpers.study.CacheWarning)
                    store.fetch("entry", {"round": round_}, train)
            except Exception as error:  # collected: an exception in a thread would not fail the test
                errors.append(error)

        threads = [threading.Thread(target=save, args=(store, i)) for i, store in enumerate(stores)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    loaded = helpers.study.ArtifactCache(tmp_path / "artifacts", log=lambda line: None)
    for round_ in range(rounds):
        objects, info = loaded.fetch("entry", {"round": round_}, lambda: pytest.fail("should load"))
        assert info["loaded"] and len(set(objects["codes"])) == 1
    assert not [p for p in (tmp_path / "artifacts").iterdir() if p.name.startswith(".")]


def test_keras_models_round_trip(cache):
    helpers.methods.set_seed(0)
    autoencoder, _ = helpers.methods.build_autoencoder(6, [4], 2)
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    cache.fetch("ae", {"seed": 0}, lambda: ({"autoencoder": autoencoder}, {}))
    objects, info = cache.fetch("ae", {"seed": 0}, lambda: pytest.fail("should load"))
    assert info["loaded"]
    np.testing.assert_allclose(objects["autoencoder"].predict(x, verbose=0), autoencoder.predict(x, verbose=0), rtol=1e-6)


def test_bad_entry_names_are_rejected(cache):
    with pytest.raises(ValueError, match="names"):
        cache.key("../escape", {})


def test_a_study_row_uses_the_cache_keyed_on_parameters_and_data(tmp_path):
    x, y = make_blobs(300, centers=3, random_state=0)

    def run(n_init, features, directory=tmp_path / "cache"):
        study = helpers.study.Study(directory, seed=0, log=lambda line: None)
        study.set_data(x, y)
        return study, study.run("km", "K-Means", KMeans(3, n_init=n_init, random_state=0), features, x)

    first_study, first = run(1, x)
    second_study, second = run(1, x)
    assert second_study.cache.loaded == ["km"] and second["fit_s"] == pytest.approx(first["fit_s"]) and second["acc"] == first["acc"]
    assert run(2, x)[0].cache.trained == ["km"]  # another parameter
    assert run(2, x + 1)[0].cache.trained == ["km"]  # other training rows


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
    retraining = helpers.study.ArtifactCache(cache.directory, retrain=True, log=cache.lines.append)
    second = retraining.fetch_in_background("entry", {"seed": 0}, codes_and_process, 3).result()[1]
    assert not second["loaded"] and second["pid"] != first["pid"]
    failing = cache.fetch_in_background("broken", {"seed": 0}, codes_and_process, 3, fail=True)
    with pytest.raises(ValueError, match="bad settings in the background"):
        failing.result()
    assert not cache.path("broken", {"seed": 0}).exists()


def niceness():
    import os

    return {}, {"niceness": os.nice(0)}


def test_the_background_process_runs_at_a_lower_priority(cache):
    import os

    info = cache.fetch_in_background("entry", {"seed": 0}, niceness).result()[1]
    assert info["niceness"] == min(os.nice(0) + helpers.study.BACKGROUND_NICENESS, 19)


def test_a_damaged_entry_is_retrained_in_the_background_too(cache):
    _, info = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 5).result()
    (Path(info["path"]) / "meta.json").unlink()
    objects, info = cache.fetch_in_background("entry", {"seed": 0}, codes_and_process, 5).result()
    assert not info["loaded"] and any("discarding damaged entry" in line for line in cache.lines)
    np.testing.assert_array_equal(objects["codes"], np.arange(5.0))
