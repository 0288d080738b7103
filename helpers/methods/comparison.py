"""Small estimators of the comparisons: Ward clustering that can predict, and a PCA's leading components as a pipeline step."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

__all__ = ["CentroidAgglomerative", "LeadingColumns"]


class CentroidAgglomerative(ClusterMixin, BaseEstimator):
    """Ward agglomerative clustering with ``fit``/``predict``, via nearest centroids.

    Agglomerative clustering has no ``predict`` and its memory grows with the
    square of the number of points, so ``fit`` clusters a random subsample of
    at most ``max_samples`` points and keeps each cluster's centroid;
    ``predict`` assigns every point to the nearest centroid.

    Parameters
    ----------
    n_clusters : int, default 10
    max_samples : int, default 10000
        Size of the random subsample fitted.
    random_state : int, default 0
        Seed of the subsample.

    Attributes
    ----------
    cluster_centers_ : numpy.ndarray, shape (n_clusters, n_features)
        The mean of each Ward cluster of the subsample.
    labels_ : numpy.ndarray of int
        The nearest centroid of every training point.

    References
    ----------
    J. H. Ward. Hierarchical grouping to optimize an objective function. Journal of the
    American Statistical Association, 58(301):236-244, 1963.
    """

    def __init__(self, n_clusters: int = 10, max_samples: int = 10_000, random_state: int = 0) -> None:
        self.n_clusters, self.max_samples, self.random_state = n_clusters, max_samples, random_state

    def fit(self, x: Any, y: Any = None) -> "CentroidAgglomerative":
        """Cluster a random subsample of the rows of ``x`` by Ward's method and keep the clusters' centroids.

        Raises
        ------
        ValueError
            Unless ``1 <= n_clusters <= max_samples`` and ``x`` has at least ``n_clusters`` finite rows.
        """
        from sklearn.cluster import AgglomerativeClustering
        from sklearn.utils.validation import validate_data

        if not 1 <= self.n_clusters <= self.max_samples:
            raise ValueError(f"need 1 <= n_clusters <= max_samples, got n_clusters={self.n_clusters}, max_samples={self.max_samples}")
        x = validate_data(self, x, ensure_min_samples=self.n_clusters)
        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(x), min(self.max_samples, len(x)), replace=False)
        labels = AgglomerativeClustering(self.n_clusters, linkage="ward").fit_predict(x[sample])
        self.cluster_centers_ = np.stack([x[sample][labels == k].mean(axis=0) for k in range(self.n_clusters)])
        self.labels_ = self._nearest(x)
        return self

    def _nearest(self, x: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_argmin

        return pairwise_distances_argmin(x, self.cluster_centers_)

    def predict(self, x: Any) -> np.ndarray:
        """The nearest centroid of each row of ``x``."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "cluster_centers_")
        return self._nearest(validate_data(self, x, reset=False))


class LeadingColumns(TransformerMixin, BaseEstimator):
    """A stateless transformer that keeps the first ``n_columns`` columns, e.g. the leading principal components.

    Parameters
    ----------
    n_columns : int, default 1
    """

    def __init__(self, n_columns: int = 1) -> None:
        self.n_columns = n_columns

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def fit(self, x: Any, y: Any = None) -> "LeadingColumns":
        """Nothing to learn; checks ``x`` and ``n_columns`` against it.

        Raises
        ------
        ValueError
            If ``x`` is not a finite 2-D array or ``n_columns`` is not in [1, its width].
        """
        from sklearn.utils.validation import validate_data

        x = validate_data(self, x)
        if isinstance(self.n_columns, bool) or not isinstance(self.n_columns, (int, np.integer)) or not 1 <= self.n_columns <= x.shape[1]:
            raise ValueError(f"n_columns must be an integer in [1, {x.shape[1]}], got {self.n_columns!r}")
        return self

    def transform(self, x: Any) -> np.ndarray:
        """The first ``n_columns`` columns of ``x`` (a view)."""
        from sklearn.utils.validation import validate_data

        return validate_data(self, x, reset=False)[:, : self.n_columns]
