"""SCAN: neighbours, clustering heads trained on them, their consensus, and training clusters into a CNN."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._checks import check_neighbours
from .._seeding import seeded_initializers
from ..data import IMAGE_SHAPE, random_shifter

__all__ = [
    "nearest_neighbours", "train_neighbour_clustering", "fine_tune_clustering",
    "most_agreeing_partition", "align_runs", "matched_average",
]


def nearest_neighbours(features: np.ndarray, n_neighbors: int) -> np.ndarray:
    """Indices of each point's nearest other points (Euclidean), nearest first.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
    n_neighbors : int
        Neighbours per point, ``1 <= n_neighbors < n``.

    Returns
    -------
    numpy.ndarray of int, shape (n, n_neighbors)
        Row ``i`` never contains ``i`` itself.

    Raises
    ------
    ValueError
        If ``features`` is not 2-D or ``n_neighbors`` is out of range.
    """
    from sklearn.neighbors import NearestNeighbors

    features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D, got shape {features.shape}")
    if not 1 <= n_neighbors < len(features):
        raise ValueError(f"n_neighbors must be in [1, {len(features) - 1}], got {n_neighbors}")
    found = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(features).kneighbors(features, return_distance=False)
    # Each point is usually its own first neighbour, but duplicates can come first: drop i wherever it is.
    is_self = found == np.arange(len(features))[:, None]
    is_self[~is_self.any(axis=1), -1] = True
    return found[~is_self].reshape(len(features), n_neighbors)


def train_neighbour_clustering(
    features: np.ndarray,
    neighbours: np.ndarray,
    n_clusters: int,
    epochs: int = 30,
    entropy_weight: float = 5.0,
    hidden_units: Sequence[int] = (256, 256),
    batch_size: int = 512,
    learning_rate: float = 1e-3,
    seed: int = 0,
    log: Any = print,
) -> tuple[Any, dict[str, Any]]:
    """SCAN's clustering step on fixed features: neighbours share a cluster, clusters stay used.

    A small network (standardisation, ReLU layers, softmax over
    ``n_clusters``) is trained on batches of points ``i`` each paired with a
    random one ``j`` of its ``neighbours``, to minimise
    ``-mean log(p_i . p_j) - entropy_weight * H(mean p)`` (Van Gansbeke et
    al., 2020): the first term gives neighbours the same confident
    assignment, the second keeps the average assignment spread over all
    clusters, so that no cluster is left empty and none swallows the data.
    The neighbours may come from another representation than ``features``.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
        The network's training inputs (no labels).
    neighbours : numpy.ndarray of int, shape (n, k)
        Row ``i``: indices of points similar to point ``i``, e.g. from
        :func:`nearest_neighbours`.
    n_clusters : int
    epochs : int
        Passes over ``features``.
    entropy_weight : float
        Weight of the entropy of the mean assignment; 0 allows collapse.
    hidden_units : sequence of int
    batch_size : int
    learning_rate : float
        Adam's learning rate.
    seed : int
        Seeds the weights, the batch order and the choice of neighbours;
        no global random generator is seeded or drawn from.
    log : callable
        Receives a progress line every 5 epochs and after the last.

    Returns
    -------
    model : keras.Model
        ``features -> p`` (soft assignments, rows sum to 1); ``argmax`` gives
        the clusters. The standardisation is part of the model.
    info : dict
        ``consistency`` and ``entropy`` (of the mean assignment) in the last epoch.

    Raises
    ------
    ValueError
        For shapes that disagree, neighbour indices out of range, or
        parameters out of range.
    """
    import keras

    features = np.asarray(features, dtype="float32")
    neighbours = np.asarray(neighbours)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D, got shape {features.shape}")
    check_neighbours(neighbours, len(features))
    if n_clusters < 2 or epochs < 1 or entropy_weight < 0 or batch_size < 1 or len(features) < n_clusters:
        raise ValueError("need n_clusters >= 2, epochs >= 1, entropy_weight >= 0, batch_size >= 1 and n >= n_clusters")
    initial = seeded_initializers(seed)
    inputs = keras.Input((features.shape[1],), name="features")
    standardise = keras.layers.Normalization(name="standardise")
    standardise.adapt(features)
    hidden = standardise(inputs)
    for index, units in enumerate(hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"hidden_{index}", **next(initial))(hidden)
    outputs = keras.layers.Dense(n_clusters, activation="softmax", name="assignment", **next(initial))(hidden)
    model = keras.Model(inputs, outputs, name="neighbour_clustering")

    consistency, entropy = _train_scan_loss(
        model, features, neighbours, epochs, entropy_weight, batch_size, keras.optimizers.Adam(learning_rate),
        np.random.default_rng(seed), log, "[neighbour clustering]", log_every=5,
    )
    return model, {"consistency": consistency, "entropy": entropy}


def _train_scan_loss(
    model: Any, inputs: np.ndarray, neighbours: np.ndarray, epochs: int, entropy_weight: float, batch_size: int,
    optimizer: Any, rng: np.random.Generator, log: Any, tag: str, log_every: int, augment: Any = None,
) -> tuple[float, float]:
    """SCAN's loss, minimised over ``epochs`` passes; returns the last epoch's consistency and entropy."""
    import tensorflow as tf

    @tf.function
    def train_step(anchors, partners):
        if augment is not None:  # each view drawn afresh, so agreement must survive the augmentation
            anchors, partners = augment(anchors), augment(partners)
        with tf.GradientTape() as tape:
            p_anchor, p_partner = model(anchors, training=True), model(partners, training=True)
            consistency = -tf.reduce_mean(tf.math.log(tf.reduce_sum(p_anchor * p_partner, axis=1) + 1e-8))
            mean_assignment = tf.reduce_mean(p_anchor, axis=0)
            entropy = -tf.reduce_sum(mean_assignment * tf.math.log(mean_assignment + 1e-8))
            loss = consistency - entropy_weight * entropy
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return consistency, entropy

    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(inputs))
        totals = np.zeros(2)
        for start in range(0, len(order), batch_size):
            anchors = order[start : start + batch_size]
            partners = neighbours[anchors, rng.integers(0, neighbours.shape[1], len(anchors))]
            totals += [float(value) * len(anchors) for value in train_step(inputs[anchors], inputs[partners])]
        consistency, entropy = totals / len(order)
        if epoch % log_every == 0 or epoch == epochs:
            log(f"{tag} epoch {epoch}/{epochs}: consistency {consistency:.3f}, entropy of the mean assignment {entropy:.3f}")
    return float(consistency), float(entropy)


def fine_tune_clustering(
    encoder: Any,
    images: np.ndarray,
    neighbours: np.ndarray,
    targets: np.ndarray,
    distill_epochs: int = 2,
    scan_epochs: int = 12,
    entropy_weight: float = 5.0,
    max_shift: float = 0.1,
    batch_size: int = 512,
    learning_rate: float = 1e-4,
    seed: int = 0,
    log: Any = print,
) -> tuple[Any, dict[str, Any]]:
    """Train a clustering into an encoder itself: distil given assignments, then refine with SCAN's loss.

    A clustering found on a fixed representation (``targets``, e.g. the
    combined SCAN heads on a UMAP embedding) cannot change that
    representation. Here a copy of ``encoder`` gets a batch-normalised
    softmax layer and is trained end to end on the images: first for
    ``distill_epochs`` to reproduce ``targets`` (cross-entropy), then for
    ``scan_epochs`` on SCAN's loss (Van Gansbeke et al., 2020; see
    :func:`train_neighbour_clustering`), so that each image and one of its
    ``neighbours`` get the same confident cluster. Every view is randomly
    shifted by up to ``max_shift`` of the image size, so the clusters must
    hold wherever a garment sits. The given encoder is left unchanged.

    Parameters
    ----------
    encoder : keras.Model
        Maps a flattened image to a code, e.g. a trained autoencoder's encoder.
    images : numpy.ndarray, shape (n, 784)
        Flattened 28 x 28 training images in [0, 1] (any width if ``max_shift`` is 0).
    neighbours : numpy.ndarray of int, shape (n, k)
        Row ``i``: indices of images similar to image ``i``.
    targets : numpy.ndarray, shape (n, n_clusters)
        Soft (or one-hot) assignments of the images to distil; rows sum to 1.
    distill_epochs, scan_epochs : int
        Passes over the images for each stage (either may be 0, not both).
    entropy_weight : float
        Weight of the entropy of the mean assignment in SCAN's loss.
    max_shift : float
        In [0, 1): the largest random translation, as a fraction of the image size.
    batch_size : int
    learning_rate : float
        Adam's learning rate, in both stages (a fresh optimiser for each).
    seed : int
        Seeds the new layer's weights, the batch order, the neighbours drawn and the shifts;
        no global random generator is seeded.
    log : callable
        Receives progress lines.

    Returns
    -------
    model : keras.Model
        ``image -> p`` (soft assignments, rows sum to 1).
    info : dict
        ``cross_entropy`` (last distillation epoch; None without one),
        ``consistency`` and ``entropy`` (last SCAN epoch; None without one).

    Raises
    ------
    ValueError
        For shapes that disagree, targets that are not distributions,
        neighbour indices out of range, or parameters out of range.
    """
    import keras
    import tensorflow as tf

    images = np.asarray(images, dtype="float32")
    targets = np.asarray(targets, dtype="float32")
    neighbours = np.asarray(neighbours)
    if images.ndim != 2:
        raise ValueError(f"images must be 2-D (n, pixels), got shape {images.shape}")
    if targets.ndim != 2 or len(targets) != len(images) or targets.shape[1] < 2:
        raise ValueError(f"targets must have shape ({len(images)}, n_clusters >= 2), got {targets.shape}")
    if targets.min() < 0 or not np.allclose(targets.sum(axis=1), 1, atol=1e-3):
        raise ValueError("targets must be non-negative with rows summing to 1")
    check_neighbours(neighbours, len(images))
    if distill_epochs < 0 or scan_epochs < 0 or distill_epochs + scan_epochs < 1:
        raise ValueError(f"need epochs >= 0 and at least one in all, got {distill_epochs} and {scan_epochs}")
    if not 0 <= max_shift < 1 or entropy_weight < 0 or batch_size < 1:
        raise ValueError("need 0 <= max_shift < 1, entropy_weight >= 0 and batch_size >= 1")
    if max_shift > 0 and images.shape[1] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise ValueError(f"shifting needs images of shape (n, {IMAGE_SHAPE[0] * IMAGE_SHAPE[1]}), got {images.shape}")
    copy = keras.models.clone_model(encoder)
    copy.set_weights(encoder.get_weights())
    code = keras.layers.BatchNormalization(name="code_bn")(copy.output)
    outputs = keras.layers.Dense(targets.shape[1], activation="softmax", name="assignment", **next(seeded_initializers(seed)))(code)
    model = keras.Model(copy.input, outputs, name="fine_tuned_clustering")
    augment = random_shifter(max_shift, seed) if max_shift > 0 else None
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def distill_step(batch, target):
        if augment is not None:
            batch = augment(batch)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(target, model(batch, training=True)))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    rng = np.random.default_rng(seed)
    info: dict[str, Any] = {"cross_entropy": None, "consistency": None, "entropy": None}
    for epoch in range(1, distill_epochs + 1):
        order = rng.permutation(len(images))
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            total += float(distill_step(images[batch], targets[batch])) * len(batch)
        info["cross_entropy"] = total / len(order)
        log(f"[fine-tune] distilling, epoch {epoch}/{distill_epochs}: cross-entropy {info['cross_entropy']:.3f}")
    if scan_epochs:
        info["consistency"], info["entropy"] = _train_scan_loss(
            model, images, neighbours, scan_epochs, entropy_weight, batch_size, keras.optimizers.Adam(learning_rate),
            rng, log, "[fine-tune] SCAN loss,", log_every=4, augment=augment,
        )
    return model, info


def most_agreeing_partition(partitions: Sequence[np.ndarray]) -> tuple[int, np.ndarray]:
    """The partition that agrees most with the others, a label-free choice among runs.

    Runs of a clustering method from different random initialisations can
    disagree widely. A run that found structure the others also find agrees
    with many of them, whereas a run stuck in a poor solution often agrees
    with none, so the run with the highest mean normalised mutual information
    with all the others is kept. NMI ignores how the clusters are numbered.
    The choice follows the majority: where most runs share a poor partition,
    it keeps one of those.

    Parameters
    ----------
    partitions : sequence of numpy.ndarray, each shape (n,)
        Cluster labels of the same ``n`` points from at least two runs.

    Returns
    -------
    index : int
        Position in ``partitions`` of the most agreeing one (the first, on ties).
    mean_agreement : numpy.ndarray, shape (len(partitions),)
        Each partition's mean NMI with the others.

    Raises
    ------
    ValueError
        If there are fewer than two partitions, or they are not 1-D of one length.
    """
    from sklearn.metrics import normalized_mutual_info_score

    partitions = [np.asarray(labels) for labels in partitions]
    if len(partitions) < 2:
        raise ValueError(f"need at least two partitions to compare, got {len(partitions)}")
    if any(labels.ndim != 1 or len(labels) != len(partitions[0]) for labels in partitions):
        raise ValueError(f"partitions must be 1-D and of one length, got shapes {[labels.shape for labels in partitions]}")
    count = len(partitions)
    agreement = np.eye(count)
    for i in range(count):
        for j in range(i + 1, count):
            agreement[i, j] = agreement[j, i] = normalized_mutual_info_score(partitions[i], partitions[j])
    mean_agreement = (agreement.sum(axis=1) - 1) / (count - 1)
    return int(np.argmax(mean_agreement)), mean_agreement


def align_runs(soft_train: Sequence[np.ndarray]) -> tuple[int, np.ndarray, np.ndarray]:
    """Choose a reference among several runs and match every run's clusters to it.

    Runs of a clustering method number their clusters arbitrarily, so their
    assignments can only be combined once cluster ``k`` means the same in
    each. The reference is the run whose partition agrees most with the
    others' (:func:`most_agreeing_partition`); each run's clusters are then
    matched one-to-one to the reference's by the Hungarian method on how many
    training points the two put together. Only training points are used, so
    the result can be applied to any other set with :func:`matched_average`.

    Parameters
    ----------
    soft_train : sequence of numpy.ndarray, each shape (n_train, k)
        Each run's soft assignments (or any per-cluster scores) of the same
        training points; a point's cluster is its largest entry.

    Returns
    -------
    reference : int
        Position of the reference run (0 when there is only one run).
    mean_agreement : numpy.ndarray, shape (runs,)
        Each run's mean NMI with the others (NaN for a single run).
    permutations : numpy.ndarray of int, shape (runs, k)
        ``soft[r][:, permutations[r]]`` is run ``r`` in the reference's numbering
        (the identity for the reference itself).

    Raises
    ------
    ValueError
        If there is no run, or the runs' assignments are not of one (n, k) shape.
    """
    from scipy.optimize import linear_sum_assignment

    soft_train = [np.asarray(p, dtype=float) for p in soft_train]
    if not soft_train:
        raise ValueError("need at least one run")
    if len({p.shape for p in soft_train}) != 1 or soft_train[0].ndim != 2:
        raise ValueError(f"every run's assignments must be (n, k) of one shape, got {[p.shape for p in soft_train]}")
    n_clusters = soft_train[0].shape[1]
    hard_train = [p.argmax(axis=1) for p in soft_train]
    if len(soft_train) == 1:
        return 0, np.array([np.nan]), np.arange(n_clusters)[None]
    reference, mean_agreement = most_agreeing_partition(hard_train)
    permutations = []
    for labels in hard_train:
        overlap = np.zeros((n_clusters, n_clusters))
        np.add.at(overlap, (hard_train[reference], labels), 1)
        permutations.append(linear_sum_assignment(-overlap)[1])
    return reference, mean_agreement, np.array(permutations)


def matched_average(soft: Sequence[np.ndarray], permutations: np.ndarray) -> np.ndarray:
    """Average several runs' soft assignments in one numbering of the clusters.

    Parameters
    ----------
    soft : sequence of numpy.ndarray, each shape (n, k)
        Each run's soft assignments of the points to combine.
    permutations : numpy.ndarray of int, shape (runs, k)
        From :func:`align_runs`, in the same order of runs: ``soft[r][:, permutations[r]]``
        is run ``r`` in the reference's numbering.

    Returns
    -------
    numpy.ndarray, shape (n, k)
        The mean of the renumbered assignments (rows sum to 1 if the inputs' do).

    Raises
    ------
    ValueError
        If the runs' shapes differ, or ``permutations`` is not one permutation
        of the ``k`` clusters per run.
    """
    soft = [np.asarray(p, dtype=float) for p in soft]
    permutations = np.asarray(permutations)
    if not soft or len({p.shape for p in soft}) != 1 or soft[0].ndim != 2:
        raise ValueError(f"need at least one run, every run's assignments (n, k) of one shape, got {[p.shape for p in soft]}")
    n_clusters = soft[0].shape[1]
    if permutations.shape != (len(soft), n_clusters) or any(
        sorted(order) != list(range(n_clusters)) for order in permutations.tolist()
    ):
        raise ValueError(f"permutations must hold one permutation of {n_clusters} clusters per run, got shape {permutations.shape}")
    return np.mean([p[:, order] for p, order in zip(soft, permutations)], axis=0)
