"""Keras model builders (dense and convolutional autoencoders, the clustering CNN) and model helpers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._seeding import seeded_initializers
from ..data import IMAGE_SHAPE

__all__ = [
    "set_seed", "build_autoencoder", "build_conv_autoencoder", "build_clustering_cnn", "encoder_of",
    "describe_layers",
]


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and the Keras backend in one call.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    """
    import keras

    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    keras.utils.set_random_seed(int(seed))


def build_autoencoder(
    input_dim: int,
    hidden_units: Sequence[int],
    latent_dim: int,
    batch_norm: bool = True,
    output_activation: str = "linear",
    seed: int | None = None,
) -> tuple[Any, Any]:
    """A dense autoencoder and its encoder, with the Keras functional API.

    The encoder is ``input -> Dense(h, relu) [-> BatchNorm] ... -> Dense(latent_dim)``
    (a linear code, so K-Means and the GMM see unbounded features); the decoder
    mirrors the hidden layers (without batch normalisation). Its output is
    linear by default: with a mean-squared-error loss that gave codes K-Means
    separated better here than a sigmoid output did (see the notebook).

    Parameters
    ----------
    input_dim : int
        Number of input features (784 for flattened 28 x 28 images).
    hidden_units : sequence of int
        Width of each encoder hidden layer, outermost first; may be empty.
    latent_dim : int
        Size of the code.
    batch_norm : bool, default True
        Batch normalisation after each hidden layer of the encoder; it made the
        codes markedly easier to cluster here (see the notebook).
    output_activation : str, default "linear"
        Activation of the reconstruction layer ("sigmoid" bounds it to [0, 1]).
    seed : int, optional
        Seeds each layer's initial weights without global seeding, as
        ``keras.utils.set_random_seed(seed)`` before an unseeded build would;
        ``None`` leaves them to Keras' global generator.

    Returns
    -------
    autoencoder : keras.Model
        Maps an image to its reconstruction.
    encoder : keras.Model
        Maps an image to its code; shares its layers with ``autoencoder``.

    Raises
    ------
    ValueError
        If a size is not a positive integer.
    """
    import keras
    from keras import layers

    for name, value in [("input_dim", input_dim), ("latent_dim", latent_dim)] + [
        ("hidden_units", h) for h in hidden_units
    ]:
        if not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"{name} must hold positive integers, got {value!r}")

    initial = _initializers(seed)
    inputs = keras.Input(shape=(input_dim,), name="image")
    x = inputs
    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, activation="relu", name=f"encoder_{i}", **next(initial))(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"encoder_{i}_bn")(x)
    code = layers.Dense(latent_dim, name="code", **next(initial))(x)
    x = code
    for i, units in enumerate(reversed(hidden_units), start=1):
        x = layers.Dense(units, activation="relu", name=f"decoder_{i}", **next(initial))(x)
    outputs = layers.Dense(input_dim, activation=output_activation, name="reconstruction", **next(initial))(x)
    autoencoder = keras.Model(inputs, outputs, name="autoencoder")
    encoder = keras.Model(inputs, code, name="encoder")
    return autoencoder, encoder


def _check_image_shape(image_shape: tuple[int, int]) -> None:
    """Raise ``ValueError`` unless ``image_shape`` is two integers of at least 8 (two poolings need room)."""
    if len(image_shape) != 2 or any(not isinstance(d, (int, np.integer)) or d < 8 for d in image_shape):
        raise ValueError(f"image_shape must be two integers >= 8, got {image_shape!r}")


def _initializers(seed: int | None) -> Iterator[dict[str, Any]]:
    """Layer keyword arguments for seeded initial weights (see :func:`helpers._seeding.seeded_initializers`), or none."""
    return seeded_initializers(seed) if seed is not None else itertools.repeat({})


