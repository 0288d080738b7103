"""Autoencoders as scikit-learn transformers: ``fit`` trains on images, ``transform`` gives their codes."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._seeding import check_images, resolve_seed, shifted_batches, shuffled_batches
from ..data import IMAGE_SHAPE
from .networks import build_autoencoder, build_conv_autoencoder, encoder_of
from ._base import KerasEstimator

__all__ = ["DenseAutoencoder", "ConvAutoencoder"]

#: Images per batch when encoding (a larger batch only uses more memory).
_ENCODE_BATCH = 1024


def _check_training_params(estimator: Any, integers: Sequence[str]) -> None:
    """Raise ``ValueError`` naming the first training parameter of ``estimator`` out of range."""
    for name in integers:
        value = getattr(estimator, name)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 < estimator.validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in (0, 1), got {estimator.validation_fraction!r}")
    if estimator.early_stopping_patience is not None and estimator.early_stopping_patience < 1:
        raise ValueError(f"early_stopping_patience must be None or >= 1, got {estimator.early_stopping_patience!r}")
    if not estimator.learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {estimator.learning_rate!r}")


def _validation_start(n: int, validation_fraction: float) -> int:
    """The first validation row, as Keras' ``validation_split`` places it (the last fraction of the rows)."""
    start = int(math.floor(n * (1.0 - validation_fraction)))
    if not 0 < start < n:
        raise ValueError(f"validation_fraction {validation_fraction} leaves no training or no validation rows of {n}")
    return start


class _Autoencoder(TransformerMixin, KerasEstimator):
    """Fitting, encoding and reconstruction shared by the autoencoders; subclasses build and compile the network."""

    _networks = ("model_",)

    def _build(self, n_features: int, seed: int) -> Any:
        return build_autoencoder(n_features, list(self.hidden_units), self.latent_dim, seed=seed)[0]

    def _images(self, x: Any) -> np.ndarray:
        """The array the network takes: flattened rows here."""
        return x

    def _compile(self, model: Any, steps_per_epoch: int) -> None:
        import keras

        schedule = keras.optimizers.schedules.CosineDecay(self.learning_rate, decay_steps=self.epochs * steps_per_epoch)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")

    def _fit_network(self, model: Any, x: np.ndarray, start: int, seed: int, callbacks: list[Any]) -> Any:
        images = self._images(x)
        return model.fit(
            shuffled_batches(images[:start], self.batch_size, seed), validation_data=(images[start:], images[start:]),
            validation_batch_size=self.batch_size, epochs=self.epochs, shuffle=False, callbacks=callbacks, verbose=self._keras_verbose(),
        )

    def fit(self, X: Any, y: Any = None) -> "_Autoencoder":
        """Train on the rows of ``X`` (flattened images in [0, 1]); ``y`` is ignored.

        Raises
        ------
        ValueError
            For a bad parameter, or ``X`` not 2-D in [0, 1] or too small for ``batch_size``.
        """
        import keras

        self._check_params()
        x = check_images(X, image_shape=self._image_shape())
        seed = resolve_seed(self.random_state)
        start = _validation_start(len(x), self.validation_fraction)
        if start < self.batch_size:
            raise ValueError(f"X: {start} training rows are fewer than batch_size {self.batch_size}")
        model = self._build(x.shape[1], seed)
        self._compile(model, math.ceil(start / self.batch_size))
        callbacks = []
        if self.early_stopping_patience is not None:
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.early_stopping_patience, restore_best_weights=True))
        history = self._fit_network(model, x, start, seed, callbacks)
        self.model_ = model
        self.history_ = {name: [float(v) for v in values] for name, values in history.history.items()}
        self.n_iter_ = len(self.history_["loss"])
        self.stopped_early_ = self.n_iter_ < self.epochs
        self.n_features_in_ = x.shape[1]
        return self

    def network(self, n_features: int = 784) -> Any:
        """The untrained network ``fit`` would train, with its initial weights (for ``summary()``)."""
        return self._build(n_features, resolve_seed(self.random_state))

    def _keras_verbose(self) -> int:
        return 2 if self.verbose else 0

    def _image_shape(self) -> tuple[int, int] | None:
        return None

    @property
    def encoder_(self) -> Any:
        check_is_fitted(self, "model_")
        return encoder_of(self.model_)

    def transform(self, X: Any) -> np.ndarray:
        """The codes of the rows of ``X``, shape ``(n, latent_dim)``."""
        check_is_fitted(self, "model_")
        x = check_images(X, image_shape=self._image_shape())
        return self.encoder_.predict(self._images(x), batch_size=_ENCODE_BATCH, verbose=0).reshape(len(x), -1)

    def reconstruct(self, X: Any) -> np.ndarray:
        """The autoencoder's reconstructions of the rows of ``X``, flattened like them."""
        check_is_fitted(self, "model_")
        x = check_images(X, image_shape=self._image_shape())
        return self.model_.predict(self._images(x), verbose=0).reshape(x.shape)



