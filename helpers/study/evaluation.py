"""Scoring a method: timing, one results row per clustering (printed as a table row), EM convergence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._rows import em_state
from ..metrics import evaluate, matched_confusion, silhouette

__all__ = [
    "timed", "benchmark_classifier", "score_classifier", "Stopwatch", "TABLE_HEADER", "benchmark_clustering", "em_convergence",
    "describe_em_runs", "score_row",
]

def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call ``function(*args, **kwargs)``; return its result and the wall time it took, in seconds."""
    import time

    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def benchmark_classifier(
    name: str,
    classifier: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
) -> dict[str, float]:
    """Fit a supervised classifier on labelled training data and score it on the test data.

    A reference that *uses labels*, to show how much class information a
    representation keeps; prints one row (method, fit time, accuracy).

    Returns
    -------
    dict
        ``{"acc": ..., "fit_s": ...}``.
    """
    classifier, fit_s = timed(classifier.fit, x_train, y_train)
    return score_classifier(name, classifier, x_test, y_test, fit_s)


def score_classifier(name: str, classifier: Any, x_test: np.ndarray, y_test: np.ndarray, fit_s: float) -> dict[str, float]:
    """A fitted classifier's test accuracy, printed as one row (method, fit time, accuracy): ``{"acc", "fit_s"}``."""
    acc = float(np.mean(classifier.predict(x_test) == y_test))
    print(f"{name:<50}{fit_s:>8.1f}{acc:>8.3f}")
    return {"acc": acc, "fit_s": float(fit_s)}


class Stopwatch:
    """Records the wall time of named stages: ``with stopwatch("name"): ...``.

    The times, in seconds, accumulate in the ``seconds`` dict.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str) -> "_Stage":
        return _Stage(self, stage)


class _Stage:
    def __init__(self, stopwatch: Stopwatch, stage: str) -> None:
        self.stopwatch, self.stage = stopwatch, stage

    def __enter__(self) -> None:
        import time

        self.start = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        import time

        elapsed = time.perf_counter() - self.start
        self.stopwatch.seconds[self.stage] = self.stopwatch.seconds.get(self.stage, 0.0) + elapsed


TABLE_HEADER = f"{'method':<34}{'fit s':>8}{'pred s':>8}{'ACC':>8}{'NMI':>8}{'ARI':>8}{'silh.':>8}"


def benchmark_clustering(
    name: str,
    estimator: Any,
    x_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
) -> dict[str, Any]:
    """Fit a clusterer on the training data, predict the test data, score it.

    Prints one table row (method, fit time, predict time, ACC, NMI, ARI,
    silhouette), in the style of scikit-learn's clustering benchmarks; print
    ``TABLE_HEADER`` above the first row. The silhouette is computed on the
    test features (see :func:`silhouette`).

    Parameters
    ----------
    name : str
        The method's name in the table.
    estimator : object with ``fit`` and ``predict``
        E.g. ``KMeans`` or ``GaussianMixture``; fitted in place.
    x_train : numpy.ndarray, shape (n_train, d)
        Training features (no labels are used).
    x_test : numpy.ndarray, shape (n_test, d)
    y_test : numpy.ndarray of int, shape (n_test,)
        Test labels, for scoring only.

    Returns
    -------
    dict
        ``acc``, ``nmi``, ``ari``, ``silhouette``, ``fit_s``, ``predict_s``,
        the test predictions under ``y_pred`` (a numpy array) and the fitted
        estimator under ``estimator``. (:meth:`helpers.study.Study.run` does the
        same for the study, through its cache.)
        For an estimator fitted by EM (one with ``converged_``, e.g.
        ``GaussianMixture``) also ``em_iterations`` and ``em_converged``
        (see :func:`em_convergence` and :func:`describe_em_runs`).
    """
    if x_train.ndim != 2 or x_test.ndim != 2 or x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must be 2-D with equal widths, got {x_train.shape}, {x_test.shape}")
    estimator, fit_s = timed(estimator.fit, x_train)
    y_pred, predict_s = timed(estimator.predict, x_test)
    y_pred = np.asarray(y_pred)
    em_record = em_convergence(estimator) if hasattr(estimator, "lower_bound_") else {}
    return {**score_row(name, y_test, y_pred, x_test, fit_s, predict_s), **em_record, "estimator": estimator}


def em_convergence(estimator: Any) -> dict[str, Any]:
    """How long a fitted mixture's EM ran and whether it converged.

    Parameters
    ----------
    estimator : fitted ``GaussianMixture`` (or any estimator with ``n_iter_``
        and ``converged_``)

    Returns
    -------
    dict
        ``em_iterations`` (int) and ``em_converged`` (bool), for results.json.

    Raises
    ------
    ValueError
        If the estimator has no ``converged_`` or ``n_iter_`` attribute (not
        fitted, or not fitted by EM).
    """
    if not (hasattr(estimator, "converged_") and hasattr(estimator, "n_iter_")):
        raise ValueError(f"{type(estimator).__name__} has no EM convergence record; fit a GaussianMixture first")
    return {"em_iterations": int(estimator.n_iter_), "em_converged": bool(estimator.converged_)}


def describe_em_runs(rows: dict[str, dict[str, Any]]) -> str:
    """One line per result row that records an EM run: its label, iterations, convergence.

    Parameters
    ----------
    rows : dict of str to dict
        Result rows (e.g. ``results["methods"]`` or a selection of it); rows
        without ``em_iterations`` are skipped.

    Returns
    -------
    str
        E.g. ``"PCA 80% (24 comp.) + GMM: EM ran 30 iterations, not converged"``,
        lines joined by newlines; empty if no row records an EM run.

    Raises
    ------
    ValueError
        If a row records ``em_iterations`` without ``em_converged``.
    """
    lines = []
    for key, row in rows.items():
        if "em_iterations" not in row:
            continue
        if "em_converged" not in row:
            raise ValueError(f"row {key!r} has em_iterations but no em_converged")
        lines.append(f"{row.get('label', key)}: EM ran {row['em_iterations']} iterations, {em_state(row)}")
    return "\n".join(lines)


def score_row(
    name: str, y_test: np.ndarray, y_pred: np.ndarray, features: np.ndarray, fit_s: float, predict_s: float
) -> dict[str, Any]:
    """Score test predictions and print them as one table row (see ``TABLE_HEADER``).

    For methods that are not a scikit-learn estimator (DEC, IDEC); the
    silhouette is computed on ``features``, the method's own test features.

    Returns
    -------
    dict
        ``acc``, ``nmi``, ``ari``, ``silhouette``, ``fit_s``, ``predict_s``, ``y_pred``
        and ``confusion`` (:func:`~helpers.metrics.matched_confusion`, which the report's sentences read).
    """
    y_pred = np.asarray(y_pred)
    scores = evaluate(y_test, y_pred)
    scores["silhouette"] = silhouette(features, y_pred)
    scores["confusion"] = matched_confusion(y_test, y_pred)
    print(
        f"{name:<34}{fit_s:>8.1f}{predict_s:>8.2f}{scores['acc']:>8.3f}{scores['nmi']:>8.3f}"
        f"{scores['ari']:>8.3f}{scores['silhouette']:>8.3f}"
    )
    return {**scores, "fit_s": fit_s, "predict_s": predict_s, "y_pred": y_pred}
