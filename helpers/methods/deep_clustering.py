"""DEC and IDEC (a clustering layer on an autoencoder) and the UMAP step of N2D."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .n2d import UMAPEmbedding

__all__ = [
    "student_t_assignments", "target_distribution", "clustering_layer", "train_deep_clustering",
    "fit_umap_embedding",
]


def student_t_assignments(codes: np.ndarray, centroids: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """DEC's soft assignments: a Student's t kernel between codes and centroids.

    ``q[i, j]`` is proportional to ``(1 + |z_i - mu_j|^2 / alpha) ** (-(alpha + 1) / 2)``,
    normalised over the clusters ``j`` (Xie et al., 2016, eq. 1).

    Parameters
    ----------
    codes : numpy.ndarray, shape (n, d)
    centroids : numpy.ndarray, shape (k, d)
    alpha : float, default 1.0
        Degrees of freedom of the kernel.

    Returns
    -------
    numpy.ndarray, shape (n, k)
        Rows sum to 1.

    Raises
    ------
    ValueError
        If the widths differ or alpha is not positive.
    """
    codes, centroids = np.asarray(codes, dtype=np.float64), np.asarray(centroids, dtype=np.float64)
    if codes.ndim != 2 or centroids.ndim != 2 or codes.shape[1] != centroids.shape[1]:
        raise ValueError(f"codes and centroids must be 2-D with equal widths, got {codes.shape}, {centroids.shape}")
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    squared = ((codes[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    kernel = (1.0 + squared / alpha) ** (-(alpha + 1.0) / 2.0)
    return kernel / kernel.sum(axis=1, keepdims=True)


def target_distribution(q: np.ndarray) -> np.ndarray:
    """DEC's sharpened target: ``p_ij = (q_ij^2 / f_j) / sum_j' (q_ij'^2 / f_j')``.

    Squaring emphasises confident assignments; dividing by the cluster
    frequencies ``f_j = sum_i q_ij`` keeps large clusters from absorbing the
    rest (Xie et al., 2016, eq. 3).

    Parameters
    ----------
    q : numpy.ndarray, shape (n, k)
        Soft assignments, non-negative, rows summing to 1.

    Returns
    -------
    numpy.ndarray, shape (n, k)

    Raises
    ------
    ValueError
        If ``q`` is not 2-D or has negative entries.
    """
    q = np.asarray(q, dtype=np.float64)
    if q.ndim != 2 or (q < 0).any():
        raise ValueError("q must be a 2-D array of non-negative assignments")
    weight = q**2 / q.sum(axis=0)
    return weight / weight.sum(axis=1, keepdims=True)


def clustering_layer(n_clusters: int, initial_centroids: np.ndarray | None = None, alpha: float = 1.0, name: str = "clustering") -> Any:
    """A Keras layer mapping codes to DEC's soft assignments (see :func:`student_t_assignments`).

    Its only weights are the centroids (shape ``(n_clusters, code width)``),
    trained with the rest of the network.

    Parameters
    ----------
    n_clusters : int
    initial_centroids : numpy.ndarray, shape (n_clusters, d), optional
        E.g. K-Means' centres on the codes; random otherwise.
    alpha : float, default 1.0
    name : str

    Returns
    -------
    keras.layers.Layer
    """
    if not isinstance(n_clusters, (int, np.integer)) or n_clusters < 2:
        raise ValueError(f"n_clusters must be an integer >= 2, got {n_clusters!r}")
    if initial_centroids is not None and np.shape(initial_centroids)[0] != n_clusters:
        raise ValueError(f"initial_centroids must have {n_clusters} rows, got shape {np.shape(initial_centroids)}")
    return clustering_layer_class()(n_clusters, initial_centroids, alpha, name=name)


@functools.cache
def clustering_layer_class() -> Any:
    """The layer class, defined on first use (once) so that importing helpers needs no Keras."""
    import keras
    from keras import ops

    class ClusteringLayer(keras.layers.Layer):
        def __init__(self, n_clusters: int, initial_centroids: Any = None, alpha: float = 1.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.n_clusters, self.alpha = int(n_clusters), float(alpha)
            self.initial_centroids = None if initial_centroids is None else np.asarray(initial_centroids, "float32")

        def build(self, input_shape: Any) -> None:
            initializer = (
                "glorot_uniform" if self.initial_centroids is None
                else keras.initializers.Constant(self.initial_centroids)
            )
            self.centroids = self.add_weight(
                shape=(self.n_clusters, int(input_shape[-1])), initializer=initializer, name="centroids"
            )

        def call(self, codes: Any) -> Any:
            squared = ops.sum(ops.square(ops.expand_dims(codes, 1) - self.centroids), axis=2)
            kernel = ops.power(1.0 + squared / self.alpha, -(self.alpha + 1.0) / 2.0)
            return kernel / ops.sum(kernel, axis=1, keepdims=True)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "n_clusters": self.n_clusters, "alpha": self.alpha}

    return ClusteringLayer


def train_deep_clustering(
    autoencoder: Any,
    x: np.ndarray,
    initial_centroids: np.ndarray,
    reconstruction_weight: float | None = None,
    code_layer: str = "code",
    batch_size: int = 256,
    update_interval: int = 140,
    tol: float = 1e-3,
    max_epochs: float | None = 20,
    learning_rate: float = 1e-4,
    seed: int = 0,
    log: Any = print,
    max_batches: int | None = None,
) -> tuple[Any, dict[str, Any]]:
    """DEC, or IDEC, fine-tuning of a copy of a pretrained autoencoder's encoder.

    A :func:`clustering_layer` on the codes gives soft assignments ``q``.
    Every ``update_interval`` batches ``q`` is recomputed for all of ``x``
    and the target ``p`` (:func:`target_distribution`) refreshed; between
    refreshes the encoder and the centroids minimise ``KL(p || q)`` (DEC, Xie
    et al., 2016). With a ``reconstruction_weight`` the decoder is trained
    too and the loss is ``0.1 KL + weight * MSE`` (IDEC, Guo et al., 2017), so
    that the codes keep describing the images. Training stops when fewer than
    ``tol`` of the hard assignments changed between two refreshes, or at the
    first refresh reaching ``max_epochs`` passes over ``x`` or ``max_batches``
    batches. The autoencoder passed in is not changed.

    Parameters
    ----------
    autoencoder : keras.Model
        Pretrained; its layer ``code_layer`` outputs the codes.
    x : numpy.ndarray, shape (n, ...)
        Training inputs (no labels).
    initial_centroids : numpy.ndarray, shape (k, d)
        Starting centroids, e.g. K-Means' on the codes of ``x``.
    reconstruction_weight : float, optional
        None for DEC; the weight of the reconstruction loss for IDEC.
    code_layer : str
    batch_size, update_interval : int
    tol : float
        Fraction of changed assignments below which training stops.
    max_epochs : float, optional
        Cap in passes over ``x`` (None: no such cap).
    learning_rate : float
        Adam's learning rate.
    seed : int
        Seeds the order of the training batches.
    log : callable
        Receives one progress line per target refresh.
    max_batches : int, optional
        Cap in training batches (None: no such cap); at least one cap must be given.

    Returns
    -------
    model : keras.Model
        ``x -> q`` (soft assignments, rows sum to 1); ``argmax`` gives the clusters.
    info : dict
        ``iterations`` (target refreshes), ``batches`` (training batches), ``epochs`` (passes over ``x``),
        ``delta`` (the last fraction of changed assignments), ``converged``.

    Raises
    ------
    ValueError
        For sizes that make no sense or centroids not matching the code width.
    """
    import keras

    initial_centroids = np.asarray(initial_centroids, dtype="float32")
    if len(x) < batch_size or update_interval < 1 or not 0 <= tol < 1:
        raise ValueError("need len(x) >= batch_size, update_interval >= 1 and 0 <= tol < 1")
    if (max_epochs is None and max_batches is None) or (max_epochs is not None and max_epochs <= 0) or (max_batches is not None and max_batches < 1):
        raise ValueError(f"need max_epochs > 0 or max_batches >= 1 (at least one), got {max_epochs!r} and {max_batches!r}")
    if reconstruction_weight is not None and reconstruction_weight < 0:
        raise ValueError(f"reconstruction_weight must be >= 0, got {reconstruction_weight}")
    network = keras.models.clone_model(autoencoder)
    network.set_weights(autoencoder.get_weights())
    codes = network.get_layer(code_layer).output
    if initial_centroids.ndim != 2 or initial_centroids.shape[1] != codes.shape[-1]:
        raise ValueError(f"initial_centroids must have shape (k, {codes.shape[-1]}), got {initial_centroids.shape}")
    q_output = clustering_layer(len(initial_centroids), initial_centroids)(codes)
    assignment_model = keras.Model(network.input, q_output, name="dec" if reconstruction_weight is None else "idec")
    if reconstruction_weight is None:
        model = assignment_model
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="kl_divergence")
    else:
        model = keras.Model(network.input, [q_output, network.output], name="idec_training")
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=["kl_divergence", "mse"],
            loss_weights=[0.1, reconstruction_weight],
        )
    rng = np.random.default_rng(seed)
    chunk = update_interval * batch_size
    # Each refresh trains on one chunk of rows, or on all of them when there are fewer.
    rows_per_refresh = min(chunk, len(x))
    caps = []
    if max_epochs is not None:
        caps.append(int(np.ceil(max_epochs * len(x) / rows_per_refresh)))
    if max_batches is not None:
        caps.append(int(np.ceil(max_batches / math.ceil(rows_per_refresh / batch_size))))
    max_iterations = max(1, min(caps))
    order, position = rng.permutation(len(x)), 0
    q = assignment_model.predict(x, batch_size=1024, verbose=0)
    previous = q.argmax(axis=1)
    delta, iteration = 1.0, 0
    for iteration in range(1, max_iterations + 1):
        p = target_distribution(q).astype("float32")
        if position + chunk > len(order):
            order, position = rng.permutation(len(x)), 0
        batch = order[position : position + chunk]
        position += chunk
        targets = p[batch] if reconstruction_weight is None else [p[batch], x[batch]]
        model.fit(x[batch], targets, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
        q = assignment_model.predict(x, batch_size=1024, verbose=0)
        current = q.argmax(axis=1)
        delta = float(np.mean(current != previous))
        previous = current
        log(f"[{assignment_model.name}] refresh {iteration}/{max_iterations}: {delta:.2%} of assignments changed")
        if delta < tol:
            break
    info = {
        "iterations": iteration, "batches": iteration * math.ceil(rows_per_refresh / batch_size),
        "epochs": iteration * rows_per_refresh / len(x), "delta": delta, "converged": delta < tol,
    }
    return assignment_model, info


def fit_umap_embedding(
    train_features: np.ndarray, test_features: np.ndarray, *, n_neighbors: int, n_components: int, seed: int, min_dist: float = 0.0
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """UMAP fitted on the training features, then applied to the test features (the N2D manifold step, as arrays).

    Seeded, so that a rerun gives the same embedding; umap-learn then runs on
    one thread. Returns its result in the shape :meth:`ArtifactCache.fetch`
    expects of ``train``, so it can be cached or run with
    :meth:`ArtifactCache.fetch_in_background`.

    Parameters
    ----------
    train_features, test_features : numpy.ndarray, shape (n, d) and (m, d)
    n_neighbors : int
        UMAP's neighbourhood size, at least 2.
    n_components : int
        Dimension of the embedding, at least 1.
    seed : int
    min_dist : float, default 0.0
        0 packs the points of a cluster tightly, which suits clustering.

    Returns
    -------
    objects : dict
        ``{"train": (n, n_components) array, "test": (m, n_components) array}``.
    info : dict
        Empty; the cache adds the fit time.

    Raises
    ------
    ValueError
        If the features are not 2-D with the same number of columns, or a
        setting is out of range.
    """
    train_features, test_features = np.asarray(train_features), np.asarray(test_features)
    if train_features.ndim != 2 or test_features.ndim != 2 or train_features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features must be 2-D with equal widths, got {train_features.shape} and {test_features.shape}")
    if not 2 <= n_neighbors < len(train_features) or n_components < 1:
        raise ValueError(f"need 2 <= n_neighbors < {len(train_features)} and n_components >= 1, got {n_neighbors}, {n_components}")
    embedding = UMAPEmbedding(n_neighbors, n_components, min_dist, random_state=seed).fit(train_features)
    return {"train": embedding.embedding_, "test": embedding.transform(test_features)}, {}