class DenseAutoencoder(_Autoencoder):
    """A dense autoencoder whose code is the representation: ``fit`` trains it, ``transform`` encodes.

    The encoder is ``Dense(h, relu) + BatchNorm`` per hidden layer and a linear
    ``Dense(latent_dim)`` code; the decoder mirrors the hidden layers and ends
    in a linear reconstruction (:func:`helpers.methods.networks.build_autoencoder`).
    Training minimises the mean squared reconstruction error with Adam, its
    learning rate decaying from ``learning_rate`` to 0 along a cosine over
    ``epochs``, on all rows but the last ``validation_fraction``, which give
    the validation loss (and early stopping, with ``early_stopping_patience``).
    With ``max_shift > 0`` every training image is randomly translated each
    time it is seen (the augmentation of N2D-style pipelines in this study).

    Parameters
    ----------
    hidden_units : sequence of int, default (512, 256)
    latent_dim : int, default 10
    epochs : int, default 30
    batch_size : int, default 256
    learning_rate : float, default 1e-3
    validation_fraction : float, default 0.1
    early_stopping_patience : int or None, default 10
        Epochs without a better validation loss before training stops (the
        best weights are restored); None trains every epoch.
    max_shift : float, default 0.0
        Largest random translation of a training image, as a fraction of its
        size; 0 trains on the images as they are.
    shift_target : {"shifted", "original"}, default "shifted"
        With shifts: reconstruct the shifted image or the one before the shift.
    random_state : int or None, default None
        Seeds the initial weights, the batch order and the shifts, without
        touching any global generator; the same seed gives the same network as
        ``keras.utils.set_random_seed(seed)`` followed by plain Keras code.
    verbose : int, default 0
        1 prints one line per epoch.

    Attributes
    ----------
    model_ : keras.Model
        The trained autoencoder (image -> reconstruction).
    encoder_ : keras.Model
        Its encoder (image -> code), sharing its layers.
    history_ : dict of list of float
        ``loss`` and ``val_loss`` per epoch run.
    n_iter_ : int
        Epochs run.
    stopped_early_ : bool
        Whether early stopping ended training before ``epochs``.

    References
    ----------
    G. E. Hinton and R. R. Salakhutdinov. Reducing the dimensionality of data with
    neural networks. Science, 313(5786):504-507, 2006.
    """

    def __init__(
        self,
        hidden_units: Sequence[int] = (512, 256),
        latent_dim: int = 10,
        epochs: int = 30,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        validation_fraction: float = 0.1,
        early_stopping_patience: int | None = 10,
        max_shift: float = 0.0,
        shift_target: str = "shifted",
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.hidden_units = hidden_units
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.max_shift = max_shift
        self.shift_target = shift_target
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        _check_training_params(self, ("epochs", "batch_size", "latent_dim"))
        if isinstance(self.hidden_units, (str, bytes)) or any(
            isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in self.hidden_units
        ):
            raise ValueError(f"hidden_units must be a sequence of positive integers, got {self.hidden_units!r}")
        if not 0 <= self.max_shift < 1:
            raise ValueError(f"max_shift must be in [0, 1), got {self.max_shift!r}")
        if self.shift_target not in ("shifted", "original"):
            raise ValueError(f"shift_target must be 'shifted' or 'original', got {self.shift_target!r}")

    def _fit_network(self, model: Any, x: np.ndarray, start: int, seed: int, callbacks: list[Any]) -> Any:
        if self.max_shift <= 0:
            return super()._fit_network(model, x, start, seed, callbacks)
        training = shifted_batches(x[:start], self.batch_size, self.max_shift, seed, target=self.shift_target)
        # The validation loss is measured on unshifted images (32 at a time, Keras' default for a dataset).
        return model.fit(training, validation_data=(x[start:], x[start:]), epochs=self.epochs, shuffle=False, callbacks=callbacks, verbose=self._keras_verbose())


class ConvAutoencoder(_Autoencoder):
    """The small convolutional autoencoder of two published submissions, as a transformer.

    Encoder ``Conv2D(16) - MaxPool - Conv2D(8) - MaxPool - Conv2D(8, stride 2)``
    to a 4 x 4 x 8 code map, flattened to 128 numbers by ``transform``; the
    decoder mirrors it with up-sampling and a sigmoid output
    (:func:`helpers.methods.networks.build_conv_autoencoder`). Trained with Adam at a
    constant ``learning_rate`` on the binary cross-entropy.

    Parameters
    ----------
    image_shape : (int, int), default (28, 28)
        Height and width of the images, each row of ``X`` one flattened image.
    epochs : int, default 5
    batch_size : int, default 256
    learning_rate : float, default 1e-3
    validation_fraction : float, default 0.1
    early_stopping_patience : int or None, default 3
    random_state : int or None, default None
        As for :class:`DenseAutoencoder`.
    verbose : int, default 0

    Attributes
    ----------
    model_, encoder_, history_, n_iter_, stopped_early_
        As for :class:`DenseAutoencoder`; ``encoder_`` outputs the code map.

    References
    ----------
    F. Chollet. Building autoencoders in Keras. The Keras Blog, 2016 (the
    convolutional example this architecture follows).
    """

    def __init__(
        self,
        image_shape: tuple[int, int] = IMAGE_SHAPE,
        epochs: int = 5,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        validation_fraction: float = 0.1,
        early_stopping_patience: int | None = 3,
        random_state: int | None = None,
        verbose: int = 0,
    ) -> None:
        self.image_shape = image_shape
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self) -> None:
        _check_training_params(self, ("epochs", "batch_size"))

    def _build(self, n_features: int, seed: int) -> Any:
        return build_conv_autoencoder(tuple(self.image_shape), seed=seed)[0]

    def _images(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(-1, *self.image_shape, 1)

    def _image_shape(self) -> tuple[int, int]:
        return tuple(self.image_shape)

    def _compile(self, model: Any, steps_per_epoch: int) -> None:
        import keras

        # Without XLA: its epochs were faster here (experiments/xla_timing.log).
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate), loss="binary_crossentropy", jit_compile=False)

    @property
    def encoder_(self) -> Any:
        check_is_fitted(self, "model_")
        return encoder_of(self.model_, code_layer="code_map")
