"""N2D: an autoencoder's codes, embedded by UMAP, clustered by a Gaussian mixture."""
from __future__ import annotations

import pickle
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, clone
from sklearn.mixture import GaussianMixture
from sklearn.utils.validation import check_is_fitted

from .._seeding import check_images, resolve_seed
from .._estimators import ClusterSpaceMixin
from .autoencoder import DenseAutoencoder

__all__ = ["N2D", "UMAPEmbedding"]


class UMAPEmbedding(TransformerMixin, BaseEstimator):
    """A seeded, single-threaded UMAP as a transformer, importing umap-learn only when it fits or transforms.

    ``embedding_`` is UMAP's own embedding of the rows it was fitted on (which
    its ``transform`` of the same rows would not reproduce). The fitted UMAP is
    pickled as bytes and unpickled on first use, so that loading a fitted
    embedding (from the cache, or from a background process) needs no import
    of umap-learn, whose numba start-up takes seconds.

    Parameters
    ----------
    n_neighbors : int, default 20
    n_components : int, default 10
    min_dist : float, default 0.0
    random_state : int or None, default None
        With a seed, UMAP runs single-threaded and reproducibly.

    Attributes
    ----------
    embedding_ : numpy.ndarray, shape (n, n_components)
    umap_ : umap.UMAP
        The fitted UMAP (unpickled on first access).

    References
    ----------
    L. McInnes, J. Healy and J. Melville. UMAP: Uniform manifold approximation and projection
    for dimension reduction. arXiv:1802.03426, 2018.
    """

    def __init__(self, n_neighbors: int = 20, n_components: int = 10, min_dist: float = 0.0, random_state: int | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "UMAPEmbedding":
        """Fit UMAP on the rows of ``X``; ``y`` is ignored.

        Raises
        ------
        ValueError
            If ``X`` is not 2-D or ``n_neighbors`` is not in [2, n).
        """
        import umap

        x = np.asarray(X)
        if x.ndim != 2 or not 2 <= self.n_neighbors < len(x):
            raise ValueError(f"n_neighbors must be in [2, {len(x)}) for X of shape {x.shape}, got {self.n_neighbors!r}")
        reducer = umap.UMAP(
            n_neighbors=self.n_neighbors, n_components=self.n_components, min_dist=self.min_dist,
            random_state=resolve_seed(self.random_state), n_jobs=1,
        )
        self.embedding_ = reducer.fit_transform(x)
        self._umap = reducer
        self.n_features_in_ = x.shape[1]
        return self

    @property
    def umap_(self) -> Any:
        check_is_fitted(self, "embedding_")
        if isinstance(self._umap, bytes):
            self._umap = pickle.loads(self._umap)
        return self._umap

    def transform(self, X: Any) -> np.ndarray:
        """The embedding of the rows of ``X`` (UMAP's ``transform``)."""
        return self.umap_.transform(np.asarray(X))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        if not isinstance(state.get("_umap"), (bytes, type(None))):
            state["_umap"] = pickle.dumps(state["_umap"], protocol=pickle.HIGHEST_PROTOCOL)
        return state


class N2D(ClusterSpaceMixin, ClusterMixin, TransformerMixin, BaseEstimator):
    """N2D ("not too deep" clustering): autoencoder codes, a UMAP embedding of them, a full-covariance GMM on it.

    UMAP keeps the local neighbourhoods of the codes in a few dimensions
    (``n_components``, by default the number of clusters, ``min_dist`` 0 so
    that clusters stay tight), where a Gaussian mixture finds the clusters.
    The UMAP and mixture defaults are the paper's; the default autoencoder is
    this study's :class:`DenseAutoencoder` (512-256 units, 30 epochs), far
    smaller and shorter-trained than the paper's (500-500-2000 units, 1,000
    epochs of pretraining).

    Parameters
    ----------
    autoencoder : transformer, optional
        Gives the codes UMAP embeds (a :class:`DenseAutoencoder`, or any
        transformer of images); fitted on ``X`` first (a copy, with this
        estimator's ``random_state``) unless it is fitted already. None: a
        :class:`DenseAutoencoder` with its defaults. Wrap a fitted one in
        ``sklearn.frozen.FrozenEstimator`` to keep it through ``clone``.
    n_clusters : int, default 10
    n_neighbors : int, default 20
        UMAP's neighbourhood size.
    n_components : int or None, default None
        UMAP's dimensions; None: ``n_clusters``.
    min_dist : float, default 0.0
    covariance_type : str, default "full"
    random_state : int or None, default None
        Seeds UMAP, the mixture and an autoencoder fitted here.

    Attributes
    ----------
    autoencoder_ : the fitted autoencoder.
    umap_ : UMAPEmbedding
        The fitted embedding.
    embedding_ : numpy.ndarray, shape (n, n_components)
        The training images' embedding (UMAP's own, from its fit).
    mixture_ : sklearn.mixture.GaussianMixture
    labels_ : numpy.ndarray of int
        Clusters of the training images.
    converged_, n_iter_ : the mixture's EM convergence and iterations.

    References
    ----------
    R. McConville, R. Santos-Rodriguez, R. J. Piechocki and I. Craddock. N2D: (Not too) deep
    clustering via clustering the local manifold of an autoencoded embedding. In Proceedings
    of the 25th International Conference on Pattern Recognition, 2020.
    """

    def __init__(
        self,
        autoencoder: Any = None,
        n_clusters: int = 10,
        n_neighbors: int = 20,
        n_components: int | None = None,
        min_dist: float = 0.0,
        covariance_type: str = "full",
        random_state: int | None = None,
    ) -> None:
        self.autoencoder = autoencoder
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_dist = min_dist
        self.covariance_type = covariance_type
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> "N2D":
        """Pretrain (unless given a fitted autoencoder), embed the codes, fit the mixture; ``y`` is ignored.

        Raises
        ------
        ValueError
            For ``X`` not 2-D in [0, 1] or ``n_neighbors`` not in [2, n).
        """
        x = check_images(X)
        if not 2 <= self.n_neighbors < len(x):
            raise ValueError(f"n_neighbors must be in [2, {len(x)}), got {self.n_neighbors!r}")
        seed = resolve_seed(self.random_state)
        autoencoder = self.autoencoder if self.autoencoder is not None else DenseAutoencoder()
        if not hasattr(autoencoder, "model_"):
            autoencoder = clone(autoencoder).set_params(random_state=seed).fit(x)
        n_components = self.n_components if self.n_components is not None else self.n_clusters
        self.umap_ = UMAPEmbedding(self.n_neighbors, n_components, self.min_dist, random_state=seed).fit(autoencoder.transform(x))
        self.embedding_ = self.umap_.embedding_
        self.mixture_ = GaussianMixture(self.n_clusters, covariance_type=self.covariance_type, random_state=seed).fit(self.embedding_)
        self.autoencoder_ = autoencoder
        self.labels_ = self.mixture_.predict(self.embedding_)
        self.converged_, self.n_iter_ = bool(self.mixture_.converged_), int(self.mixture_.n_iter_)
        self.n_features_in_ = x.shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The UMAP embedding of the codes of the rows of ``X``."""
        check_is_fitted(self, "umap_")
        return self.umap_.transform(self.autoencoder_.transform(check_images(X)))

    def predict(self, X: Any) -> np.ndarray:
        """The mixture's cluster of each row of ``X``."""
        return self.mixture_.predict(self.transform(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The mixture's posterior probabilities for each row of ``X``."""
        return self.mixture_.predict_proba(self.transform(X))
