"""DEC and IDEC: an autoencoder's encoder fine-tuned together with soft cluster centroids."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClusterMixin, TransformerMixin, clone
from sklearn.cluster import KMeans

from .._seeding import check_images, progress, resolve_seed
from .deep_clustering import train_deep_clustering
from .._estimators import ClusterSpaceMixin
from ._base import KerasEstimator, SoftAssignmentMixin
from .autoencoder import DenseAutoencoder

__all__ = ["DEC", "IDEC"]

class DEC(SoftAssignmentMixin, ClusterSpaceMixin, ClusterMixin, TransformerMixin, KerasEstimator):
    """Deep Embedded Clustering: fine-tunes a pretrained encoder and soft centroids on their own sharpened assignments.

    A Student's t kernel between each code and ``n_clusters`` centroids gives
    soft assignments ``q``; every ``update_interval`` batches the target ``p``
    (``q`` squared and normalised) is recomputed for all images, and between
    refreshes the encoder and the centroids minimise ``KL(p || q)``. Training
    stops when fewer than ``tol`` of the hard assignments changed between two
    refreshes, or at the first refresh that reaches ``max_iter`` batches or
    ``max_epochs`` passes; ``converged_`` says which. The defaults are the
    paper's (tolerance 0.1 %, batches of 256, K-Means with 20 starts for the
    centroids) and its reference implementations' (the target refreshed every
    140 batches, at most 20,000 batches). The optimiser is Adam at
    ``learning_rate`` (the paper used SGD with momentum).

    Parameters
    ----------
    autoencoder : DenseAutoencoder, optional
        The pretrained autoencoder (its encoder is what DEC fine-tunes); fitted
        on ``X`` first (a copy, with this estimator's ``random_state``) unless
        it is fitted already. None: a :class:`DenseAutoencoder` with its
        defaults. ``clone`` (as in a grid search) copies a fitted one unfitted:
        wrap it in ``sklearn.frozen.FrozenEstimator`` to keep it.
    n_clusters : int, default 10
    init_centroids : array of shape (n_clusters, latent_dim), optional
        Starting centroids in the code space; None: K-Means on the codes of ``X``.
    kmeans_n_init : int, default 20
        K-Means starts when ``init_centroids`` is None.
    tol : float, default 0.001
    update_interval : int, default 140
    batch_size : int, default 256
    max_iter : int or None, default 20000
        Cap in training batches.
    max_epochs : float or None, default None
        Cap in passes over ``X`` (a time budget); the first cap reached stops training.
    learning_rate : float, default 1e-4
    random_state : int or None, default None
        Seeds the batch order, K-Means and an autoencoder fitted here; no global generator is used.
    verbose : int, default 0
        1 prints one line per target refresh.

    Attributes
    ----------
    model_ : keras.Model
        Image -> soft assignments ``q``.
    autoencoder_ : the fitted autoencoder it started from.
    cluster_centers_ : numpy.ndarray, shape (n_clusters, latent_dim)
        The fine-tuned centroids.
    labels_ : numpy.ndarray of int
        Clusters of the training images after fine-tuning.
    n_iter_ : int
        Target refreshes run.
    n_batches_ : int
        Training batches run (what ``max_iter`` caps).
    epochs_ : float
        Passes over ``X`` run.
    delta_ : float
        The last fraction of changed assignments.
    converged_ : bool
        True if the tolerance stopped it, False if a cap did.

    References
    ----------
    J. Xie, R. Girshick and A. Farhadi. Unsupervised deep embedding for clustering
    analysis. In Proceedings of the 33rd International Conference on Machine Learning, 2016.
    """

    _networks = ("model_",)
    #: None for DEC; IDEC's weight of the reconstruction loss.
    _reconstruction_weight: float | None = None

    def __init__(
        self,
        autoencoder: Any = None,
        n_clusters: int = 10,
        init_centroids: Any = None,
        kmeans_n_init: int = 20,
        tol: float = 1e-3,
        update_interval: int = 140,
        batch_size: int = 256,
        max_iter: int | None = 20_000,
        max_epochs: float | None = None,
        learning_rate: float = 1e-4,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.autoencoder = autoencoder
        self.n_clusters = n_clusters
        self.init_centroids = init_centroids
        self.kmeans_n_init = kmeans_n_init
        self.tol = tol
        self.update_interval = update_interval
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose

    def _fitted_autoencoder(self, x: np.ndarray, seed: int) -> Any:
        autoencoder = self.autoencoder if self.autoencoder is not None else DenseAutoencoder()
        if not isinstance(getattr(autoencoder, "estimator", autoencoder), DenseAutoencoder):  # also inside a FrozenEstimator
            raise ValueError(f"autoencoder must be a DenseAutoencoder (its encoder is fine-tuned), got {type(autoencoder).__name__}")
        if hasattr(autoencoder, "model_"):
            return autoencoder
        return clone(autoencoder).set_params(random_state=seed).fit(x)

    def fit(self, X: Any, y: Any = None) -> "DEC":
        """Pretrain (unless given a fitted autoencoder), place the centroids, fine-tune; ``y`` is ignored.

        Raises
        ------
        ValueError
            For a bad parameter, ``X`` not 2-D in [0, 1], or ``init_centroids`` of the wrong shape.
        """
        if isinstance(self.n_clusters, bool) or not isinstance(self.n_clusters, (int, np.integer)) or self.n_clusters < 2:
            raise ValueError(f"n_clusters must be an integer >= 2, got {self.n_clusters!r}")
        x = check_images(X)
        seed = resolve_seed(self.random_state)
        autoencoder = self._fitted_autoencoder(x, seed)
        if self.init_centroids is None:
            codes = autoencoder.transform(x)
            centroids = KMeans(self.n_clusters, n_init=self.kmeans_n_init, random_state=seed).fit(codes).cluster_centers_
        else:
            centroids = np.asarray(self.init_centroids, dtype="float32")
            if centroids.shape[0] != self.n_clusters:
                raise ValueError(f"init_centroids must have n_clusters={self.n_clusters} rows, got shape {centroids.shape}")
        model, info = train_deep_clustering(
            autoencoder.model_, x, centroids, reconstruction_weight=self._reconstruction_weight, batch_size=self.batch_size,
            update_interval=self.update_interval, tol=self.tol, max_epochs=self.max_epochs, max_batches=self.max_iter,
            learning_rate=self.learning_rate, seed=seed, log=progress(self.verbose),
        )
        self.autoencoder_ = autoencoder
        self.model_ = model
        self.cluster_centers_ = np.asarray(model.get_layer("clustering").get_weights()[0])
        self.n_iter_, self.n_batches_, self.epochs_ = info["iterations"], info["batches"], info["epochs"]
        self.delta_, self.converged_ = info["delta"], info["converged"]
        self.labels_ = self.predict(x)
        self.n_features_in_ = x.shape[1]
        return self


class IDEC(DEC):
    """Improved DEC: DEC whose decoder keeps training, so that the codes keep describing the images.

    The loss is ``0.1 KL(p || q) + MSE(reconstruction)``, the paper's weighting
    (its gamma = 0.1); everything else, parameters and attributes included, is
    as for :class:`DEC`.

    References
    ----------
    X. Guo, L. Gao, X. Liu and J. Yin. Improved deep embedded clustering with local
    structure preservation. In Proceedings of the 26th International Joint Conference
    on Artificial Intelligence, 2017.
    """

    _reconstruction_weight = 1.0
