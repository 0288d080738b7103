"""What the Keras-trained methods share: seeds drawn from ``random_state`` and seeded input pipelines.

Nothing here touches a global random generator. The seeds and shuffles are
those Keras and ``tf.data`` use after ``keras.utils.set_random_seed(seed)``,
so an estimator given ``random_state=seed`` trains exactly the model that
globally seeded code trained before.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

#: The largest seed TensorFlow takes; a (0, 0) seed pair means "unseeded" to its kernels.
_MAX_INT32 = 2**31 - 1


def resolve_seed(random_state: int | None) -> int:
    """An int seed from ``random_state``: itself, or a fresh one drawn from the operating system for ``None``.

    Raises
    ------
    ValueError
        If ``random_state`` is neither ``None`` nor a non-negative integer.
    """
    if random_state is None:
        return int(np.random.default_rng().integers(_MAX_INT32))
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) or random_state < 0:
        raise ValueError(f"random_state must be None or a non-negative integer, got {random_state!r}")
    return int(random_state)


def keras_default_seeds(seed: int) -> Iterator[int]:
    """The seeds Keras would give successive unseeded initialisers after ``set_random_seed(seed)``.

    Keras draws each default seed as ``randint(1, 10**9)`` of Python's global
    generator; here the draws come from a private ``random.Random(seed)``.
    """
    draws = random.Random(seed)
    while True:
        yield draws.randint(1, 10**9)


def seeded_initializers(seed: int) -> Iterator[dict[str, Any]]:
    """Keyword arguments that give successive layers seeded Glorot-uniform kernels (see :func:`keras_default_seeds`)."""
    import keras

    for kernel_seed in keras_default_seeds(seed):
        yield {"kernel_initializer": keras.initializers.GlorotUniform(seed=kernel_seed)}


def _seed_pair(seed: int, op_seed: int) -> tuple[int, int]:
    """TensorFlow's (graph seed, op seed) pair, with (0, 0) avoided as TensorFlow avoids it."""
    return (seed, op_seed) if (seed, op_seed) != (0, 0) else (0, _MAX_INT32)


def shuffled_batches(x: np.ndarray, batch_size: int, seed: int) -> Any:
    """``(x, x)`` batches of a seeded permutation of ``x``, for ``Model.fit``.

    The same pipeline Keras builds for ``fit(x, x, shuffle=True)``: one
    ``RandomShuffle`` of the row indices, seeded as Keras' is under a global
    seed ``seed``, then batches gathered from ``x``.
    """
    import tensorflow as tf

    n = len(x)
    graph_seed, op_seed = _seed_pair(seed, 0)

    def permutation(_: Any) -> Any:
        return tf.raw_ops.RandomShuffle(value=tf.range(n, dtype=tf.int64), seed=graph_seed, seed2=op_seed)

    def batches(indices: Any) -> Any:
        return tf.data.Dataset.from_tensor_slices(indices).batch(batch_size)

    indices = tf.data.Dataset.range(1).map(permutation).prefetch(1).flat_map(batches)
    data = tf.data.Dataset.zip((indices, tf.data.Dataset.from_tensors(x).repeat()))
    data = data.map(lambda i, images: (tf.gather(images, i), tf.gather(images, i)), num_parallel_calls=tf.data.AUTOTUNE)
    return data.apply(tf.data.experimental.assert_cardinality(math.ceil(n / batch_size))).prefetch(tf.data.AUTOTUNE)


def shifted_batches(x: np.ndarray, batch_size: int, max_shift: float, seed: int, target: str = "shifted") -> Any:
    """Batches of randomly shifted images, reshuffled every epoch, for autoencoder training.

    The pipeline of :func:`helpers.data.random_shift_dataset`, its shuffle
    seeded as ``tf.data`` seeds it under a global seed ``seed``.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, 784)
    batch_size : int
    max_shift : float
        Largest translation, as a fraction of the image size.
    seed : int
    target : {"shifted", "original"}
        What the autoencoder reconstructs: the shifted image or the image before the shift.
    """
    import tensorflow as tf

    from .data import random_shifter

    if target not in ("shifted", "original"):
        raise ValueError(f"target must be 'shifted' or 'original', got {target!r}")
    shift = random_shifter(max_shift, seed)
    images = tf.data.Dataset.from_tensor_slices(x)
    graph_seed, op_seed = _seed_pair(seed, seed)
    shuffled = tf.raw_ops.ShuffleDatasetV3(
        input_dataset=tf.data.experimental.to_variant(images), buffer_size=tf.constant(len(x), tf.int64),
        seed=graph_seed, seed2=op_seed, seed_generator=tf.raw_ops.DummySeedGenerator(), reshuffle_each_iteration=True,
        output_types=[tf.float32], output_shapes=[tf.TensorShape(x.shape[1:])],
    )

    def augment(batch: Any) -> tuple[Any, Any]:
        flat = shift(batch)
        return flat, (flat if target == "shifted" else batch)

    data = tf.data.experimental.from_variant(shuffled, images.element_spec).batch(batch_size)
    return data.map(augment).prefetch(2)


def check_images(x: Any, name: str = "X", image_shape: tuple[int, int] | None = None) -> np.ndarray:
    """``x`` as a float32 array of flattened images with values in [0, 1].

    Raises
    ------
    ValueError
        If ``x`` is not 2-D, is empty, has other than ``prod(image_shape)``
        columns (when given), or holds values outside [0, 1].
    """
    x = np.asarray(x, dtype="float32")
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (one flattened image per row), got shape {x.shape}")
    if image_shape is not None and x.shape[1] != image_shape[0] * image_shape[1]:
        raise ValueError(f"{name} must have {image_shape[0] * image_shape[1]} columns ({image_shape[0]} x {image_shape[1]} images), got {x.shape[1]}")
    if not np.isfinite(x).all() or x.min() < 0 or x.max() > 1:
        raise ValueError(f"{name} must hold pixel values in [0, 1]: divide 8-bit images by 255")
    return x


def progress(verbose: int) -> Any:
    """The log function of a training loop: ``print`` when ``verbose``, else silence."""
    return print if verbose else (lambda line: None)

