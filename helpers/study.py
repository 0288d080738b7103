"""The bookkeeping of one notebook run: cached training, stage times and the rows of results.json.

A :class:`Study` holds what every step of the notebook shares (the model
cache, the seed, the training data's checksum, the test labels, a
:class:`~helpers.evaluation.Stopwatch` and the ``results`` dict), so that a
cell says what it fits and scores, not how the cache key, the timing and the
results row are made.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .cache import ArtifactCache, array_checksum, cache_spec
from .evaluation import Stopwatch, benchmark_classifier, benchmark_clustering, score_row
from .metrics import evaluate

__all__ = ["Study", "GROUPS"]

#: Where a results row belongs: the assignment's three tasks, the published submissions' comparisons, or beyond.
GROUPS = ("assignment", "comparison", "beyond")


class Study:
    """Cached training, timing and results rows for one run of the notebook.

    Parameters
    ----------
    cache_dir : str or path-like
        Folder of the model cache (see :class:`~helpers.cache.ArtifactCache`).
    seed : int
        The run's seed; part of every cache key made by :meth:`fit_or_load`.
    retrain : bool, default False
        Train every model again instead of loading it.
    log : callable, default print
        Receives the cache's progress lines.

    Attributes
    ----------
    cache : ArtifactCache
    stopwatch : Stopwatch
        Wall time per stage, in seconds (``stopwatch.seconds``).
    results : dict
        ``{"methods": {key: row}}``, and whatever the run adds.
    """

    def __init__(self, cache_dir: str | os.PathLike, seed: int, retrain: bool = False, log: Any = print) -> None:
        self.cache = ArtifactCache(cache_dir, retrain=retrain, log=log)
        self.seed = seed
        self.stopwatch = Stopwatch()
        self.results: dict[str, Any] = {"methods": {}}
        self._data: str | None = None
        self._y_test: np.ndarray | None = None
        self._validation: slice | None = None
        self._y_validation: np.ndarray | None = None

    def stage(self, name: str) -> Any:
        """A context manager that adds its wall time to stage ``name``."""
        return self.stopwatch(name)

    def set_data(self, x_train: np.ndarray, y_test: np.ndarray, validation: slice | None = None, y_validation: np.ndarray | None = None) -> None:
        """The training images (their checksum enters every cache key) and the labels that score.

        Parameters
        ----------
        x_train : numpy.ndarray
            The training images.
        y_test : numpy.ndarray
            The test labels: they score every method, and judge nothing.
        validation : slice, optional
            The validation rows of the training images (see :func:`~helpers.data.validation_split`).
        y_validation : numpy.ndarray, optional
            Their labels, the only ones that may judge a setting; with them every
            recorded row is also scored on the validation split.
        """
        if (validation is None) != (y_validation is None):
            raise ValueError("validation and y_validation go together")
        if validation is not None and len(range(*validation.indices(len(x_train)))) != len(y_validation):
            raise ValueError(f"y_validation: {len(y_validation)} labels for the validation rows {validation}")
        self._data = array_checksum(x_train)
        self._y_test = np.asarray(y_test)
        self._validation = validation
        self._y_validation = None if y_validation is None else np.asarray(y_validation)

    @property
    def y_test(self) -> np.ndarray:
        if self._y_test is None:
            raise ValueError("call set_data(x_train, y_test) before scoring")
        return self._y_test

    def fit_or_load(self, name: str, train: Callable[[], tuple[Any, dict[str, Any]]], **spec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """Load the entry that ``spec`` describes, or call ``train()`` and save what it gives; timed as stage ``name``.

        Parameters
        ----------
        name : str
            The cache entry's name and the stage's.
        train : callable
            ``train() -> (objects, info)``: ``objects`` a dict of name to
            object, as for :meth:`ArtifactCache.fetch`, or a single model,
            kept as ``{"model": model}`` (so the training functions of
            :mod:`helpers.scan` and :mod:`helpers.deep_clustering` can be
            passed as they are).
        **spec
            Everything that determines the result besides the training images
            (added here): settings, starting models, input arrays (see
            :func:`~helpers.cache.cache_spec`). The run's seed is added unless
            ``spec`` names its own ``seed``.

        Returns
        -------
        objects, info
            As :meth:`ArtifactCache.fetch` returns them (``info["fit_s"]``: the training time).

        Raises
        ------
        ValueError
            If :meth:`set_data` has not been called.
        """
        def train_objects() -> tuple[dict[str, Any], dict[str, Any]]:
            objects, info = train()
            return (objects if isinstance(objects, dict) else {"model": objects}), info

        with self.stage(name):
            return self.cache.fetch(name, self._spec(spec), train_objects)

    def fit_or_load_in_background(self, name: str, train: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Like :meth:`fit_or_load`, but ``train(*args, **kwargs)`` runs in a second process; the key is made of its arguments.

        See :meth:`ArtifactCache.fetch_in_background` for what ``train`` must
        be. Returns a :class:`~helpers.cache.PendingEntry`, whose ``result()``
        waits for it.
        """
        spec = self._spec({"args": list(args), **kwargs})
        return self.cache.fetch_in_background(name, spec, train, *args, **kwargs)

    def _spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        if self._data is None:
            raise ValueError("call set_data(x_train, y_test) before training: the training images' checksum is part of every key")
        return cache_spec(**{"seed": self.seed, **spec, "data": self._data})

    def record(self, key: str, label: str, row: Mapping[str, Any], representation_s: float, group: str = "assignment") -> dict[str, Any]:
        """Store a method's scored row as ``results["methods"][key]`` and return it.

        Parameters
        ----------
        key : str
            The method's key in results.json (e.g. ``"ae_gmm"``).
        label : str
            Its name in tables.
        row : mapping
            Scores and times, as :func:`~helpers.evaluation.score_row` returns them.
        representation_s : float
            Time to compute the features it clusters (0 for raw pixels).
        group : {"assignment", "comparison", "beyond"}

        Raises
        ------
        ValueError
            For an unknown ``group`` or a ``key`` recorded before.
        """
        if group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
        if key in self.results["methods"]:
            raise ValueError(f"key: method {key!r} is recorded already")
        recorded = {"label": label, **row, "representation_s": float(representation_s)}
        if group != "assignment":
            recorded["group"] = group
        self.results["methods"][key] = recorded
        return recorded

    def cluster(
        self, key: str, label: str, estimator: Any, train_features: np.ndarray, test_features: np.ndarray,
        representation_s: float = 0.0, group: str = "assignment",
    ) -> dict[str, Any]:
        """Fit (or load) a clusterer on the training features, score its test predictions, print and record the row.

        See :func:`~helpers.evaluation.benchmark_clustering`; timed as stage ``key``.
        """
        with self.stage(key):
            row = benchmark_clustering(label, estimator, train_features, test_features, self.y_test, self.cache, key)
        if self._validation is not None:
            row["validation"] = self._validation_scores(row["estimator"].predict(train_features[self._validation]))
        return self.record(key, label, row, representation_s, group)

    def score(
        self, key: str, label: str, y_pred: np.ndarray, features: np.ndarray, fit_s: float, predict_s: float,
        representation_s: float, group: str = "beyond", y_pred_validation: np.ndarray | None = None,
    ) -> dict[str, Any]:
        """Score test predictions made outside scikit-learn (DEC, SCAN, ...), print and record the row.

        See :func:`~helpers.evaluation.score_row`; ``features`` are the method's own test features;
        ``y_pred_validation``, the method's clusters of the validation images, adds their scores.
        """
        row = score_row(label, self.y_test, y_pred, features, fit_s, predict_s)
        if y_pred_validation is not None:
            row["validation"] = self._validation_scores(y_pred_validation)
        return self.record(key, label, row, representation_s, group)

    def _validation_scores(self, y_pred_validation: np.ndarray) -> dict[str, float]:
        if self._y_validation is None:
            raise ValueError("set_data was given no validation split")
        return evaluate(self._y_validation, y_pred_validation)

    def classify(self, key: str, label: str, classifier: Any, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> dict[str, Any]:
        """A supervised reference (it uses the training labels): fit or load, score, print; stored under ``results["supervised"]``."""
        with self.stage("supervised"):
            row = benchmark_classifier(label, classifier, x_train, y_train, x_test, self.y_test, self.cache, key)
        self.results.setdefault("supervised", {})[key] = {"label": label, **row}
        return self.results["supervised"][key]
