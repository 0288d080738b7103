"""SCAN's clustering loss on a neighbour graph: an ensemble of heads, and a CNN trained on a teacher's clusters."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import ClusterMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._seeding import check_images, progress, resolve_seed
from .networks import build_clustering_cnn, encoder_of
from .scan_training import align_runs, fine_tune_clustering, matched_average, nearest_neighbours, train_neighbour_clustering
from .._estimators import ClusterSpaceMixin
from ._base import KerasEstimator, SoftAssignmentMixin

__all__ = ["SCANHeads", "ClusteringCNN"]

_PREDICT_BATCH = 4096

def _check_features(X: Any) -> np.ndarray:
    x = np.asarray(X, dtype="float32")
    if x.ndim != 2 or len(x) < 2 or not np.isfinite(x).all():
        raise ValueError(f"X must be a finite 2-D array of at least two rows, got shape {x.shape}")
    return x


def _neighbours(neighbors: Any, x: np.ndarray, n_neighbors: int) -> np.ndarray:
    """The given neighbour graph, or the ``n_neighbors`` nearest rows of ``x`` by Euclidean distance."""
    return nearest_neighbours(x, n_neighbors) if neighbors is None else np.asarray(neighbors)


class SCANHeads(ClusterMixin, KerasEstimator):
    """Several clustering heads trained with SCAN's loss, combined into their consensus.

    Each head is a small dense network trained so that every point and its
    neighbours share a cluster, with an entropy term against collapse
    (:func:`helpers.methods.scan_training.train_neighbour_clustering`). Heads number their
    clusters arbitrarily: the one agreeing most with the others (mean NMI on
    the training points) is the reference, the others' clusters are matched to
    its clusters, and the matched soft assignments are averaged.

    Parameters
    ----------
    n_clusters : int, default 10
    n_heads : int, default 3
    n_neighbors : int, default 20
        Neighbours per point when ``fit`` is given no ``neighbors``.
    epochs : int, default 30
    entropy_weight : float, default 5.0
        The paper's weight of the entropy term.
    hidden_units : sequence of int, default (256, 256)
    batch_size : int, default 512
    learning_rate : float, default 1e-3
    random_state : int or None, default None
        Head ``h`` is seeded by ``100 * random_state + h``; no global generator is used.
    verbose : int, default 0

    Attributes
    ----------
    heads_ : list of keras.Model
    head_seeds_ : list of int
    reference_head_ : int
        The head whose numbering the consensus uses.
    mean_agreement_ : numpy.ndarray
        Each head's mean NMI with the others on the training points.
    permutations_ : numpy.ndarray of int, shape (n_heads, n_clusters)
    train_consensus_ : numpy.ndarray, shape (n, n_clusters)
        The consensus on the training points.
    labels_ : numpy.ndarray of int
        Its clusters.
    n_iter_ : int
        Epochs each head was trained.

    References
    ----------
    W. Van Gansbeke, S. Vandenhende, S. Georgoulis, M. Proesmans and L. Van Gool. SCAN:
    Learning to classify images without labels. In Proceedings of the European Conference
    on Computer Vision, 2020.
    """

    _networks = ("heads_",)

    def __init__(
        self,
        n_clusters: int = 10,
        n_heads: int = 3,
        n_neighbors: int = 20,
        epochs: int = 30,
        entropy_weight: float = 5.0,
        hidden_units: Sequence[int] = (256, 256),
        batch_size: int = 512,
        learning_rate: float = 1e-3,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.n_clusters = n_clusters
        self.n_heads = n_heads
        self.n_neighbors = n_neighbors
        self.epochs = epochs
        self.entropy_weight = entropy_weight
        self.hidden_units = hidden_units
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None, neighbors: Any = None) -> "SCANHeads":
        """Train the heads on the rows of ``X`` and combine them; ``y`` is ignored.

        Parameters
        ----------
        X : array of shape (n, d)
            The features the heads cluster.
        y : ignored
        neighbors : array of int, shape (n, k), optional
            Row ``i``: points that should share point ``i``'s cluster (e.g. its
            nearest neighbours in another space); None: the ``n_neighbors``
            nearest rows of ``X``.

        Raises
        ------
        ValueError
            For a bad parameter, ``X`` not 2-D, or a neighbour graph not matching ``X``.
        """
        if isinstance(self.n_heads, bool) or not isinstance(self.n_heads, (int, np.integer)) or self.n_heads < 1:
            raise ValueError(f"n_heads must be a positive integer, got {self.n_heads!r}")
        x = _check_features(X)
        graph = _neighbours(neighbors, x, self.n_neighbors)
        seed = resolve_seed(self.random_state)
        self.head_seeds_ = [seed * 100 + head for head in range(self.n_heads)]
        self.heads_ = [
            train_neighbour_clustering(
                x, graph, self.n_clusters, epochs=self.epochs, entropy_weight=self.entropy_weight, hidden_units=list(self.hidden_units),
                batch_size=self.batch_size, learning_rate=self.learning_rate, seed=head_seed, log=progress(self.verbose),
            )[0]
            for head_seed in self.head_seeds_
        ]
        # Both steps see the training points only: the heads' partitions of them, and how their clusters overlap.
        soft_train = self._head_assignments(x)
        self.reference_head_, self.mean_agreement_, self.permutations_ = align_runs(soft_train)
        self.train_consensus_ = matched_average(soft_train, self.permutations_)
        self.labels_ = self.train_consensus_.argmax(axis=1)
        self.n_iter_ = self.epochs
        self.n_features_in_ = x.shape[1]
        return self

    def _head_assignments(self, x: np.ndarray) -> list[np.ndarray]:
        return [head.predict(x, batch_size=_PREDICT_BATCH, verbose=0) for head in self.heads_]

    def head_probabilities(self, X: Any) -> list[np.ndarray]:
        """Each head's soft assignments of the rows of ``X``, in its own numbering."""
        check_is_fitted(self, "heads_")
        return self._head_assignments(_check_features(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The heads' matched average for the rows of ``X``."""
        return matched_average(self.head_probabilities(X), self.permutations_)

    def predict(self, X: Any) -> np.ndarray:
        """The consensus cluster of each row of ``X``."""
        return self.predict_proba(X).argmax(axis=1)


class ClusteringCNN(SoftAssignmentMixin, ClusterSpaceMixin, TransformerMixin, KerasEstimator):
    """A small CNN trained on the pixels towards a teacher's clusters, then with SCAN's loss on shifted images.

    First the network is distilled towards the teacher's soft assignments
    (``targets``, cross-entropy, ``distill_epochs``), then trained with SCAN's
    loss on the neighbour graph (``scan_epochs``), every image randomly shifted
    by up to ``max_shift`` of its size (:func:`helpers.methods.scan_training.fine_tune_clustering`).

    Parameters
    ----------
    code_size : int, default 10
        Width of the CNN's code, under the softmax head.
    distill_epochs : int, default 2
    scan_epochs : int, default 12
    entropy_weight : float, default 5.0
    max_shift : float, default 0.1
    batch_size : int, default 512
    learning_rate : float or None, default None
        Adam's learning rate; None: 1e-3 for a new CNN, 1e-4 with a ``warm_start``.
    n_neighbors : int, default 20
        Neighbours per image (in pixel space) when ``fit`` is given no ``neighbors``.
    teacher : fitted clusterer, optional
        Gives the targets when ``fit`` is given none: its soft assignments of the
        training images (``train_consensus_``, as :class:`SCANHeads` has) or
        else its ``labels_`` one-hot.
    warm_start : ClusteringCNN, optional
        A fitted one whose encoder (a copy) this one continues from; None: a new
        CNN (:func:`helpers.methods.networks.build_clustering_cnn`) seeded by ``random_state``.
        Wrap it, and a fitted ``teacher``, in ``sklearn.frozen.FrozenEstimator`` to keep them through ``clone``.
    random_state : int or None, default None
        Seeds the new CNN, the head, the batch order and the shifts; no global generator is used.
    verbose : int, default 0

    Attributes
    ----------
    model_ : keras.Model
        Image -> soft assignments.
    n_iter_ : int
        Epochs run (distillation and SCAN's loss).
    cross_entropy_, consistency_, entropy_ : float or None
        The last epoch's losses (None for a stage that did not run).

    References
    ----------
    W. Van Gansbeke, S. Vandenhende, S. Georgoulis, M. Proesmans and L. Van Gool. SCAN:
    Learning to classify images without labels. In Proceedings of the European Conference
    on Computer Vision, 2020.
    """

    _networks = ("model_",)
    _predict_batch = _PREDICT_BATCH

    def __init__(
        self,
        code_size: int = 10,
        distill_epochs: int = 2,
        scan_epochs: int = 12,
        entropy_weight: float = 5.0,
        max_shift: float = 0.1,
        batch_size: int = 512,
        learning_rate: float | None = None,
        n_neighbors: int = 20,
        teacher: Any = None,
        warm_start: Any = None,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.code_size = code_size
        self.distill_epochs = distill_epochs
        self.scan_epochs = scan_epochs
        self.entropy_weight = entropy_weight
        self.max_shift = max_shift
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_neighbors = n_neighbors
        self.teacher = teacher
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any = None, targets: Any = None, neighbors: Any = None) -> "ClusteringCNN":
        """Train on the images ``X`` towards ``targets``; ``y`` is ignored.

        Parameters
        ----------
        X : array of shape (n, 784)
            Flattened 28 x 28 images in [0, 1].
        y : ignored
        targets : array of shape (n, n_clusters), optional
            Soft (or one-hot) assignments of the same images to learn; None: the ``teacher``'s.
        neighbors : array of int, shape (n, k), optional
            The neighbour graph of SCAN's loss; None: the ``n_neighbors`` nearest images in pixel space.

        Raises
        ------
        ValueError
            If there are neither ``targets`` nor a ``teacher``, the targets do not match ``X``, or for a bad parameter.
        """
        x = check_images(X)
        if targets is None:
            targets = self._teacher_targets()
        targets = np.asarray(targets, dtype="float32")
        if targets.ndim != 2 or len(targets) != len(x):
            raise ValueError(f"targets must have shape ({len(x)}, n_clusters), got {targets.shape}")
        seed = resolve_seed(self.random_state)
        if self.warm_start is None:
            encoder = build_clustering_cnn(self.code_size, seed=seed)
        else:
            check_is_fitted(self.warm_start, "model_")
            encoder = encoder_of(self.warm_start.model_)
        self.model_, info = fine_tune_clustering(
            encoder, x, _neighbours(neighbors, x, self.n_neighbors), targets, distill_epochs=self.distill_epochs,
            scan_epochs=self.scan_epochs, entropy_weight=self.entropy_weight, max_shift=self.max_shift, batch_size=self.batch_size,
            learning_rate=self._learning_rate(), seed=seed, log=progress(self.verbose),
        )
        self.n_iter_ = self.distill_epochs + self.scan_epochs
        self.cross_entropy_, self.consistency_, self.entropy_ = info["cross_entropy"], info["consistency"], info["entropy"]
        self.n_features_in_ = x.shape[1]
        return self

    def _learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.warm_start is None else 1e-4  # a network that starts trained moves less

    def _teacher_targets(self) -> np.ndarray:
        if self.teacher is None:
            raise ValueError("targets: give the assignments to learn, or a fitted teacher")
        if hasattr(self.teacher, "train_consensus_"):
            return self.teacher.train_consensus_
        labels = np.asarray(self.teacher.labels_)
        return np.eye(getattr(self.teacher, "n_clusters", labels.max() + 1), dtype="float32")[labels]

    def network(self) -> Any:
        """The untrained CNN ``fit`` would start from when there is no ``warm_start`` (for ``summary()``)."""
        return build_clustering_cnn(self.code_size, seed=resolve_seed(self.random_state))

    def fit_predict(self, X: Any, y: Any = None, targets: Any = None, neighbors: Any = None) -> np.ndarray:
        """Fit, then the clusters of the same images."""
        return self.fit(X, y, targets=targets, neighbors=neighbors).predict(X)