def build_conv_autoencoder(image_shape: tuple[int, int] = IMAGE_SHAPE, seed: int | None = None) -> tuple[Any, Any]:
    """The small convolutional autoencoder two published submissions used.

    Encoder: Conv2D(16, 3x3) - MaxPool - Conv2D(8, 3x3) - MaxPool -
    Conv2D(8, 3x3, stride 2), giving a 4 x 4 x 8 code for 28 x 28 images,
    flattened to 128 numbers for clustering. The decoder mirrors it with
    UpSampling2D and ends in a sigmoid; 4,385 parameters in all.

    Parameters
    ----------
    image_shape : (int, int)
        Height and width of the grey-scale input images.
    seed : int, optional
        Seeds the initial weights, as for :func:`build_autoencoder`.

    Returns
    -------
    autoencoder : keras.Model
        Maps an image of shape ``(*image_shape, 1)`` to its reconstruction.
    encoder : keras.Model
        Maps an image to its flattened code.
    """
    import keras
    from keras import layers

    _check_image_shape(image_shape)
    initial = _initializers(seed)
    inputs = keras.Input(shape=(*image_shape, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", padding="same", name="encoder_conv_1", **next(initial))(inputs)
    x = layers.MaxPooling2D(2, padding="same", name="encoder_pool_1")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="encoder_conv_2", **next(initial))(x)
    x = layers.MaxPooling2D(2, padding="same", name="encoder_pool_2")(x)
    code_map = layers.Conv2D(8, 3, strides=2, activation="relu", padding="same", name="code_map", **next(initial))(x)
    code = layers.Flatten(name="code")(code_map)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="decoder_conv_1", **next(initial))(code_map)
    x = layers.UpSampling2D(2, name="decoder_up_1")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="decoder_conv_2", **next(initial))(x)
    x = layers.UpSampling2D(2, name="decoder_up_2")(x)
    # A 'valid' convolution here turns 16 x 16 into 14 x 14, so the last upsampling gives 28 x 28.
    x = layers.Conv2D(16, 3, activation="relu", name="decoder_conv_3", **next(initial))(x)
    x = layers.UpSampling2D(2, name="decoder_up_3")(x)
    outputs = layers.Conv2D(1, 3, activation="sigmoid", padding="same", name="reconstruction", **next(initial))(x)
    return keras.Model(inputs, outputs, name="conv_autoencoder"), keras.Model(inputs, code, name="conv_encoder")


def build_clustering_cnn(code_size: int, image_shape: tuple[int, int] = IMAGE_SHAPE, seed: int = 0) -> Any:
    """A small convolutional encoder of flattened images, to train a clustering into from a random start.

    ``flattened image -> 28 x 28 x 1 -> Conv2D(32, 3x3, stride 2) ->
    Conv2D(64, 3x3, stride 2) -> Dense(128) -> Dense(code_size)`` (ReLU,
    linear code), for :func:`fine_tune_clustering`, which takes images as
    flattened vectors. It is not pretrained: its convolutions see a garment
    wherever it sits, which the dense encoder must learn from shifted
    examples.

    Parameters
    ----------
    code_size : int
        Width of the output code.
    image_shape : (int, int)
        Height and width of the grey-scale images (the input is their product).
    seed : int
        Seeds each layer's initial weights, so equal seeds give equal networks.

    Returns
    -------
    keras.Model
        ``(n, height * width) -> (n, code_size)``, its last layer named "code".

    Raises
    ------
    ValueError
        If ``code_size`` or ``seed`` is not a non-negative integer (code_size positive) or the image is under 8 x 8.
    """
    import keras
    from keras import layers

    if not isinstance(code_size, (int, np.integer)) or code_size < 1:
        raise ValueError(f"code_size must be a positive integer, got {code_size!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    _check_image_shape(image_shape)
    seeds = iter(range(int(seed) * 10, int(seed) * 10 + 4))

    def initial() -> dict[str, Any]:
        return {"kernel_initializer": keras.initializers.GlorotUniform(seed=next(seeds))}

    inputs = keras.Input(shape=(image_shape[0] * image_shape[1],), name="image")
    x = layers.Reshape((*image_shape, 1), name="image_2d")(inputs)
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="conv_1", **initial())(x)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv_2", **initial())(x)
    x = layers.Dense(128, activation="relu", name="hidden", **initial())(layers.Flatten(name="flatten")(x))
    code = layers.Dense(code_size, name="code", **initial())(x)
    return keras.Model(inputs, code, name="clustering_cnn")


def encoder_of(autoencoder: Any, code_layer: str = "code") -> Any:
    """The encoder inside an autoencoder: its input up to the layer ``code_layer``.

    The encoder shares the autoencoder's layers (training one trains the
    other), also for an autoencoder reloaded from a file.
    """
    import keras

    return keras.Model(autoencoder.input, autoencoder.get_layer(code_layer).output, name="encoder")


def describe_layers(model: Any) -> list[dict[str, Any]]:
    """Name, type, output shape and parameter count of each layer of a Keras model.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of dict
        ``{"name", "type", "output_shape", "params"}`` per layer, in order;
        ``output_shape`` omits the batch dimension.
    """
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else ()
        rows.append(
            {
                "name": layer.name,
                "type": type(layer).__name__,
                "output_shape": [int(d) for d in tuple(shape)[1:]],
                "params": int(layer.count_params()),
            }
        )
    return rows
