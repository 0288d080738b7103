"""Local re-splits: groups of similar clusters cut again where a normalised cut improves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._checks import check_neighbours

__all__ = [
    "neighbour_graph", "normalised_cut", "candidate_groups", "refine_locally", "describe_refinement_step",
    "apply_local_refinement",
]


def neighbour_graph(neighbours: np.ndarray) -> Any:
    """The symmetric k-nearest-neighbour graph: ``i`` and ``j`` linked if either is among the other's neighbours.

    Parameters
    ----------
    neighbours : numpy.ndarray of int, shape (n, k)
        From :func:`nearest_neighbours`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n)
        0/1 adjacency, symmetric, with an empty diagonal.

    Raises
    ------
    ValueError
        If ``neighbours`` is not (n, k) with indices in ``[0, n)``.
    """
    import scipy.sparse as sparse

    neighbours = np.asarray(neighbours)
    check_neighbours(neighbours, len(neighbours))
    n, k = neighbours.shape
    graph = sparse.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), neighbours.ravel())), shape=(n, n))
    graph = ((graph + graph.T) > 0).astype(float).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    return graph


def _cluster_edges(graph: Any, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    import scipy.sparse as sparse

    membership = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)), shape=(len(labels), n_clusters))
    return (membership.T @ graph @ membership).toarray()


def normalised_cut(graph: Any, labels: Any) -> float:
    """Normalised cut of a partition of a graph (Shi and Malik, 2000): the lower, the fewer edges between clusters.

    ``sum over clusters c of (edges leaving c) / (edges touching c)``, over
    the clusters that have points; 0 when no edge crosses clusters.

    Parameters
    ----------
    graph : scipy.sparse matrix, shape (n, n)
        Symmetric adjacency, e.g. from :func:`neighbour_graph`.
    labels : array-like of int, shape (n,)
        Non-negative cluster ids.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``labels`` does not give one non-negative id per node, or a cluster has no edges.
    """
    labels = np.asarray(labels)
    if graph.shape != (len(labels), len(labels)) or labels.ndim != 1 or (len(labels) and labels.min() < 0):
        raise ValueError(f"need one non-negative label per node of a square graph, got {labels.shape} labels for {graph.shape}")
    present = np.unique(labels)
    edges = _cluster_edges(graph, labels, int(labels.max()) + 1)[np.ix_(present, present)]
    volume = edges.sum(axis=1)
    if (volume == 0).any():
        raise ValueError("every cluster needs at least one edge")
    return float(np.sum((volume - np.diag(edges)) / volume))


def candidate_groups(graph: Any, labels: Any, n_clusters: int, max_size: int = 4) -> list[list[int]]:
    """Groups of clusters that share the most neighbour edges, largest first: where to look for a better split.

    Clusters are merged greedily, always the two groups with the most edges
    between them relative to their total number of edges (an average
    linkage on the neighbour graph), until one group is left; every group
    formed on the way with at most ``max_size`` clusters is a candidate.

    Parameters
    ----------
    graph : scipy.sparse matrix, shape (n, n)
        Symmetric adjacency, e.g. from :func:`neighbour_graph`.
    labels : array-like of int, shape (n,)
        Cluster ids in ``[0, n_clusters)``.
    n_clusters : int
    max_size : int
        Largest group returned, ``>= 2``.

    Returns
    -------
    list of list of int
        Sorted cluster ids per group; larger groups first, and among groups of
        one size, those merged first (the most connected) first.

    Raises
    ------
    ValueError
        If the labels do not fit the graph or ``n_clusters``, or ``max_size < 2``.
    """
    labels = np.asarray(labels)
    if graph.shape != (len(labels), len(labels)) or labels.ndim != 1 or (len(labels) and not 0 <= labels.min() <= labels.max() < n_clusters):
        raise ValueError(f"need one label in [0, {n_clusters}) per node of a square graph, got {labels.shape} labels for {graph.shape}")
    if max_size < 2:
        raise ValueError(f"max_size must be at least 2, got {max_size}")
    edges = _cluster_edges(graph, labels, n_clusters)
    volume = edges.sum(axis=1)
    groups, found = [[c] for c in range(n_clusters)], []
    while len(groups) > 1:
        def link(pair: tuple[int, int]) -> float:
            first, second = groups[pair[0]], groups[pair[1]]
            total = volume[first].sum() + volume[second].sum()
            return edges[np.ix_(first, second)].sum() / total if total else 0.0

        pairs = [(a, b) for a in range(len(groups)) for b in range(a + 1, len(groups))]
        first, second = max(pairs, key=link)
        merged = sorted(groups[first] + groups[second])
        groups = [g for index, g in enumerate(groups) if index not in (first, second)] + [merged]
        if len(merged) <= max_size:
            found.append(merged)
    return sorted(found, key=len, reverse=True)


def refine_locally(
    features: np.ndarray,
    labels: Any,
    neighbours: np.ndarray,
    n_clusters: int,
    max_size: int = 4,
    n_components: int = 50,
    n_init: int = 10,
    seed: int = 0,
    log: Any = print,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Re-split groups of similar clusters on their own, and keep a new split only if it cuts fewer neighbour edges.

    A global method must cut all classes in one space; the few clusters that
    share a region of it (e.g. three kinds of shoe) may be told apart better
    by the directions in which that region itself varies. For each group of
    :func:`candidate_groups`, largest first, K-Means (as many clusters as
    the group has) re-clusters the group's points on their own principal
    components; the new split replaces the old one only if it has a lower
    :func:`normalised_cut` on the neighbour graph among the group's points,
    i.e. if it keeps neighbours together better, which is what SCAN's
    neighbour loss asks of a partition too. No labels are used.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
        What the groups are re-clustered on (e.g. the pixels).
    labels : array-like of int, shape (n,)
        The partition to refine, ids in ``[0, n_clusters)``.
    neighbours : numpy.ndarray of int, shape (n, k)
        Each point's neighbours (:func:`nearest_neighbours`), for the graph.
    n_clusters : int
    max_size : int
        Largest group of clusters re-split together.
    n_components : int
        Principal components per group (fewer if the group is small).
    n_init : int
        K-Means initialisations per group.
    seed : int
    log : callable
        Receives one line per group tried.

    Returns
    -------
    labels : numpy.ndarray of int, shape (n,)
        The refined partition of the same points, in the same cluster ids.
    steps : list of dict
        One per group tried, in order: ``clusters``, ``points``,
        ``ncut_before``, ``ncut_after`` (or ``skipped``, why no split was
        tried), ``accepted``, ``changed`` (points moved to another
        cluster; each new cluster keeps the id of the old cluster it overlaps
        most) and, when accepted, the fitted ``pca``, ``kmeans`` and ``ids``
        (the id of each K-Means cluster) that :func:`apply_local_refinement`
        replays on other points.

    Raises
    ------
    ValueError
        For shapes that disagree or labels out of range.
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    features = np.asarray(features, dtype="float32")
    labels = np.asarray(labels).copy()
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"need 2-D features with one label per row, got {features.shape} and {labels.shape}")
    graph = neighbour_graph(neighbours)
    steps = []
    for group in candidate_groups(graph, labels, n_clusters, max_size):
        group = np.array(group)
        members = np.flatnonzero(np.isin(labels, group))
        step: dict[str, Any] = {"clusters": group.tolist(), "points": int(len(members)), "accepted": False, "changed": 0}
        if len(members) < 2 * len(group):
            step["skipped"] = "too few points"
            log(describe_refinement_step(step))
            steps.append(step)
            continue
        sub_graph = graph[members][:, members]
        pca = PCA(min(n_components, len(members) - 1, features.shape[1]), random_state=seed).fit(features[members])
        kmeans = KMeans(len(group), n_init=n_init, random_state=seed).fit(pca.transform(features[members]))
        # Each new cluster takes the id of the old one it overlaps most (one to one), so that ids stay
        # comparable and "changed" counts the points that really moved.
        overlap = np.zeros((len(group), len(group)))
        np.add.at(overlap, (kmeans.labels_, np.searchsorted(group, labels[members])), 1)
        ids = group[linear_sum_assignment(-overlap)[1]]
        proposed = ids[kmeans.labels_]
        try:
            before, after = normalised_cut(sub_graph, labels[members]), normalised_cut(sub_graph, proposed)
        except ValueError:  # a cluster without any edge inside the group: the cut is undefined, keep the old split
            step["skipped"] = "a cluster without neighbour edges in the group"
            log(describe_refinement_step(step))
            steps.append(step)
            continue
        step.update(ncut_before=before, ncut_after=after, accepted=bool(after < before))
        if step["accepted"]:
            step.update(changed=int((proposed != labels[members]).sum()), pca=pca, kmeans=kmeans, ids=ids)
            labels[members] = proposed
        log(describe_refinement_step(step))
        steps.append(step)
    return labels, steps


def describe_refinement_step(step: Mapping[str, Any]) -> str:
    """One line on a step of :func:`refine_locally`: the group, its normalised cut before and after, the decision.

    Parameters
    ----------
    step : mapping
        One of the steps :func:`refine_locally` returns.

    Returns
    -------
    str
    """
    head = f"[local refinement] clusters {list(step['clusters'])} ({step['points']} points)"
    if "skipped" in step:
        return f"{head}: skipped, {step['skipped']}"
    decision = "accepted" if step["accepted"] else "kept the old split"
    return f"{head}: normalised cut {step['ncut_before']:.4f} -> {step['ncut_after']:.4f}, {decision}"


def apply_local_refinement(steps: Sequence[Mapping[str, Any]], features: np.ndarray, labels: Any) -> np.ndarray:
    """Replay the accepted steps of :func:`refine_locally` on other points (e.g. the test images).

    Parameters
    ----------
    steps : sequence of dict
        From :func:`refine_locally`, in its order.
    features : numpy.ndarray, shape (n, d)
        The same kind of features it was fitted on.
    labels : array-like of int, shape (n,)
        These points' partition by the same method that gave the refined one its start.

    Returns
    -------
    numpy.ndarray of int, shape (n,)

    Raises
    ------
    ValueError
        If ``features`` and ``labels`` disagree in length.
    """
    features = np.asarray(features, dtype="float32")
    labels = np.asarray(labels).copy()
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"need 2-D features with one label per row, got {features.shape} and {labels.shape}")
    for step in steps:
        if not step["accepted"]:
            continue
        group = np.array(step["clusters"])
        members = np.flatnonzero(np.isin(labels, group))
        if len(members):
            labels[members] = step["ids"][step["kmeans"].predict(step["pca"].transform(features[members]))]
    return labels
