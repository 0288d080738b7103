"""The model cache: trained models saved under a key of everything that determines them."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._estimators import fitted_state_checksum
from ..methods.deep_clustering import clustering_layer_class
from .environment import library_versions
from .._json import json_ready

__all__ = ["array_checksum", "cache_spec", "ArtifactCache", "CacheWarning", "BACKGROUND_NICENESS", "PendingEntry"]


def array_checksum(*arrays: np.ndarray) -> str:
    """SHA-256 of arrays' shapes, dtypes and contents, as a hex string.

    Part of every cache key: a model trained on other data (another subset,
    other codes upstream) never matches.
    """
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def cache_spec(**parts: Any) -> dict[str, Any]:
    """A JSON-ready cache ``spec`` in which data and models stand as checksums.

    The one way every cache key of the study is built, so that equal inputs
    always give equal keys. Each value is kept as it is, except:
    a ``numpy.ndarray`` becomes its :func:`array_checksum`; a Keras model
    becomes its architecture (without how it was compiled) and the checksum of its weights; a
    scikit-learn-style estimator (anything with ``get_params``) becomes its
    class name and the ``repr`` of each parameter; lists, tuples and dicts are
    converted item by item.

    Parameters
    ----------
    **parts
        Everything that determines the entry: settings, seed, training data, starting models.

    Returns
    -------
    dict
    """
    return {name: _spec_value(value) for name, value in parts.items()}


def _spec_value(value: Any) -> Any:
    import json

    if isinstance(value, np.ndarray):
        return array_checksum(value)
    if hasattr(value, "to_json") and hasattr(value, "get_weights"):
        # How a model was compiled is not what it computes: a trained model and the same model loaded from the
        # cache (uncompiled) must give the same key.
        architecture = {k: v for k, v in json.loads(value.to_json()).items() if k != "compile_config"}
        return {"architecture": architecture, "weights": array_checksum(*value.get_weights())}
    if hasattr(value, "get_params"):
        # An estimator passed as a parameter (DEC's pretrained autoencoder) enters with its learnt state; arrays by checksum.
        params = value.get_params(deep=False)
        # How much it prints is not what it computes: "verbose" stays out of the key.
        return {"class": type(value).__name__, "params": {k: _param_spec(v) for k, v in params.items() if k != "verbose"}}
    if isinstance(value, Mapping):
        return {str(k): _spec_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_spec_value(v) for v in value]
    return value


def _param_spec(value: Any) -> Any:
    if hasattr(value, "get_params"):
        spec = _spec_value(value)
        fitted = fitted_state_checksum(value)
        return spec if fitted is None else {**spec, "fitted": fitted}
    if isinstance(value, np.ndarray):
        return array_checksum(value)
    return repr(value)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


class ArtifactCache:
    """Saves trained models under a key made of everything that determines them.

    An entry is a folder ``<directory>/<name>-<key>/`` holding the saved
    objects and a ``meta.json`` with each file's SHA-256. The key hashes the
    entry's name, the caller's ``spec`` (architecture, training parameters,
    seed, the training data's :func:`array_checksum`) and the major.minor
    versions of Python and the libraries, so a changed parameter never loads a
    stale model. Entries are written to a temporary folder and renamed into
    place, so an interrupted save leaves no entry; a file that does not match
    its checksum (truncated, edited), or a ``meta.json`` that cannot be read or
    does not describe the entry, is reported, discarded and retrained.
    Saving is best effort: when it fails (a read-only folder, a full disk) a
    :class:`CacheWarning` says so and the caller gets the trained objects all
    the same. Processes that save the same entry at once are safe: the first
    to finish keeps its entry (under ``retrain``, the last one does).

    Objects are saved by type: ``keras.Model`` as ``.keras`` (reloaded without
    its optimizer state), ``numpy.ndarray`` as ``.npy``, anything else (fitted
    scikit-learn estimators) with ``pickle``. Load only caches you wrote
    yourself: unpickling runs code.

    Parameters
    ----------
    directory : str or path-like
        Cache folder; created on first save.
    retrain : bool, default False
        Ignore existing entries (they are overwritten by the new training).
    log : callable, default print
        Receives one line per lookup (loaded, trained, or discarded and why).
    """

    def __init__(self, directory: str | os.PathLike, retrain: bool = False, log: Any = print) -> None:
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"directory: the cache folder {self.directory} exists and is not a folder")
        self.retrain = bool(retrain)
        self.log = log
        self.versions = {name: _major_minor(v) for name, v in library_versions().items()}
        #: Names of the entries this object loaded, and of those it trained, in order.
        self.loaded: list[str] = []
        self.trained: list[str] = []

    def key(self, name: str, spec: Mapping[str, Any]) -> str:
        """The 16-hex-digit key of an entry (stable across runs and machines)."""
        import json

        if not name or not all(c.isalnum() or c in "_-" for c in name):
            raise ValueError(f"cache entry names use letters, digits, '_' and '-', got {name!r}")
        material = json.dumps({"name": name, "spec": json_ready(spec), "versions": self.versions}, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def path(self, name: str, spec: Mapping[str, Any]) -> Path:
        """Where the entry for ``name`` and ``spec`` lives (whether or not it exists)."""
        return self.directory / f"{name}-{self.key(name, spec)}"

    def fetch(
        self, name: str, spec: Mapping[str, Any], train: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Load the entry for ``spec``, or call ``train()`` and save what it returns.

        Parameters
        ----------
        name : str
            Short name of the entry (letters, digits, ``_``, ``-``).
        spec : mapping
            JSON-serialisable description of everything that determines the
            result; include the seed and the training data's checksum.
        train : callable
            ``train() -> (objects, info)``: ``objects`` a dict of name to
            object to save, ``info`` a JSON-serialisable dict kept beside them
            (e.g. the loss history).

        Returns
        -------
        objects : dict
            As ``train`` returned them, or as loaded.
        info : dict
            ``train``'s info plus ``fit_s`` (wall time of ``train()`` when it
            ran, also when loaded later), ``loaded`` (bool) and ``path``.
        """
        import time

        path = self.path(name, spec)
        found, why_train = self._lookup(name, path)
        if found is not None:
            return found
        self.log(f"[cache] {name}: {why_train}")
        start = time.perf_counter()
        objects, info = train()
        info = {**info, "fit_s": time.perf_counter() - start}
        if self._save(path, name, spec, objects, info):
            self.log(f"[cache] {name}: saved {path}")
        self.trained.append(name)
        return objects, {**info, "loaded": False, "path": str(path)}

    def _lookup(self, name: str, path: Path) -> tuple[Any, str]:
        """The entry at ``path`` as ``fetch`` returns it, loaded; or ``None`` and why it must be trained."""
        if self.retrain:
            return None, "RETRAIN set; training"
        if not os.path.lexists(path):
            return None, f"no entry {path}; training"
        try:
            objects, info = self._load(path)
        except Exception as error:  # any damage means: do not trust it, train again
            _remove_entry(path)
            return None, f"discarding damaged entry {path} ({type(error).__name__}: {error}); retraining"
        self.log(f"[cache] {name}: loaded {path} (trained in {info['fit_s']:.1f} s)")
        self.loaded.append(name)
        return (objects, {**info, "loaded": True, "path": str(path)}), ""

    def fetch_in_background(self, name: str, spec: Mapping[str, Any], train: Any, *args: Any, **kwargs: Any) -> "PendingEntry":
        """Like :meth:`fetch`, but a missing entry is trained in a separate process while the caller goes on.

        Meant for a single-threaded step (such as a seeded UMAP) that can use
        a core the caller leaves idle. The process is started with ``spawn``,
        so ``train`` must be importable (a module-level function, not a lambda
        or a function defined in a notebook) and its arguments and returned
        objects picklable, and a script that calls this needs the usual
        ``if __name__ == "__main__":`` guard (a notebook does not). The entry
        is saved by this process when :meth:`PendingEntry.result` collects it.

        Parameters
        ----------
        name, spec
            As for :meth:`fetch`.
        train : callable
            ``train(*args, **kwargs) -> (objects, info)``, as for :meth:`fetch`.
        *args, **kwargs
            Passed to ``train`` in the other process.

        Returns
        -------
        PendingEntry
            Its ``result()`` returns ``(objects, info)`` as :meth:`fetch` does;
            ``info["fit_s"]`` is the wall time of ``train`` in the other process.
        """
        import concurrent.futures
        import multiprocessing

        found, why_train = self._lookup(name, self.path(name, spec))
        if found is not None:
            objects, info = found
            return PendingEntry(self, name, spec, loaded=(objects, {**info, "waited_s": 0.0}))
        self.log(f"[cache] {name}: {why_train} in a background process")
        # spawn starts a fresh interpreter, which is safe after TensorFlow has started its threads (fork is not).
        # At a lower priority, the process uses what the caller leaves idle rather than competing with it.
        lower_priority = {"initializer": os.nice, "initargs": (BACKGROUND_NICENESS,)} if hasattr(os, "nice") else {}
        worker = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), **lower_priority)
        future = worker.submit(_timed_call, train, args, kwargs)
        worker.shutdown(wait=False)  # the process exits once its one task is done
        return PendingEntry(self, name, spec, future=future)

    def _save(self, path: Path, name: str, spec: Mapping[str, Any], objects: Mapping[str, Any], info: Mapping[str, Any]) -> bool:
        """Write the entry at ``path``; on failure warn (:class:`CacheWarning`) and return False."""
        import json
        import shutil
        import uuid
        import warnings

        temporary = self.directory / f".tmp-{path.name}-{uuid.uuid4().hex[:8]}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.mkdir()
            files = {object_name: _save_object(value, temporary, object_name) for object_name, value in objects.items()}
            meta = {"name": name, "spec": json_ready(spec), "versions": self.versions, "files": files, "info": json_ready(info)}
            (temporary / "meta.json").write_text(json.dumps(meta, indent=1))
            _place_entry(temporary, path, replace=self.retrain)
            return True
        except Exception as error:  # a cache that cannot be written costs time later, never this run's result
            warnings.warn(
                f"[cache] {name}: could not save {path} ({type(error).__name__}: {error}); "
                "the run goes on and this model will be trained again next time",
                CacheWarning,
                stacklevel=3,
            )
            return False
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _load(self, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """The entry's objects and info; raises on any damage (the caller discards the entry)."""
        import json
        import pickle

        meta = json.loads((path / "meta.json").read_text())
        files, info = _check_meta(meta)
        for entry in files.values():
            if _file_sha256(path / entry["file"]) != entry["sha256"]:
                raise ValueError(f"{entry['file']} does not match its checksum")
        objects: dict[str, Any] = {}
        for object_name, entry in files.items():
            file = path / entry["file"]
            if entry["kind"] == "keras":
                import keras

                custom_objects = {"ClusteringLayer": clustering_layer_class()}
                objects[object_name] = keras.models.load_model(file, custom_objects=custom_objects, compile=False)
            elif entry["kind"] == "numpy":
                objects[object_name] = np.load(file, allow_pickle=False)
            else:
                objects[object_name] = pickle.loads(file.read_bytes())
        return objects, info


class CacheWarning(UserWarning):
    """A cache entry could not be saved; the run goes on without it."""


_CACHE_FILE_KINDS = ("keras", "numpy", "pickle")


def _save_object(value: Any, folder: Path, object_name: str) -> dict[str, str]:
    """Save one object into an entry's folder by its type; return its ``meta.json`` record."""
    import pickle

    if hasattr(value, "save") and hasattr(value, "get_weights"):
        file, kind = f"{object_name}.keras", "keras"
        value.save(folder / file)
    elif isinstance(value, np.ndarray):
        file, kind = f"{object_name}.npy", "numpy"
        np.save(folder / file, value, allow_pickle=False)
    else:
        file, kind = f"{object_name}.pkl", "pickle"
        (folder / file).write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return {"file": file, "kind": kind, "sha256": _file_sha256(folder / file)}


def _check_meta(meta: Any) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """The ``files`` and ``info`` of an entry's ``meta.json``, or ValueError saying what is inconsistent."""
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict) or not isinstance(meta.get("info"), dict):
        raise ValueError("meta.json does not hold 'files' and 'info' mappings")
    for object_name, entry in meta["files"].items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str) for key in ("file", "kind", "sha256")):
            raise ValueError(f"meta.json: the record of {object_name!r} lacks its file, kind or sha256")
        if entry["kind"] not in _CACHE_FILE_KINDS or Path(entry["file"]).name != entry["file"]:
            raise ValueError(f"meta.json: {object_name!r} has kind {entry['kind']!r} and file {entry['file']!r}")
    fit_s = meta["info"].get("fit_s")
    if isinstance(fit_s, bool) or not isinstance(fit_s, (int, float)) or not math.isfinite(fit_s):
        raise ValueError(f"meta.json: info holds no training time fit_s (got {fit_s!r})")
    return meta["files"], meta["info"]


