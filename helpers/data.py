"""Fashion-MNIST: the published files, their checksums, the verified loader and image shifts."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "CLASS_NAMES", "DATA_DIR_ENV", "DEBIAN_DATA_DIR", "FASHION_MNIST_SHA256", "IMAGE_SHAPE", "TRAIN_SIZE",
    "TEST_SIZE", "DatasetError", "idx_bytes", "read_idx", "load_fashion_mnist",
    "random_shifter", "random_shift_dataset", "VALIDATION_FRACTION", "validation_split", "flatten_images", "random_subset",
]


CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Environment variable naming a directory that holds the four IDX files.
DATA_DIR_ENV = "FASHION_MNIST_DIR"

#: Where the Debian package ``dataset-fashion-mnist`` installs the files.
DEBIAN_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")

#: SHA-256 of each *decompressed* IDX file, as published with the data set.
FASHION_MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

IMAGE_SHAPE = (28, 28)

TRAIN_SIZE = 60_000

TEST_SIZE = 10_000

# IDX magic numbers: two zero bytes, the type code 0x08 (unsigned byte),
# then the number of dimensions.
_IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}

_HOW_TO_FIX = (
    "Install the Debian package `dataset-fashion-mnist` "
    "(sudo apt-get install dataset-fashion-mnist), or set "
    f"{DATA_DIR_ENV} to a directory holding the four original files "
    "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)."
)


class DatasetError(ValueError):
    """A Fashion-MNIST file is missing, corrupt or not the published one."""


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (big-endian header, raw data).

    Parameters
    ----------
    array : numpy.ndarray
        A uint8 array of 1 dimension (labels) or 3 dimensions (images).

    Returns
    -------
    bytes
        The exact bytes of the corresponding decompressed IDX file.

    Raises
    ------
    ValueError
        If the array is not uint8 or has a dimensionality with no IDX magic.
    """
    if array.dtype != np.uint8 or array.ndim not in _IDX_MAGIC:
        raise ValueError(
            f"idx_bytes expects a uint8 array of 1 or 3 dimensions, "
            f"got {array.dtype} with shape {array.shape}"
        )
    header = np.array([_IDX_MAGIC[array.ndim], *array.shape], dtype=">u4")
    return header.tobytes() + np.ascontiguousarray(array).tobytes()


def _permission_denied(path: Path, error: PermissionError) -> DatasetError:
    """The loader's error for a file or folder this user may not read (not damage: nothing to reinstall)."""
    return DatasetError(
        f"Permission denied reading {path} ({error.strerror or error}). The file is not damaged: give this user "
        f"read access to it and to its folders (e.g. chmod a+rX), or set {DATA_DIR_ENV} to a readable copy."
    )


def _is_file(path: Path) -> bool:
    """``path.is_file()``, with a folder this user may not enter reported as a ``DatasetError``."""
    try:
        return path.is_file()
    except PermissionError as error:
        raise _permission_denied(path, error) from error


def _find_idx_file(directory: Path, name: str) -> Path:
    """Return ``directory/name.gz`` or ``directory/name``, whichever exists."""
    for candidate in (directory / f"{name}.gz", directory / name):
        if _is_file(candidate):
            return candidate
    raise DatasetError(
        f"Fashion-MNIST file not found: {directory / (name + '.gz')} "
        f"(nor an uncompressed {name}). {_HOW_TO_FIX}"
    )


