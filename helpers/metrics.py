"""Clustering metrics: Hungarian-matched accuracy, NMI and ARI, the matched per-class report, the silhouette."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._checks import check_class_ids, validate_labels
from .data import CLASS_NAMES

__all__ = [
    "match_clusters", "relabel_clusters", "matched_confusion", "cluster_accuracy", "evaluate", "matched_classification_report",
    "SILHOUETTE_SAMPLE_SIZE", "silhouette", "neighbour_purity", "neighbour_purity_by_class",
]


def _contingency(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of (cluster, class) pairs, with the sorted ids of each axis."""
    clusters, cluster_index = np.unique(y_pred, return_inverse=True)
    classes, class_index = np.unique(y_true, return_inverse=True)
    counts = np.zeros((clusters.size, classes.size), dtype=np.int64)
    np.add.at(counts, (cluster_index, class_index), 1)
    return counts, clusters, classes


def _hungarian_matching(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The contingency table, its axes' ids, and the rows and columns of the best one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    counts, clusters, classes = _contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return counts, clusters, classes, rows, cols


def match_clusters(y_true: Any, y_pred: Any) -> dict[int, int]:
    """Match cluster ids one-to-one to class ids, maximising agreement.

    The Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) finds
    the matching. With more clusters than classes some clusters stay
    unmatched and are absent from the result; with fewer, some classes get no
    cluster.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    y_pred : array-like of int, shape (n,)
        Cluster ids; any integers (e.g. 3, 7, 42).

    Returns
    -------
    dict of int to int
        Cluster id -> matched class id.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    y_true, y_pred = validate_labels(y_true, y_pred)
    _, clusters, classes, rows, cols = _hungarian_matching(y_true, y_pred)
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols)}


def relabel_clusters(y_pred: Any, mapping: Mapping[int, int], unmatched: int | None = None) -> np.ndarray:
    """Replace cluster ids by their matched class ids.

    Parameters
    ----------
    y_pred : array-like of int
        Cluster ids.
    mapping : mapping of int to int
        Cluster id -> class id, as returned by :func:`match_clusters`.
    unmatched : int, optional
        The label given to clusters absent from ``mapping``. By default the
        largest negative integer that is not a matched class id, so it can
        never equal a true class: when some cluster is unmatched, every class
        is matched (the matching pairs as many of each as it can).

    Returns
    -------
    numpy.ndarray
        Class ids, same shape as ``y_pred``.

    Raises
    ------
    ValueError
        If ``unmatched`` is one of the matched class ids.
    """
    matched_classes = set(mapping.values())
    if unmatched is None:
        unmatched = -1
        while unmatched in matched_classes:
            unmatched -= 1
    elif unmatched in matched_classes:
        raise ValueError(f"unmatched={unmatched} is also a matched class id; choose a label no class uses")
    y_pred = np.asarray(y_pred)
    relabelled = np.full(y_pred.shape, unmatched, dtype=np.int64)
    for cluster, label in mapping.items():
        relabelled[y_pred == cluster] = label
    return relabelled


def matched_confusion(y_true: Any, y_pred: Any, n_classes: int | None = None) -> dict[str, list]:
    """Counts of each class (rows) in each cluster (columns), the columns ordered by their matched class.

    The clusters matched to a class (see :func:`match_clusters`) come first,
    in the order of their class, so the diagonal holds the correctly clustered
    points; unmatched clusters follow, in the order of their ids.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids, 0 .. ``n_classes`` - 1.
    y_pred : array-like of int, shape (n,)
        Cluster ids.
    n_classes : int, optional
        Number of rows; ``max(y_true) + 1`` by default.

    Returns
    -------
    dict
        ``{"clusters": [cluster id per column], "classes": [matched class id
        per column, None where unmatched], "counts": [[int per column] per
        class]}``: plain lists, ready for JSON.

    Raises
    ------
    ValueError
        If the labels are invalid (see :func:`match_clusters`), a class id is
        negative or ``n_classes`` is too small for them.
    """
    y_true, y_pred = validate_labels(y_true, y_pred)
    n_classes = int(y_true.max()) + 1 if n_classes is None else n_classes
    if y_true.min() < 0 or y_true.max() >= n_classes:
        raise ValueError(f"n_classes: class ids must lie in 0..{n_classes - 1}, got {y_true.min()}..{y_true.max()}")
    mapping = match_clusters(y_true, y_pred)
    columns = sorted(mapping, key=mapping.get) + sorted(set(np.unique(y_pred).tolist()) - set(mapping))
    column_of = {cluster: j for j, cluster in enumerate(columns)}
    counts = np.zeros((n_classes, len(columns)), dtype=np.int64)
    np.add.at(counts, (y_true, np.vectorize(column_of.get)(y_pred)), 1)
    return {
        "clusters": [int(c) for c in columns],
        "classes": [mapping.get(c) for c in columns],
        "counts": counts.tolist(),
    }


def cluster_accuracy(y_true: Any, y_pred: Any) -> float:
    """Clustering accuracy: the best one-to-one matching of clusters to classes.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    y_pred : array-like of int, shape (n,)
        Cluster ids; their number may differ from the number of classes, and
        clusters left unmatched count as errors.

    Returns
    -------
    float
        Fraction of points whose matched cluster is their class, in [0, 1].

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    y_true, y_pred = validate_labels(y_true, y_pred)
    # Summed straight from the matched cells of the contingency table: no placeholder label for unmatched
    # clusters, which could coincide with a real class id.
    counts, _, _, rows, cols = _hungarian_matching(y_true, y_pred)
    return float(counts[rows, cols].sum() / y_true.size)


def evaluate(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Accuracy (Hungarian-matched), NMI and ARI of a clustering.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True class ids and cluster ids.

    Returns
    -------
    dict
        ``{"acc": ..., "nmi": ..., "ari": ...}`` as Python floats.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    y_true, y_pred = validate_labels(y_true, y_pred)
    return {
        "acc": cluster_accuracy(y_true, y_pred),
        "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
        "ari": float(adjusted_rand_score(y_true, y_pred)),
    }


def matched_classification_report(
    y_true: Any, y_pred: Any, class_names: Sequence[str] = CLASS_NAMES
) -> str:
    """Per-class precision, recall and F1 after matching clusters to classes.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True class ids (0 .. len(class_names) - 1) and cluster ids.
    class_names : sequence of str
        Name of each class id.

    Returns
    -------
    str
        scikit-learn's ``classification_report`` on the matched labels;
        points in unmatched clusters count against recall.
    """
    from sklearn.metrics import classification_report

    y_true, y_pred = validate_labels(y_true, y_pred)
    check_class_ids(y_true, class_names)
    matched = relabel_clusters(y_pred, match_clusters(y_true, y_pred))
    return classification_report(
        y_true,
        matched,
        labels=list(range(len(class_names))),
        target_names=list(class_names),
        digits=3,
        zero_division=0,
    )


#: Test points on which every method's silhouette coefficient is computed.
SILHOUETTE_SAMPLE_SIZE = 5000


def silhouette(features: np.ndarray, y_pred: np.ndarray, sample_size: int = SILHOUETTE_SAMPLE_SIZE) -> float:
    """Silhouette coefficient of a clustering on a fixed random subsample.

    An internal metric: it uses no labels, only how compact and separated the
    clusters are in ``features`` (Euclidean distance).

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
        The space the clustering was made in.
    y_pred : numpy.ndarray of int, shape (n,)
        Cluster ids.
    sample_size : int
        Points drawn (always with ``random_state=0``, so every method is
        scored on the same points); all points if fewer.

    Returns
    -------
    float
        In [-1, 1]; NaN when there are fewer than two clusters.
    """
    from sklearn.metrics import silhouette_score

    if len(np.unique(y_pred)) < 2:
        return float("nan")
    size = min(sample_size, len(features))
    return float(silhouette_score(features, y_pred, sample_size=size, random_state=0))


def neighbour_purity(neighbours: np.ndarray, labels: np.ndarray, n_classes: int = len(CLASS_NAMES)) -> np.ndarray:
    """Per class, the mean fraction of an image's nearest neighbours that share its class.

    A diagnosis of a neighbour graph (how far "neighbours share a cluster"
    can take a clustering), not a score: it reads the images' labels.

    Parameters
    ----------
    neighbours : numpy.ndarray of int, shape (n, k)
        Row ``i``: the indices of image ``i``'s ``k`` nearest neighbours (itself excluded).
    labels : numpy.ndarray of int, shape (n,)
        Class ids in ``[0, n_classes)``.
    n_classes : int

    Returns
    -------
    numpy.ndarray, shape (n_classes,)
        NaN for a class without images.

    Raises
    ------
    ValueError
        If the shapes disagree or an index or label is out of range.
    """
    neighbours, labels = np.asarray(neighbours), np.asarray(labels)
    if neighbours.ndim != 2 or labels.ndim != 1 or len(neighbours) != len(labels) or neighbours.shape[1] == 0:
        raise ValueError(f"neighbours must have shape (n, k >= 1) for n labels, got {neighbours.shape} and {labels.shape}")
    if neighbours.min() < 0 or neighbours.max() >= len(labels):
        raise ValueError("neighbours holds an index outside the labels")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in [0, {n_classes}), got [{labels.min()}, {labels.max()}]")
    same = (labels[neighbours] == labels[:, None]).mean(axis=1)
    counts = np.bincount(labels, minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(labels, weights=same, minlength=n_classes) / counts


def neighbour_purity_by_class(neighbours: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """:func:`neighbour_purity` per class name, rounded to 4 decimals, as results.json records it."""
    return dict(zip(CLASS_NAMES, neighbour_purity(neighbours, labels).round(4).tolist()))