def _remove_entry(path: Path) -> None:
    """Remove a cache entry, whether a folder or (damaged) a file; what cannot be removed stays."""
    import shutil

    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache: the entry stays, and the new one will not be saved either


def _place_entry(temporary: Path, path: Path, replace: bool, attempts: int = 20) -> None:
    """Rename the finished ``temporary`` folder to ``path``.

    If ``path`` exists meanwhile (another process saved the same entry), it is
    kept, unless ``replace``: then it is renamed aside first and removed. A file
    where the entry belongs is damage, and removed.
    """
    import errno
    import uuid

    for _ in range(attempts):
        try:
            os.rename(temporary, path)  # atomic; refused if path is a non-empty folder or a file
            return
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                raise
        if not os.path.lexists(path):
            continue  # another writer moved its entry aside meanwhile
        if path.is_dir() and not path.is_symlink() and not replace:
            return  # the first writer's entry stays
        aside = path.with_name(f".old-{path.name}-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            continue  # another writer moved it first
        _remove_entry(aside)
    raise OSError(f"could not place {path}: other writers kept replacing it")


#: Added to the niceness of a process that :meth:`ArtifactCache.fetch_in_background` starts (Unix: lower priority).
BACKGROUND_NICENESS = 10


def _timed_call(function: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[Any, Any, float]:
    """Run ``function`` and time it (in the background process)."""
    import time

    start = time.perf_counter()
    objects, info = function(*args, **kwargs)
    return objects, info, time.perf_counter() - start


class PendingEntry:
    """A cache entry that :meth:`ArtifactCache.fetch_in_background` loaded, or is training in another process."""

    def __init__(self, cache: ArtifactCache, name: str, spec: Mapping[str, Any], future: Any = None, loaded: Any = None) -> None:
        self.cache, self.name, self.spec, self.future, self._result = cache, name, spec, future, loaded

    def done(self) -> bool:
        """Whether :meth:`result` would return without waiting."""
        return self._result is not None or self.future.done()

    def result(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Wait for the entry, save it if it was trained, and return ``(objects, info)`` as ``fetch`` does.

        ``info["waited_s"]`` is how long this call waited for the other process.

        Raises
        ------
        Exception
            Whatever ``train`` raised in the other process.
        """
        import time

        if self._result is None:
            start = time.perf_counter()
            objects, info, fit_s = self.future.result()
            waited_s = time.perf_counter() - start
            info = {**info, "fit_s": fit_s}
            path = self.cache.path(self.name, self.spec)
            saved = self.cache._save(path, self.name, self.spec, objects, info)
            self.cache.log(
                f"[cache] {self.name}: trained in the background in {fit_s:.1f} s (waited {waited_s:.1f} s for it)"
                + (f"; saved {path}" if saved else "")
            )
            self.cache.trained.append(self.name)
            self._result = objects, {**info, "loaded": False, "path": str(path), "waited_s": waited_s}
        return self._result