def read_idx(path: str | os.PathLike, expected_sha256: str | None = None) -> np.ndarray:
    """Read one IDX file (gzip-compressed or not) and verify it.

    Parameters
    ----------
    path : str or path-like
        The file; a name ending in ``.gz`` is decompressed.
    expected_sha256 : str, optional
        SHA-256 hex digest of the decompressed content; checked when given.

    Returns
    -------
    numpy.ndarray
        uint8 array with the shape the IDX header declares.

    Raises
    ------
    DatasetError
        If the file is missing or may not be read, is a truncated or corrupt
        gzip, has a wrong magic number, its size disagrees with its header, or
        its checksum differs. The message names the file and says how to fix it.
    """
    path = Path(path)
    if not _is_file(path):
        raise DatasetError(f"Fashion-MNIST file not found: {path}. {_HOW_TO_FIX}")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                raw = stream.read()
        else:
            raw = path.read_bytes()
    except PermissionError as error:
        raise _permission_denied(path, error) from error
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{path} is not a readable gzip file (truncated or corrupt: {error}). "
            f"Delete it and reinstall or re-download it. {_HOW_TO_FIX}"
        ) from error

    if len(raw) < 8:
        raise DatasetError(f"{path} is too short ({len(raw)} bytes) to be an IDX file. {_HOW_TO_FIX}")
    magic = int.from_bytes(raw[:4], "big")
    ndim = magic & 0xFF
    if magic != _IDX_MAGIC.get(ndim):
        raise DatasetError(
            f"{path} has IDX magic number 0x{magic:08x}; expected 0x{_IDX_MAGIC[1]:08x} "
            f"(labels) or 0x{_IDX_MAGIC[3]:08x} (images). It is not a Fashion-MNIST "
            f"IDX file. {_HOW_TO_FIX}"
        )
    header_size = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) != expected_size:
        raise DatasetError(
            f"{path} holds {len(raw)} bytes but its header {shape} implies "
            f"{expected_size}: the file is truncated or padded. {_HOW_TO_FIX}"
        )
    if expected_sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise DatasetError(
                f"{path}: SHA-256 of the decompressed content is {digest}, expected "
                f"{expected_sha256}. The file is corrupt or not the published "
                f"Fashion-MNIST. {_HOW_TO_FIX}"
            )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _verify_split(images: np.ndarray, labels: np.ndarray, size: int, split: str) -> None:
    """Check shapes, dtypes and class balance of one split."""
    if images.shape != (size, *IMAGE_SHAPE) or images.dtype != np.uint8:
        raise DatasetError(
            f"{split} images: expected uint8 {(size, *IMAGE_SHAPE)}, "
            f"got {images.dtype} {images.shape}. {_HOW_TO_FIX}"
        )
    if labels.shape != (size,) or labels.dtype != np.uint8:
        raise DatasetError(
            f"{split} labels: expected uint8 ({size},), got {labels.dtype} {labels.shape}. {_HOW_TO_FIX}"
        )
    counts = np.bincount(labels, minlength=len(CLASS_NAMES))
    per_class = size // len(CLASS_NAMES)
    if len(counts) != len(CLASS_NAMES) or not np.all(counts == per_class):
        raise DatasetError(
            f"{split} labels: expected {per_class} images per class, got counts "
            f"{counts.tolist()}. {_HOW_TO_FIX}"
        )


def _load_with_keras() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Keras's own loader (downloads into the Keras cache when online)."""
    from keras.datasets import fashion_mnist

    try:
        return fashion_mnist.load_data()
    except Exception as error:  # Keras wraps network failures in a bare Exception.
        raise DatasetError(
            "No local copy of Fashion-MNIST was found (checked "
            f"${DATA_DIR_ENV} and {DEBIAN_DATA_DIR}) and Keras could not download it "
            f"({type(error).__name__}: {error}). If this machine is offline: {_HOW_TO_FIX}"
        ) from error


