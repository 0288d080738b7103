"""Small estimators of the comparisons: Ward clustering that can predict, and a PCA's leading components as a pipeline step."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

__all__ = ["CentroidAgglomerative", "LeadingColumns"]


class CentroidAgglomerative:
    """Ward agglomerative clustering with ``fit``/``predict``, via nearest centroids.

    Agglomerative clustering has no ``predict`` and its memory grows with the
    square of the number of points, so ``fit`` clusters a random subsample of
    at most ``max_samples`` points and keeps each cluster's centroid;
    ``predict`` assigns every point to the nearest centroid.

    Parameters
    ----------
    n_clusters : int
    max_samples : int
        Size of the random subsample fitted.
    random_state : int
        Seed of the subsample.
    """

    def __init__(self, n_clusters: int = 10, max_samples: int = 10_000, random_state: int = 0) -> None:
        if n_clusters < 2 or max_samples < n_clusters:
            raise ValueError("need n_clusters >= 2 and max_samples >= n_clusters")
        self.n_clusters, self.max_samples, self.random_state = n_clusters, max_samples, random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn estimators report them."""
        return {"n_clusters": self.n_clusters, "max_samples": self.max_samples, "random_state": self.random_state}

    def fit(self, x: np.ndarray) -> "CentroidAgglomerative":
        from sklearn.cluster import AgglomerativeClustering

        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(x), min(self.max_samples, len(x)), replace=False)
        labels = AgglomerativeClustering(self.n_clusters, linkage="ward").fit_predict(x[sample])
        self.cluster_centers_ = np.stack([x[sample][labels == k].mean(axis=0) for k in range(self.n_clusters)])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_argmin

        return pairwise_distances_argmin(x, self.cluster_centers_)


class LeadingColumns(TransformerMixin, BaseEstimator):
    """A stateless transformer that keeps the first ``n_columns`` columns, e.g. the leading principal components.

    Parameters
    ----------
    n_columns : int
    """

    def __init__(self, n_columns: int = 1) -> None:
        self.n_columns = n_columns

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def fit(self, x: np.ndarray, y: Any = None) -> "LeadingColumns":
        """Nothing to learn; checks ``n_columns`` against ``x``."""
        if isinstance(self.n_columns, bool) or not isinstance(self.n_columns, (int, np.integer)) or not 1 <= self.n_columns <= np.shape(x)[1]:
            raise ValueError(f"n_columns must be an integer in [1, {np.shape(x)[1]}], got {self.n_columns!r}")
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """The first ``n_columns`` columns of ``x`` (a view)."""
        return np.asarray(x)[:, : self.n_columns]
