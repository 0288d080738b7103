"""Local re-splits: groups of similar clusters re-clustered on their own, kept where they cut fewer neighbour edges."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.utils.validation import check_is_fitted

from .._estimators import ClusterSpaceMixin, clusters_in_transform, is_fitted
from .._seeding import check_images, progress, resolve_seed
from .refinement import apply_local_refinement, refine_locally
from .scan_training import nearest_neighbours

__all__ = ["LocalResplits"]


class LocalResplits(ClusterSpaceMixin, ClusterMixin, BaseEstimator):
    """Refines another clusterer's partition by re-splitting groups of its clusters locally (this study's method).

    For each group of up to ``max_size`` clusters that share neighbours,
    largest first, K-Means re-clusters the group's images on their own
    principal components; the new split is kept only if it has a lower
    normalised cut on the neighbour graph (:func:`helpers.methods.refinement.refine_locally`).
    ``predict`` replays the kept splits on the base clusterer's partition of
    new images. No labels are used.

    Parameters
    ----------
    base : clusterer with ``predict``
        Gives the partition to refine (of the training images in ``fit``, of
        new ones in ``predict``); used as it is when fitted, else a copy is
        fitted on the training images first. Wrap a fitted one in
        ``sklearn.frozen.FrozenEstimator`` to keep it through ``clone``.
    n_clusters : int, default 10
    max_size : int, default 4
        Largest group of clusters re-split together.
    n_components : int, default 50
        Principal components per group.
    n_init : int, default 10
        K-Means starts per group.
    n_neighbors : int, default 20
        Neighbours per image (in pixel space) when ``fit`` is given no ``neighbors``.
    random_state : int or None, default None
    verbose : int, default 0
        1 prints one line per group tried.

    Attributes
    ----------
    base_ : the fitted base clusterer.
    steps_ : list of dict
        One per group tried (see :func:`helpers.methods.refinement.refine_locally`).
    start_labels_ : numpy.ndarray of int
        The base clusterer's partition of the training images.
    labels_ : numpy.ndarray of int
        The refined partition.

    References
    ----------
    J. Shi and J. Malik. Normalized cuts and image segmentation. IEEE Transactions on
    Pattern Analysis and Machine Intelligence, 22(8):888-905, 2000 (the criterion).
    """

    def __init__(
        self,
        base: Any = None,
        n_clusters: int = 10,
        max_size: int = 4,
        n_components: int = 50,
        n_init: int = 10,
        n_neighbors: int = 20,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.base = base
        self.n_clusters = n_clusters
        self.max_size = max_size
        self.n_components = n_components
        self.n_init = n_init
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None, neighbors: Any = None) -> "LocalResplits":
        """Refine the base clusterer's partition of the images ``X``; ``y`` is ignored.

        Raises
        ------
        ValueError
            If ``base`` is missing or not fitted, or for images or neighbours that do not match.
        """
        x = check_images(X)
        if self.base is None or not hasattr(self.base, "predict"):
            raise ValueError("base must be a clusterer with predict")
        graph = nearest_neighbours(x, self.n_neighbors) if neighbors is None else np.asarray(neighbors)
        self.base_ = self.base if is_fitted(self.base) else clone(self.base).fit(x)
        self.start_labels_ = np.asarray(self.base_.predict(x))
        self.labels_, self.steps_ = refine_locally(
            x, self.start_labels_, graph, self.n_clusters, max_size=self.max_size, n_components=self.n_components,
            n_init=self.n_init, seed=resolve_seed(self.random_state), log=progress(self.verbose),
        )
        self.n_features_in_ = x.shape[1]
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The base clusterer's partition of the images ``X``, with the kept re-splits replayed."""
        check_is_fitted(self, "steps_")
        x = check_images(X)
        return apply_local_refinement(self.steps_, x, np.asarray(self.base_.predict(x)))

    def has_cluster_space(self) -> bool:
        """Whether its base clusters in a space of its own (then ``transform`` gives it): a CNN's codes, not K-Means' distances."""
        check_is_fitted(self, "steps_")
        return clusters_in_transform(self.base_)

    def transform(self, X: Any) -> np.ndarray:
        """The base clusterer's codes of the images ``X`` (the space its clusters, and these, live in).

        Raises
        ------
        AttributeError
            If the base has no such space (see :meth:`has_cluster_space`).
        """
        if not self.has_cluster_space():
            raise AttributeError(f"transform: the base {type(self.base_).__name__} clusters in no space of its own")
        return self.base_.transform(check_images(X))