def load_fashion_mnist(
    data_dir: str | os.PathLike | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load and verify Fashion-MNIST, like ``keras.datasets.fashion_mnist.load_data()``.

    The files are looked for in order: ``data_dir`` if given, else the
    directory in the environment variable ``FASHION_MNIST_DIR`` if set, else
    ``/usr/share/datasets/fashion-mnist`` (Debian package
    ``dataset-fashion-mnist``) if it exists; otherwise Keras's own loader
    downloads them into the Keras cache. Whatever the source, the result is
    verified: shapes, dtypes, 6,000 (train) and 1,000 (test) images per class
    and the SHA-256 of each decompressed file.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Directory holding ``train-images-idx3-ubyte.gz`` and the three other
        files (compressed or not). Overrides the search above.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of numpy.ndarray
        uint8 images of shape (60000, 28, 28) and (10000, 28, 28) and uint8
        labels 0-9 of shape (60000,) and (10000,).

    Raises
    ------
    DatasetError
        For a missing, unreadable (permissions), truncated, corrupt or altered
        file, or when no local copy exists and the download fails; the message
        says how to fix it.
    """
    if data_dir is None and os.environ.get(DATA_DIR_ENV):
        data_dir = os.environ[DATA_DIR_ENV]
    if data_dir is None:
        try:
            if DEBIAN_DATA_DIR.is_dir():
                data_dir = DEBIAN_DATA_DIR
        except PermissionError as error:
            raise _permission_denied(DEBIAN_DATA_DIR, error) from error

    if data_dir is not None:
        directory = Path(data_dir)
        arrays = {
            name: read_idx(_find_idx_file(directory, name), sha)
            for name, sha in FASHION_MNIST_SHA256.items()
        }
    else:
        (x_train, y_train), (x_test, y_test) = _load_with_keras()
        arrays = {
            "train-images-idx3-ubyte": x_train,
            "train-labels-idx1-ubyte": y_train,
            "t10k-images-idx3-ubyte": x_test,
            "t10k-labels-idx1-ubyte": y_test,
        }
        for name, array in arrays.items():
            # Keras does not check what it downloaded; re-encode and compare.
            if array.dtype != np.uint8 or array.ndim not in _IDX_MAGIC:
                raise DatasetError(f"Keras returned {name} as {array.dtype} {array.shape}. {_HOW_TO_FIX}")
            digest = hashlib.sha256(idx_bytes(array)).hexdigest()
            if digest != FASHION_MNIST_SHA256[name]:
                raise DatasetError(
                    f"{name} from the Keras cache has SHA-256 {digest}, expected "
                    f"{FASHION_MNIST_SHA256[name]}: delete ~/.keras/datasets/fashion-mnist "
                    f"and retry. {_HOW_TO_FIX}"
                )

    x_train, y_train = arrays["train-images-idx3-ubyte"], arrays["train-labels-idx1-ubyte"]
    x_test, y_test = arrays["t10k-images-idx3-ubyte"], arrays["t10k-labels-idx1-ubyte"]
    _verify_split(x_train, y_train, TRAIN_SIZE, "train")
    _verify_split(x_test, y_test, TEST_SIZE, "test")
    return (x_train, y_train), (x_test, y_test)


#: The fraction of the training images, taken from their end, that forms the validation split.
VALIDATION_FRACTION = 0.1


def validation_split(n_train: int) -> slice:
    """The validation split: the last ``VALIDATION_FRACTION`` of ``n_train`` training images.

    The same rows as Keras's ``validation_split=VALIDATION_FRACTION`` (taken
    from the end, before shuffling), so the autoencoders' early stopping and
    the choice of settings look at the same images. They are the only images
    whose labels may judge a setting; the test images are only scored.

    Parameters
    ----------
    n_train : int
        Number of training images.

    Returns
    -------
    slice
        ``slice(start, n_train)``.

    Raises
    ------
    ValueError
        If ``n_train`` leaves an empty split or an empty rest.
    """
    import math

    start = int(math.floor(n_train * (1.0 - VALIDATION_FRACTION)))
    if not 0 < start < n_train:
        raise ValueError(f"n_train={n_train} is too small for a validation split of {VALIDATION_FRACTION}")
    return slice(start, n_train)


def random_shifter(max_shift: float, seed: int) -> Callable[[Any], Any]:
    """A function that translates each flattened 28 x 28 image of a batch by its own random amount.

    Every call draws new shifts (up to ``max_shift`` of the height and of the
    width; vacated pixels black) from a generator seeded once by ``seed``, so
    the same sequence of calls gives the same shifts. It works on tensors
    inside ``tf.function`` and ``tf.data`` pipelines.

    Parameters
    ----------
    max_shift : float
        In [0, 1): the largest translation, as a fraction of the image size.
    seed : int
        Seeds the generator of the shifts.

    Returns
    -------
    callable
        ``shift(batch) -> shifted``, both of shape ``(n, 784)``.

    Raises
    ------
    ValueError
        If ``max_shift`` is outside [0, 1).
    """
    import keras
    import tensorflow as tf

    if not 0 <= max_shift < 1:
        raise ValueError(f"max_shift must be in [0, 1), got {max_shift}")
    translate = keras.layers.RandomTranslation(max_shift, max_shift, fill_mode="constant", seed=seed)

    def shift(batch: Any) -> Any:
        return tf.reshape(translate(tf.reshape(batch, (-1, *IMAGE_SHAPE, 1)), training=True), tf.shape(batch))

    return shift


def random_shift_dataset(
    x: np.ndarray, batch_size: int, max_shift: float, seed: int, target: str = "shifted"
) -> Any:
    """A shuffled ``tf.data`` pipeline of randomly shifted images for autoencoder training.

    Each image is translated by a random fraction (up to ``max_shift`` of its
    height and width, vacated pixels black) every time it is drawn, so the
    autoencoder learns codes that describe garments wherever they sit, not
    pixel positions.

    Parameters
    ----------
    x : numpy.ndarray, shape (n, 784)
        Flattened 28 x 28 images.
    batch_size : int
    max_shift : float
        In [0, 1): the largest translation, as a fraction of the image size.
    seed : int
        Seeds the shuffling and the shifts.
    target : {"shifted", "original"}
        What the autoencoder must reconstruct: the shifted image itself, or
        the image as it was before the shift (the network must then undo it).

    Returns
    -------
    tensorflow.data.Dataset
        ``(shifted, target)`` batches.

    Raises
    ------
    ValueError
        If ``max_shift`` is outside [0, 1), ``x`` is not a matrix of flattened
        images or ``target`` is neither option.
    """
    import tensorflow as tf

    if x.ndim != 2 or x.shape[1] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise ValueError(f"x must have shape (n, {IMAGE_SHAPE[0] * IMAGE_SHAPE[1]}), got {x.shape}")
    if target not in ("shifted", "original"):
        raise ValueError(f"target must be 'shifted' or 'original', got {target!r}")
    shift = random_shifter(max_shift, seed)

    def augment(batch: Any) -> tuple[Any, Any]:
        flat = shift(batch)
        return flat, (flat if target == "shifted" else batch)

    data = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).batch(batch_size)
    return data.map(augment).prefetch(2)


def flatten_images(images: np.ndarray) -> np.ndarray:
    """8-bit images of shape ``(n, height, width)`` as rows of float32 pixels in [0, 1], the input every method takes.

    Raises
    ------
    ValueError
        If ``images`` is not a 3-D array of 8-bit values.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"images must be a 3-D uint8 array (n, height, width), got {images.dtype} of shape {images.shape}")
    return images.reshape(len(images), -1).astype("float32") / 255.0


def random_subset(rng: np.random.Generator, size: int, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The same ``size`` random rows (drawn without replacement by ``rng``) of each of ``arrays``.

    Raises
    ------
    ValueError
        If the arrays differ in length or ``size`` exceeds it.
    """
    lengths = {len(array) for array in arrays}
    if len(lengths) != 1 or not 0 < size <= min(lengths):
        raise ValueError(f"size must be in [1, {min(lengths)}] for arrays of one length, got {size} for lengths {sorted(lengths)}")
    rows = rng.choice(lengths.pop(), size, replace=False)
    return tuple(array[rows] for array in arrays)
