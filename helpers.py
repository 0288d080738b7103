"""Reusable, tested building blocks of the Fashion-MNIST clustering study.

The notebook ``main.ipynb`` calls these functions; it never copies code from
here. Everything is importable without TensorFlow: Keras is imported lazily,
only by the functions that need it.

Sections: constants, data loading, metrics, plots, models, benchmarking
and export, the model cache, the report.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import math
import os
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------
# Constants (the one source of truth for names, paths and checksums)
# ---------------------------------------------------------------------------

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

#: Size of plots meant to be printed at half the report's 5.5 in text width.
FIGSIZE_HALF_WIDTH = (4.0, 3.0)

#: Where ``save_figure`` writes, relative to the working directory.
FIGURE_DIR = Path("report") / "figures"

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


# ---------------------------------------------------------------------------
# Data loading
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def _validate_labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return both label vectors as 1-D integer arrays, or raise ValueError."""
    arrays = []
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{name} is empty")
        if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name} must hold integer labels, got dtype {array.dtype}")
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"y_true and y_pred differ in length: {arrays[0].shape[0]} vs {arrays[1].shape[0]}"
        )
    return arrays[0], arrays[1]


def _contingency(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of (cluster, class) pairs, with the sorted ids of each axis."""
    clusters, cluster_index = np.unique(y_pred, return_inverse=True)
    classes, class_index = np.unique(y_true, return_inverse=True)
    counts = np.zeros((clusters.size, classes.size), dtype=np.int64)
    np.add.at(counts, (cluster_index, class_index), 1)
    return counts, clusters, classes


def _hungarian_matching(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The contingency table, its axes' ids, and the rows and columns of the best one-to-one matching."""
    from scipy.optimize import linear_sum_assignment

    counts, clusters, classes = _contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return counts, clusters, classes, rows, cols


def match_clusters(y_true: Any, y_pred: Any) -> dict[int, int]:
    """Match cluster ids one-to-one to class ids, maximising agreement.

    The Hungarian algorithm (``scipy.optimize.linear_sum_assignment``) finds
    the matching. With more clusters than classes some clusters stay
    unmatched and are absent from the result; with fewer, some classes get no
    cluster.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    y_pred : array-like of int, shape (n,)
        Cluster ids; any integers (e.g. 3, 7, 42).

    Returns
    -------
    dict of int to int
        Cluster id -> matched class id.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    y_true, y_pred = _validate_labels(y_true, y_pred)
    _, clusters, classes, rows, cols = _hungarian_matching(y_true, y_pred)
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols)}


def relabel_clusters(y_pred: Any, mapping: Mapping[int, int], unmatched: int | None = None) -> np.ndarray:
    """Replace cluster ids by their matched class ids.

    Parameters
    ----------
    y_pred : array-like of int
        Cluster ids.
    mapping : mapping of int to int
        Cluster id -> class id, as returned by :func:`match_clusters`.
    unmatched : int, optional
        The label given to clusters absent from ``mapping``. By default the
        largest negative integer that is not a matched class id, so it can
        never equal a true class: when some cluster is unmatched, every class
        is matched (the matching pairs as many of each as it can).

    Returns
    -------
    numpy.ndarray
        Class ids, same shape as ``y_pred``.

    Raises
    ------
    ValueError
        If ``unmatched`` is one of the matched class ids.
    """
    matched_classes = set(mapping.values())
    if unmatched is None:
        unmatched = -1
        while unmatched in matched_classes:
            unmatched -= 1
    elif unmatched in matched_classes:
        raise ValueError(f"unmatched={unmatched} is also a matched class id; choose a label no class uses")
    y_pred = np.asarray(y_pred)
    relabelled = np.full(y_pred.shape, unmatched, dtype=np.int64)
    for cluster, label in mapping.items():
        relabelled[y_pred == cluster] = label
    return relabelled


def cluster_accuracy(y_true: Any, y_pred: Any) -> float:
    """Clustering accuracy: the best one-to-one matching of clusters to classes.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    y_pred : array-like of int, shape (n,)
        Cluster ids; their number may differ from the number of classes, and
        clusters left unmatched count as errors.

    Returns
    -------
    float
        Fraction of points whose matched cluster is their class, in [0, 1].

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    y_true, y_pred = _validate_labels(y_true, y_pred)
    # Summed straight from the matched cells of the contingency table: no placeholder label for unmatched
    # clusters, which could coincide with a real class id.
    counts, _, _, rows, cols = _hungarian_matching(y_true, y_pred)
    return float(counts[rows, cols].sum() / y_true.size)


def evaluate(y_true: Any, y_pred: Any) -> dict[str, float]:
    """Accuracy (Hungarian-matched), NMI and ARI of a clustering.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True class ids and cluster ids.

    Returns
    -------
    dict
        ``{"acc": ..., "nmi": ..., "ari": ...}`` as Python floats.

    Raises
    ------
    ValueError
        If the inputs are empty, not 1-D, not integer or differ in length.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    y_true, y_pred = _validate_labels(y_true, y_pred)
    return {
        "acc": cluster_accuracy(y_true, y_pred),
        "nmi": float(normalized_mutual_info_score(y_true, y_pred)),
        "ari": float(adjusted_rand_score(y_true, y_pred)),
    }


def matched_classification_report(
    y_true: Any, y_pred: Any, class_names: Sequence[str] = CLASS_NAMES
) -> str:
    """Per-class precision, recall and F1 after matching clusters to classes.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True class ids (0 .. len(class_names) - 1) and cluster ids.
    class_names : sequence of str
        Name of each class id.

    Returns
    -------
    str
        scikit-learn's ``classification_report`` on the matched labels;
        points in unmatched clusters count against recall.
    """
    from sklearn.metrics import classification_report

    y_true, y_pred = _validate_labels(y_true, y_pred)
    _check_class_ids(y_true, class_names)
    matched = relabel_clusters(y_pred, match_clusters(y_true, y_pred))
    return classification_report(
        y_true,
        matched,
        labels=list(range(len(class_names))),
        target_names=list(class_names),
        digits=3,
        zero_division=0,
    )


def _check_class_ids(y_true: np.ndarray, class_names: Sequence[str]) -> None:
    if y_true.min() < 0 or y_true.max() >= len(class_names):
        raise ValueError(
            f"y_true holds class ids {y_true.min()}..{y_true.max()} but only "
            f"{len(class_names)} class names were given"
        )


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    class_names: Sequence[str] = CLASS_NAMES,
    title: str = "Confusion matrix",
    ax: Any = None,
    normalize: bool = False,
) -> Any:
    """Heatmap of true classes against clusters matched to classes.

    Columns are ordered by the class each cluster was matched to and labelled
    with that class's name; clusters left unmatched come last, labelled
    ``cluster <id> (unmatched)``. The diagonal therefore holds the correctly
    clustered points.

    Parameters
    ----------
    y_true, y_pred : array-like of int, shape (n,)
        True class ids (0 .. len(class_names) - 1) and cluster ids.
    class_names : sequence of str
        Name of each class id.
    title : str
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new 4.6 x 4.4 inch figure if omitted.
    normalize : bool, default False
        Annotate each row as fractions of its class instead of counts.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure to save).
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    y_true, y_pred = _validate_labels(y_true, y_pred)
    _check_class_ids(y_true, class_names)
    mapping = match_clusters(y_true, y_pred)
    by_class = sorted(mapping, key=mapping.get)
    unmatched = sorted(set(np.unique(y_pred).tolist()) - set(mapping))
    columns = by_class + unmatched
    counts = np.zeros((len(class_names), len(columns)), dtype=np.int64)
    column_of = {cluster: j for j, cluster in enumerate(columns)}
    np.add.at(counts, (y_true, np.vectorize(column_of.get)(y_pred)), 1)

    values: np.ndarray = counts
    fmt = "d"
    if normalize:
        values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        fmt = ".2f"
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.4))
    column_names = [class_names[mapping[c]] for c in by_class]
    column_names += [f"cluster {c} (unmatched)" for c in unmatched]
    sns.heatmap(
        values,
        annot=True,
        fmt=fmt,
        cmap="Blues",
        cbar=False,
        square=len(columns) == len(class_names),
        xticklabels=column_names,
        yticklabels=list(class_names),
        annot_kws={"fontsize": 8},
        ax=ax,
    )
    # Sized to stay legible when printed at about 3.5 inches wide.
    ax.set_xlabel("Cluster (labelled with its matched class)", fontsize=9)
    ax.set_ylabel("True class", fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="both", labelsize=9)
    ax.tick_params(axis="x", labelrotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


def plot_loss_curves(
    history: Any,
    title: str = "Autoencoder training",
    ax: Any = None,
    ylabel: str = "Loss",
) -> Any:
    """Training and validation loss against epoch.

    Parameters
    ----------
    history : keras.callbacks.History or mapping
        A Keras ``History`` (its ``.history`` is used) or a dict with a
        ``"loss"`` list and optionally ``"val_loss"``.
    title : str
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure if omitted.
    ylabel : str
        Label of the y axis (name the loss, e.g. "MSE").

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If there is no non-empty ``loss`` series.
    """
    import matplotlib.pyplot as plt

    series = getattr(history, "history", history)
    if not isinstance(series, Mapping) or not len(series.get("loss", [])):
        raise ValueError("history must be a Keras History or a dict with a non-empty 'loss' list")
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE_HALF_WIDTH)
    epochs = np.arange(1, len(series["loss"]) + 1)
    ax.plot(epochs, series["loss"], marker="o", markersize=3, label="training")
    if len(series.get("val_loss", [])):
        ax.plot(epochs[: len(series["val_loss"])], series["val_loss"], marker="s", markersize=3, label="validation")
    ax.set_xlabel("Epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def save_figure(fig: Any, name: str, directory: str | os.PathLike = FIGURE_DIR) -> list[Path]:
    """Write a figure as ``<directory>/<name>.pdf`` (vector, for LaTeX) and ``.png``.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    name : str
        File stem: letters, digits, ``-`` and ``_`` only.
    directory : str or path-like
        Output directory, created if absent (default ``report/figures``).

    Returns
    -------
    list of pathlib.Path
        The two files written.

    Raises
    ------
    ValueError
        If ``name`` is empty or holds other characters.
    """
    if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"figure name must be letters, digits, '-' or '_', got {name!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}.pdf", directory / f"{name}.png"]
    for path in paths:
        fig.savefig(path, bbox_inches="tight", dpi=150)
    return paths


def _show_image(ax: Any, image: np.ndarray, **imshow_options: Any) -> None:
    """Draw one Fashion-MNIST image (dark on light) on ``ax`` without ticks."""
    ax.imshow(image.reshape(IMAGE_SHAPE), cmap="gray_r", **imshow_options)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_image_grid(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str] = CLASS_NAMES,
    per_class: int = 8,
    seed: int = 0,
) -> Any:
    """A grid of sample images: one row per class, ``per_class`` columns.

    Parameters
    ----------
    images : numpy.ndarray, shape (n, 28, 28)
        Images (any numeric dtype; shown in grey, dark on light).
    labels : numpy.ndarray of int, shape (n,)
        Class id of each image.
    class_names : sequence of str
        Row titles.
    per_class : int
        Images drawn at random (without replacement) per class.
    seed : int
        Seed of that draw.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a class has fewer than ``per_class`` images.
    """
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        len(class_names), per_class, figsize=(per_class * 0.8 + 1.2, len(class_names) * 0.8), squeeze=False
    )
    for row, name in enumerate(class_names):
        members = np.flatnonzero(labels == row)
        if members.size < per_class:
            raise ValueError(f"class {name!r} has {members.size} images, fewer than per_class={per_class}")
        for col, index in enumerate(rng.choice(members, per_class, replace=False)):
            _show_image(axes[row, col], images[index])
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=12)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def plot_reconstructions(originals: np.ndarray, reconstructions: np.ndarray, n: int = 10) -> Any:
    """Originals (top row) above their autoencoder reconstructions (bottom row).

    Parameters
    ----------
    originals, reconstructions : numpy.ndarray, shape (m, 784) or (m, 28, 28)
        Images with pixel values in [0, 1]; the first ``n`` are shown.
    n : int
        Number of columns.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the two arrays differ in shape or hold fewer than ``n`` images.
    """
    import matplotlib.pyplot as plt

    if originals.shape != reconstructions.shape or len(originals) < n:
        raise ValueError(
            f"need two arrays of the same shape with at least {n} images, "
            f"got {originals.shape} and {reconstructions.shape}"
        )
    fig, axes = plt.subplots(2, n, figsize=(n * 0.55, 1.4), squeeze=False)
    for col in range(n):
        for row, images in enumerate((originals, reconstructions)):
            _show_image(axes[row, col], images[col], vmin=0, vmax=1)
    axes[0, 0].set_ylabel("original", fontsize=8)
    axes[1, 0].set_ylabel("decoded", fontsize=8)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def plot_elbow(ks: Sequence[int], inertias: Sequence[float], ax: Any = None) -> Any:
    """K-Means inertia against the number of clusters k.

    Parameters
    ----------
    ks, inertias : sequences of equal length
        The k values and the inertia (within-cluster sum of squares) of each.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if len(ks) != len(inertias) or not len(ks):
        raise ValueError("ks and inertias must be non-empty and of equal length")
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE_HALF_WIDTH)
    from matplotlib.ticker import MaxNLocator

    ax.plot(ks, inertias, marker="o")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Number of clusters k")
    ax.set_ylabel("Inertia")
    ax.set_title("Elbow curve, K-Means on raw pixels")
    ax.grid(alpha=0.3)
    return ax


def plot_bic(bic: Mapping[str, Mapping[int, float]], ax: Any = None) -> Any:
    """BIC of Gaussian mixtures by covariance type and number of initialisations.

    Parameters
    ----------
    bic : mapping
        ``{covariance_type: {n_init: bic}}``, as in :func:`select_gmm_by_bic`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE_HALF_WIDTH)
    types = list(bic)
    inits = sorted({n for row in bic.values() for n in row})
    width = 0.8 / len(inits)
    for i, n_init in enumerate(inits):
        positions = np.arange(len(types)) + (i - (len(inits) - 1) / 2) * width
        ax.bar(positions, [bic[t][n_init] for t in types], width, label=f"n_init={n_init}")
    ax.set_xticks(np.arange(len(types)), types)
    ax.set_xlabel("Covariance type")
    ax.set_ylabel("BIC, training codes (lower is better)")
    ax.set_title("Gaussian mixture selection")
    lowest, highest = min(min(r.values()) for r in bic.values()), max(max(r.values()) for r in bic.values())
    margin = 0.05 * (highest - lowest or abs(highest) or 1.0)
    ax.set_ylim(lowest - margin, highest + margin)
    ax.legend()
    return ax


def plot_embedding(
    embedding: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    class_names: Sequence[str] = CLASS_NAMES,
    cluster_title: str = "Coloured by cluster",
) -> Any:
    """A 2-D map side by side: coloured by true class, and by matched cluster.

    Cluster colours follow the class each cluster was matched to, so the two
    panels are directly comparable.

    Parameters
    ----------
    embedding : numpy.ndarray, shape (n, 2)
    y_true, y_pred : numpy.ndarray of int, shape (n,)
    class_names : sequence of str
    cluster_title : str
        Title of the right panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    embedding = np.asarray(embedding)
    if embedding.ndim != 2 or embedding.shape[1] != 2:
        raise ValueError(f"embedding must have shape (n, 2), got {embedding.shape}")
    y_true, y_pred = _validate_labels(y_true, y_pred)
    if len(y_true) != len(embedding):
        raise ValueError("embedding and labels differ in length")
    matched = relabel_clusters(y_pred, match_clusters(y_true, y_pred))
    colours = plt.get_cmap("tab10")
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), sharex=True, sharey=True)
    for ax, labels, title in ((axes[0], y_true, "Coloured by true class"), (axes[1], matched, cluster_title)):
        for class_id, name in enumerate(class_names):
            points = embedding[labels == class_id]
            ax.scatter(points[:, 0], points[:, 1], s=2, color=colours(class_id), label=name, rasterized=True)
        if np.any(labels == -1):
            points = embedding[labels == -1]
            ax.scatter(points[:, 0], points[:, 1], s=2, color="black", label="unmatched", rasterized=True)
        ax.set_title(title, fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(markerscale=5, fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


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

    inputs = keras.Input(shape=(input_dim,), name="image")
    x = inputs
    for i, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, activation="relu", name=f"encoder_{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"encoder_{i}_bn")(x)
    code = layers.Dense(latent_dim, name="code")(x)
    x = code
    for i, units in enumerate(reversed(hidden_units), start=1):
        x = layers.Dense(units, activation="relu", name=f"decoder_{i}")(x)
    outputs = layers.Dense(input_dim, activation=output_activation, name="reconstruction")(x)
    autoencoder = keras.Model(inputs, outputs, name="autoencoder")
    encoder = keras.Model(inputs, code, name="encoder")
    return autoencoder, encoder


def _check_image_shape(image_shape: tuple[int, int]) -> None:
    """Raise ``ValueError`` unless ``image_shape`` is two integers of at least 8 (two poolings need room)."""
    if len(image_shape) != 2 or any(not isinstance(d, (int, np.integer)) or d < 8 for d in image_shape):
        raise ValueError(f"image_shape must be two integers >= 8, got {image_shape!r}")


def build_conv_autoencoder(image_shape: tuple[int, int] = IMAGE_SHAPE) -> tuple[Any, Any]:
    """The small convolutional autoencoder two published submissions used.

    Encoder: Conv2D(16, 3x3) - MaxPool - Conv2D(8, 3x3) - MaxPool -
    Conv2D(8, 3x3, stride 2), giving a 4 x 4 x 8 code for 28 x 28 images,
    flattened to 128 numbers for clustering. The decoder mirrors it with
    UpSampling2D and ends in a sigmoid; 4,385 parameters in all.

    Parameters
    ----------
    image_shape : (int, int)
        Height and width of the grey-scale input images.

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
    inputs = keras.Input(shape=(*image_shape, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", padding="same", name="encoder_conv_1")(inputs)
    x = layers.MaxPooling2D(2, padding="same", name="encoder_pool_1")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="encoder_conv_2")(x)
    x = layers.MaxPooling2D(2, padding="same", name="encoder_pool_2")(x)
    code_map = layers.Conv2D(8, 3, strides=2, activation="relu", padding="same", name="code_map")(x)
    code = layers.Flatten(name="code")(code_map)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="decoder_conv_1")(code_map)
    x = layers.UpSampling2D(2, name="decoder_up_1")(x)
    x = layers.Conv2D(8, 3, activation="relu", padding="same", name="decoder_conv_2")(x)
    x = layers.UpSampling2D(2, name="decoder_up_2")(x)
    # A 'valid' convolution here turns 16 x 16 into 14 x 14, so the last upsampling gives 28 x 28.
    x = layers.Conv2D(16, 3, activation="relu", name="decoder_conv_3")(x)
    x = layers.UpSampling2D(2, name="decoder_up_3")(x)
    outputs = layers.Conv2D(1, 3, activation="sigmoid", padding="same", name="reconstruction")(x)
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


def n_components_for_variance(explained_variance_ratio: Sequence[float], level: float) -> int:
    """Fewest leading principal components whose explained variance reaches ``level``.

    Parameters
    ----------
    explained_variance_ratio : sequence of float
        Per-component ratios in decreasing order (``PCA.explained_variance_ratio_``).
    level : float
        Target fraction of the variance, in (0, 1].

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``level`` is outside (0, 1] or the components do not reach it.
    """
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    cumulative = np.cumsum(explained_variance_ratio)
    # A tolerance, so that a level the components reach exactly is not missed by rounding.
    reached = np.flatnonzero(cumulative >= level - 1e-12)
    if reached.size == 0:
        raise ValueError(f"the components explain {cumulative[-1]:.4f} of the variance, less than {level}")
    return int(reached[0] + 1)


class CentroidAgglomerative:
    """Ward agglomerative clustering with ``fit``/``predict``, via nearest centroids.

    Agglomerative clustering has no ``predict`` and its memory grows with the
    square of the number of points, so ``fit`` clusters a random subsample of
    at most ``max_samples`` points and keeps each cluster's centroid;
    ``predict`` assigns every point to the nearest centroid.

    Parameters
    ----------
    n_clusters : int
    max_samples : int
        Size of the random subsample fitted.
    random_state : int
        Seed of the subsample.
    """

    def __init__(self, n_clusters: int = 10, max_samples: int = 10_000, random_state: int = 0) -> None:
        if n_clusters < 2 or max_samples < n_clusters:
            raise ValueError("need n_clusters >= 2 and max_samples >= n_clusters")
        self.n_clusters, self.max_samples, self.random_state = n_clusters, max_samples, random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn estimators report them."""
        return {"n_clusters": self.n_clusters, "max_samples": self.max_samples, "random_state": self.random_state}

    def fit(self, x: np.ndarray) -> "CentroidAgglomerative":
        from sklearn.cluster import AgglomerativeClustering

        rng = np.random.default_rng(self.random_state)
        sample = rng.choice(len(x), min(self.max_samples, len(x)), replace=False)
        labels = AgglomerativeClustering(self.n_clusters, linkage="ward").fit_predict(x[sample])
        self.cluster_centers_ = np.stack([x[sample][labels == k].mean(axis=0) for k in range(self.n_clusters)])
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_argmin

        return pairwise_distances_argmin(x, self.cluster_centers_)


def benchmark_classifier(
    name: str,
    classifier: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    cache: "ArtifactCache | None" = None,
    cache_name: str | None = None,
) -> dict[str, float]:
    """Fit a supervised classifier on labelled training data and score it on the test data.

    A reference that *uses labels*, to show how much class information a
    representation keeps; prints one row (method, fit time, accuracy). With a
    ``cache`` (and ``cache_name``) the fitted classifier is loaded when its
    parameters and training data match, as in :func:`benchmark_clustering`.

    Returns
    -------
    dict
        ``{"acc": ..., "fit_s": ...}``.
    """
    import time

    if cache is not None:
        if not cache_name:
            raise ValueError("cache_name is required when a cache is given")
        spec = {
            "classifier": repr(classifier),
            "params": {k: repr(v) for k, v in classifier.get_params().items()},
            "x_train": array_checksum(x_train, y_train),
        }
        objects, info = cache.fetch(cache_name, spec, lambda: ({"classifier": classifier.fit(x_train, y_train)}, {}))
        classifier, fit_s = objects["classifier"], info["fit_s"]
    else:
        start = time.perf_counter()
        classifier.fit(x_train, y_train)
        fit_s = time.perf_counter() - start
    acc = float(np.mean(classifier.predict(x_test) == y_test))
    print(f"{name:<50}{fit_s:>8.1f}{acc:>8.3f}")
    return {"acc": acc, "fit_s": fit_s}


def plot_explained_variance(explained_variance_ratio: Sequence[float], levels: Sequence[float], ax: Any = None) -> Any:
    """Cumulative explained variance of PCA against the number of components.

    Each level in ``levels`` is marked with the component count that reaches it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE_HALF_WIDTH)
    cumulative = np.cumsum(explained_variance_ratio)
    ax.plot(np.arange(1, len(cumulative) + 1), cumulative)
    for level in levels:
        n = n_components_for_variance(explained_variance_ratio, level)
        ax.plot([n], [cumulative[n - 1]], marker="o", color="black")
        ax.annotate(f"{level:.0%}: {n}", (n, cumulative[n - 1]), textcoords="offset points", xytext=(6, -12))
    ax.set_xscale("log")
    ax.set_xlabel("Number of components")
    ax.set_ylabel("Cumulative explained variance")
    ax.set_title("PCA on the training pixels")
    ax.grid(alpha=0.3)
    return ax


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
    return _clustering_layer_class()(n_clusters, initial_centroids, alpha, name=name)


@functools.cache
def _clustering_layer_class() -> Any:
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


def encoder_of(autoencoder: Any, code_layer: str = "code") -> Any:
    """The encoder inside an autoencoder: its input up to the layer ``code_layer``.

    The encoder shares the autoencoder's layers (training one trains the
    other), also for an autoencoder reloaded from a file.
    """
    import keras

    return keras.Model(autoencoder.input, autoencoder.get_layer(code_layer).output, name="encoder")


def train_deep_clustering(
    autoencoder: Any,
    x: np.ndarray,
    initial_centroids: np.ndarray,
    reconstruction_weight: float | None = None,
    code_layer: str = "code",
    batch_size: int = 256,
    update_interval: int = 140,
    tol: float = 1e-3,
    max_epochs: int = 20,
    learning_rate: float = 1e-4,
    seed: int = 0,
    log: Any = print,
) -> tuple[Any, dict[str, Any]]:
    """DEC, or IDEC, fine-tuning of a copy of a pretrained autoencoder's encoder.

    A :func:`clustering_layer` on the codes gives soft assignments ``q``.
    Every ``update_interval`` batches ``q`` is recomputed for all of ``x``
    and the target ``p`` (:func:`target_distribution`) refreshed; between
    refreshes the encoder and the centroids minimise ``KL(p || q)`` (DEC, Xie
    et al., 2016). With a ``reconstruction_weight`` the decoder is trained
    too and the loss is ``0.1 KL + weight * MSE`` (IDEC, Guo et al., 2017), so
    that the codes keep describing the images. Training stops when fewer than
    ``tol`` of the hard assignments changed between two refreshes, or after
    ``max_epochs`` passes over ``x``. The autoencoder passed in is not changed.

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
    max_epochs : int
    learning_rate : float
        Adam's learning rate.
    seed : int
        Seeds the order of the training batches.
    log : callable
        Receives one progress line per target refresh.

    Returns
    -------
    model : keras.Model
        ``x -> q`` (soft assignments, rows sum to 1); ``argmax`` gives the clusters.
    info : dict
        ``iterations`` (target refreshes), ``epochs`` (passes over ``x``),
        ``delta`` (the last fraction of changed assignments), ``converged``.

    Raises
    ------
    ValueError
        For sizes that make no sense or centroids not matching the code width.
    """
    import keras

    initial_centroids = np.asarray(initial_centroids, dtype="float32")
    if len(x) < batch_size or update_interval < 1 or not 0 <= tol < 1 or max_epochs < 1:
        raise ValueError("need len(x) >= batch_size, update_interval >= 1, 0 <= tol < 1 and max_epochs >= 1")
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
    max_iterations = max(1, int(np.ceil(max_epochs * len(x) / chunk)))
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
    info = {"iterations": iteration, "epochs": iteration * min(chunk, len(x)) / len(x), "delta": delta, "converged": delta < tol}
    return assignment_model, info


def fit_umap_embedding(
    train_features: np.ndarray, test_features: np.ndarray, *, n_neighbors: int, n_components: int, seed: int, min_dist: float = 0.0
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """UMAP fitted on the training features, then applied to the test features (the N2D manifold step).

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
    import umap

    train_features, test_features = np.asarray(train_features), np.asarray(test_features)
    if train_features.ndim != 2 or test_features.ndim != 2 or train_features.shape[1] != test_features.shape[1]:
        raise ValueError(f"features must be 2-D with equal widths, got {train_features.shape} and {test_features.shape}")
    if not 2 <= n_neighbors < len(train_features) or n_components < 1:
        raise ValueError(f"need 2 <= n_neighbors < {len(train_features)} and n_components >= 1, got {n_neighbors}, {n_components}")
    reducer = umap.UMAP(n_neighbors=n_neighbors, n_components=n_components, min_dist=min_dist, random_state=seed, n_jobs=1)
    return {"train": reducer.fit_transform(train_features), "test": reducer.transform(test_features)}, {}


def oriented_gradient_histograms(images: Any, cell: int = 4, bins: int = 9) -> np.ndarray:
    """Histograms of oriented gradients (HOG-like features) of grey-scale images, one row per image.

    Each pixel votes with its Sobel gradient magnitude for its unsigned
    gradient orientation (split linearly between the two nearest of ``bins``
    orientations over 180 degrees); the votes are summed over non-overlapping
    ``cell`` x ``cell`` squares (border rows and columns that do not fill a
    cell are dropped), and each cell's histogram is divided by the root of the
    summed squared votes of its 3 x 3 neighbourhood of cells, so that the
    features describe the shape of edges rather than the contrast.

    Parameters
    ----------
    images : array-like, shape (n, height, width)
        Grey-scale images (any scale; uint8 is divided by 255).
    cell : int
        Side of a cell in pixels, at most the image's smaller side.
    bins : int
        Orientations per histogram, at least 2.

    Returns
    -------
    numpy.ndarray of float32, shape (n, (height // cell) * (width // cell) * bins)

    Raises
    ------
    ValueError
        If ``images`` is not 3-D or a setting is out of range.
    """
    from scipy import ndimage

    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must be 3-D (n, height, width), got shape {images.shape}")
    if not 1 <= cell <= min(images.shape[1:]) or bins < 2:
        raise ValueError(f"need 1 <= cell <= {min(images.shape[1:])} and bins >= 2, got cell={cell}, bins={bins}")
    images = images.astype("float32") / (255.0 if images.dtype == np.uint8 else 1.0)
    # A kernel of depth 1 along the first axis: ndimage.sobel would also smooth across neighbouring images.
    sobel_x = np.array([[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]], "float32")
    gradient_x = ndimage.correlate(images, sobel_x)
    gradient_y = ndimage.correlate(images, sobel_x.transpose(0, 2, 1))
    magnitude = np.hypot(gradient_x, gradient_y)
    position = (np.arctan2(gradient_y, gradient_x) % np.pi) / np.pi * bins
    lower = np.floor(position).astype(int) % bins
    weight_upper = position - np.floor(position)
    votes = np.zeros(images.shape + (bins,), "float32")
    index = np.indices(images.shape)
    np.add.at(votes, (*index, lower), magnitude * (1 - weight_upper))
    np.add.at(votes, (*index, (lower + 1) % bins), magnitude * weight_upper)
    n, height, width = images.shape
    rows, cols = height // cell, width // cell
    cells = votes[:, : rows * cell, : cols * cell].reshape(n, rows, cell, cols, cell, bins).sum(axis=(2, 4))
    energy = ndimage.uniform_filter((cells**2).sum(axis=-1), size=(1, 3, 3), mode="nearest")
    return (cells / np.sqrt(energy[..., None] + 1e-6)).reshape(n, -1).astype("float32")


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
        Seeds the weights, the batch order and the choice of neighbours.
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
    import tensorflow as tf

    features = np.asarray(features, dtype="float32")
    neighbours = np.asarray(neighbours)
    if features.ndim != 2:
        raise ValueError(f"features must be 2-D, got shape {features.shape}")
    _check_neighbours(neighbours, len(features))
    if n_clusters < 2 or epochs < 1 or entropy_weight < 0 or batch_size < 1 or len(features) < n_clusters:
        raise ValueError("need n_clusters >= 2, epochs >= 1, entropy_weight >= 0, batch_size >= 1 and n >= n_clusters")
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((features.shape[1],), name="features")
    standardise = keras.layers.Normalization(name="standardise")
    standardise.adapt(features)
    hidden = standardise(inputs)
    for index, units in enumerate(hidden_units):
        hidden = keras.layers.Dense(units, activation="relu", name=f"hidden_{index}")(hidden)
    outputs = keras.layers.Dense(n_clusters, activation="softmax", name="assignment")(hidden)
    model = keras.Model(inputs, outputs, name="neighbour_clustering")

    consistency, entropy = _train_scan_loss(
        model, features, neighbours, epochs, entropy_weight, batch_size, keras.optimizers.Adam(learning_rate),
        np.random.default_rng(seed), log, "[neighbour clustering]", log_every=5,
    )
    return model, {"consistency": consistency, "entropy": entropy}


def _check_neighbours(neighbours: np.ndarray, n: int) -> None:
    if neighbours.ndim != 2 or len(neighbours) != n or neighbours.shape[1] < 1:
        raise ValueError(f"neighbours must have shape ({n}, k), got {neighbours.shape}")
    if not np.issubdtype(neighbours.dtype, np.integer) or neighbours.min() < 0 or neighbours.max() >= n:
        raise ValueError(f"neighbours must be integer indices in [0, {n - 1}]")


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
        Seeds the new layer's weights, the batch order, the neighbours drawn and the shifts.
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
    _check_neighbours(neighbours, len(images))
    if distill_epochs < 0 or scan_epochs < 0 or distill_epochs + scan_epochs < 1:
        raise ValueError(f"need epochs >= 0 and at least one in all, got {distill_epochs} and {scan_epochs}")
    if not 0 <= max_shift < 1 or entropy_weight < 0 or batch_size < 1:
        raise ValueError("need 0 <= max_shift < 1, entropy_weight >= 0 and batch_size >= 1")
    if max_shift > 0 and images.shape[1] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise ValueError(f"shifting needs images of shape (n, {IMAGE_SHAPE[0] * IMAGE_SHAPE[1]}), got {images.shape}")
    copy = keras.models.clone_model(encoder)
    copy.set_weights(encoder.get_weights())
    keras.utils.set_random_seed(seed)
    code = keras.layers.BatchNormalization(name="code_bn")(copy.output)
    outputs = keras.layers.Dense(targets.shape[1], activation="softmax", name="assignment")(code)
    model = keras.Model(copy.input, outputs, name="fine_tuned_clustering")
    augment = None
    if max_shift > 0:
        shift = keras.layers.RandomTranslation(max_shift, max_shift, fill_mode="constant", seed=seed)

        def augment(batch: Any) -> Any:
            return tf.reshape(shift(tf.reshape(batch, (-1, *IMAGE_SHAPE, 1)), training=True), tf.shape(batch))

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


def neighbour_graph(neighbours: np.ndarray) -> Any:
    """The symmetric k-nearest-neighbour graph: ``i`` and ``j`` linked if either is among the other's neighbours.

    Parameters
    ----------
    neighbours : numpy.ndarray of int, shape (n, k)
        From :func:`nearest_neighbours`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n)
        0/1 adjacency, symmetric, with an empty diagonal.

    Raises
    ------
    ValueError
        If ``neighbours`` is not (n, k) with indices in ``[0, n)``.
    """
    import scipy.sparse as sparse

    neighbours = np.asarray(neighbours)
    _check_neighbours(neighbours, len(neighbours))
    n, k = neighbours.shape
    graph = sparse.csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), neighbours.ravel())), shape=(n, n))
    graph = ((graph + graph.T) > 0).astype(float).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    return graph


def _cluster_edges(graph: Any, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    import scipy.sparse as sparse

    membership = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)), shape=(len(labels), n_clusters))
    return (membership.T @ graph @ membership).toarray()


def normalised_cut(graph: Any, labels: Any) -> float:
    """Normalised cut of a partition of a graph (Shi and Malik, 2000): the lower, the fewer edges between clusters.

    ``sum over clusters c of (edges leaving c) / (edges touching c)``, over
    the clusters that have points; 0 when no edge crosses clusters.

    Parameters
    ----------
    graph : scipy.sparse matrix, shape (n, n)
        Symmetric adjacency, e.g. from :func:`neighbour_graph`.
    labels : array-like of int, shape (n,)
        Non-negative cluster ids.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``labels`` does not give one non-negative id per node, or a cluster has no edges.
    """
    labels = np.asarray(labels)
    if graph.shape != (len(labels), len(labels)) or labels.ndim != 1 or (len(labels) and labels.min() < 0):
        raise ValueError(f"need one non-negative label per node of a square graph, got {labels.shape} labels for {graph.shape}")
    present = np.unique(labels)
    edges = _cluster_edges(graph, labels, int(labels.max()) + 1)[np.ix_(present, present)]
    volume = edges.sum(axis=1)
    if (volume == 0).any():
        raise ValueError("every cluster needs at least one edge")
    return float(np.sum((volume - np.diag(edges)) / volume))


def candidate_groups(graph: Any, labels: Any, n_clusters: int, max_size: int = 4) -> list[list[int]]:
    """Groups of clusters that share the most neighbour edges, largest first: where to look for a better split.

    Clusters are merged greedily, always the two groups with the most edges
    between them relative to their total number of edges (an average
    linkage on the neighbour graph), until one group is left; every group
    formed on the way with at most ``max_size`` clusters is a candidate.

    Parameters
    ----------
    graph : scipy.sparse matrix, shape (n, n)
        Symmetric adjacency, e.g. from :func:`neighbour_graph`.
    labels : array-like of int, shape (n,)
        Cluster ids in ``[0, n_clusters)``.
    n_clusters : int
    max_size : int
        Largest group returned, ``>= 2``.

    Returns
    -------
    list of list of int
        Sorted cluster ids per group; larger groups first, and among groups of
        one size, those merged first (the most connected) first.

    Raises
    ------
    ValueError
        If the labels do not fit the graph or ``n_clusters``, or ``max_size < 2``.
    """
    labels = np.asarray(labels)
    if graph.shape != (len(labels), len(labels)) or labels.ndim != 1 or (len(labels) and not 0 <= labels.min() <= labels.max() < n_clusters):
        raise ValueError(f"need one label in [0, {n_clusters}) per node of a square graph, got {labels.shape} labels for {graph.shape}")
    if max_size < 2:
        raise ValueError(f"max_size must be at least 2, got {max_size}")
    edges = _cluster_edges(graph, labels, n_clusters)
    volume = edges.sum(axis=1)
    groups, found = [[c] for c in range(n_clusters)], []
    while len(groups) > 1:
        def link(pair: tuple[int, int]) -> float:
            first, second = groups[pair[0]], groups[pair[1]]
            total = volume[first].sum() + volume[second].sum()
            return edges[np.ix_(first, second)].sum() / total if total else 0.0

        pairs = [(a, b) for a in range(len(groups)) for b in range(a + 1, len(groups))]
        first, second = max(pairs, key=link)
        merged = sorted(groups[first] + groups[second])
        groups = [g for index, g in enumerate(groups) if index not in (first, second)] + [merged]
        if len(merged) <= max_size:
            found.append(merged)
    return sorted(found, key=len, reverse=True)


def refine_locally(
    features: np.ndarray,
    labels: Any,
    neighbours: np.ndarray,
    n_clusters: int,
    max_size: int = 4,
    n_components: int = 50,
    n_init: int = 10,
    seed: int = 0,
    log: Any = print,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Re-split groups of similar clusters on their own, and keep a new split only if it cuts fewer neighbour edges.

    A global method must cut all classes in one space; the few clusters that
    share a region of it (e.g. three kinds of shoe) may be told apart better
    by the directions in which that region itself varies. For each group of
    :func:`candidate_groups`, largest first, K-Means (as many clusters as
    the group has) re-clusters the group's points on their own principal
    components; the new split replaces the old one only if it has a lower
    :func:`normalised_cut` on the neighbour graph among the group's points,
    i.e. if it keeps neighbours together better, which is what SCAN's
    neighbour loss asks of a partition too. No labels are used.

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
        What the groups are re-clustered on (e.g. the pixels).
    labels : array-like of int, shape (n,)
        The partition to refine, ids in ``[0, n_clusters)``.
    neighbours : numpy.ndarray of int, shape (n, k)
        Each point's neighbours (:func:`nearest_neighbours`), for the graph.
    n_clusters : int
    max_size : int
        Largest group of clusters re-split together.
    n_components : int
        Principal components per group (fewer if the group is small).
    n_init : int
        K-Means initialisations per group.
    seed : int
    log : callable
        Receives one line per group tried.

    Returns
    -------
    labels : numpy.ndarray of int, shape (n,)
        The refined partition of the same points, in the same cluster ids.
    steps : list of dict
        One per group tried, in order: ``clusters``, ``points``,
        ``ncut_before``, ``ncut_after`` (or ``skipped``, why no split was
        tried), ``accepted``, ``changed`` (points moved to another
        cluster; each new cluster keeps the id of the old cluster it overlaps
        most) and, when accepted, the fitted ``pca``, ``kmeans`` and ``ids``
        (the id of each K-Means cluster) that :func:`apply_local_refinement`
        replays on other points.

    Raises
    ------
    ValueError
        For shapes that disagree or labels out of range.
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    features = np.asarray(features, dtype="float32")
    labels = np.asarray(labels).copy()
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"need 2-D features with one label per row, got {features.shape} and {labels.shape}")
    graph = neighbour_graph(neighbours)
    steps = []
    for group in candidate_groups(graph, labels, n_clusters, max_size):
        group = np.array(group)
        members = np.flatnonzero(np.isin(labels, group))
        step: dict[str, Any] = {"clusters": group.tolist(), "points": int(len(members)), "accepted": False, "changed": 0}
        if len(members) < 2 * len(group):
            step["skipped"] = "too few points"
            log(describe_refinement_step(step))
            steps.append(step)
            continue
        sub_graph = graph[members][:, members]
        pca = PCA(min(n_components, len(members) - 1, features.shape[1]), random_state=seed).fit(features[members])
        kmeans = KMeans(len(group), n_init=n_init, random_state=seed).fit(pca.transform(features[members]))
        # Each new cluster takes the id of the old one it overlaps most (one to one), so that ids stay
        # comparable and "changed" counts the points that really moved.
        overlap = np.zeros((len(group), len(group)))
        np.add.at(overlap, (kmeans.labels_, np.searchsorted(group, labels[members])), 1)
        ids = group[linear_sum_assignment(-overlap)[1]]
        proposed = ids[kmeans.labels_]
        try:
            before, after = normalised_cut(sub_graph, labels[members]), normalised_cut(sub_graph, proposed)
        except ValueError:  # a cluster without any edge inside the group: the cut is undefined, keep the old split
            step["skipped"] = "a cluster without neighbour edges in the group"
            log(describe_refinement_step(step))
            steps.append(step)
            continue
        step.update(ncut_before=before, ncut_after=after, accepted=bool(after < before))
        if step["accepted"]:
            step.update(changed=int((proposed != labels[members]).sum()), pca=pca, kmeans=kmeans, ids=ids)
            labels[members] = proposed
        log(describe_refinement_step(step))
        steps.append(step)
    return labels, steps


def describe_refinement_step(step: Mapping[str, Any]) -> str:
    """One line on a step of :func:`refine_locally`: the group, its normalised cut before and after, the decision.

    Parameters
    ----------
    step : mapping
        One of the steps :func:`refine_locally` returns.

    Returns
    -------
    str
    """
    head = f"[local refinement] clusters {list(step['clusters'])} ({step['points']} points)"
    if "skipped" in step:
        return f"{head}: skipped, {step['skipped']}"
    decision = "accepted" if step["accepted"] else "kept the old split"
    return f"{head}: normalised cut {step['ncut_before']:.4f} -> {step['ncut_after']:.4f}, {decision}"


def apply_local_refinement(steps: Sequence[Mapping[str, Any]], features: np.ndarray, labels: Any) -> np.ndarray:
    """Replay the accepted steps of :func:`refine_locally` on other points (e.g. the test images).

    Parameters
    ----------
    steps : sequence of dict
        From :func:`refine_locally`, in its order.
    features : numpy.ndarray, shape (n, d)
        The same kind of features it was fitted on.
    labels : array-like of int, shape (n,)
        These points' partition by the same method that gave the refined one its start.

    Returns
    -------
    numpy.ndarray of int, shape (n,)

    Raises
    ------
    ValueError
        If ``features`` and ``labels`` disagree in length.
    """
    features = np.asarray(features, dtype="float32")
    labels = np.asarray(labels).copy()
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(f"need 2-D features with one label per row, got {features.shape} and {labels.shape}")
    for step in steps:
        if not step["accepted"]:
            continue
        group = np.array(step["clusters"])
        members = np.flatnonzero(np.isin(labels, group))
        if len(members):
            labels[members] = step["ids"][step["kmeans"].predict(step["pca"].transform(features[members]))]
    return labels


def plot_cluster_confidence(
    images: np.ndarray,
    probabilities: np.ndarray,
    cluster_names: Sequence[str] | None = None,
    per_side: int = 5,
) -> Any:
    """Each cluster's most and least confident members, by posterior probability.

    Row ``k`` shows the ``per_side`` images assigned to cluster ``k`` with the
    highest probability of belonging to it (left) and the ``per_side`` with the
    lowest (right), so a reader sees what a cluster means and where it frays.

    Parameters
    ----------
    images : numpy.ndarray, shape (n, 28, 28) or (n, 784)
    probabilities : numpy.ndarray, shape (n, k)
        Posterior (soft) assignments, e.g. ``GaussianMixture.predict_proba``;
        each image belongs to its ``argmax`` cluster.
    cluster_names : sequence of str, optional
        Row titles (e.g. the class each cluster was matched to); "cluster k" otherwise.
    per_side : int
        Images on each side of a row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the shapes disagree or ``per_side`` is not positive.
    """
    import matplotlib.pyplot as plt

    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or len(probabilities) != len(images):
        raise ValueError(f"probabilities must have shape (n_images, k), got {probabilities.shape} for {len(images)} images")
    if per_side < 1:
        raise ValueError(f"per_side must be positive, got {per_side}")
    n_clusters = probabilities.shape[1]
    names = list(cluster_names) if cluster_names is not None else [f"cluster {k}" for k in range(n_clusters)]
    if len(names) != n_clusters:
        raise ValueError(f"need {n_clusters} cluster names, got {len(names)}")
    assigned = probabilities.argmax(axis=1)
    columns = 2 * per_side + 1
    fig, axes = plt.subplots(n_clusters, columns, figsize=(columns * 0.55 + 1.3, n_clusters * 0.6), squeeze=False)
    for k in range(n_clusters):
        members = np.flatnonzero(assigned == k)
        ranked = members[np.argsort(-probabilities[members, k], kind="stable")]
        picks = [*ranked[:per_side], None, *ranked[::-1][:per_side][::-1]] if len(ranked) else []
        for col in range(columns):
            ax = axes[k, col]
            index = picks[col] if col < len(picks) else None
            if index is None:
                ax.axis("off")
            else:
                _show_image(ax, images[index])
                ax.set_xlabel(f"{probabilities[index, k]:.2f}", fontsize=6, labelpad=1)
        axes[k, 0].axis("on")
        axes[k, 0].set_ylabel(f"{names[k]} ({len(members)})", rotation=0, ha="right", va="center", fontsize=7)
    axes[0, per_side // 2].set_title("most confident", fontsize=8)
    axes[0, per_side + 1 + per_side // 2].set_title("least confident", fontsize=8)
    fig.subplots_adjust(wspace=0.05, hspace=0.55)
    return fig


def translate_images(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images moved by whole pixels, the uncovered border filled with zeros (the background).

    Parameters
    ----------
    images : numpy.ndarray, shape (n, height, width)
    dy, dx : int
        Pixels down and to the right (negative: up and to the left), each smaller than the image in magnitude.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``images``.

    Raises
    ------
    ValueError
        If ``images`` is not 3-D or a move is as large as the image.
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, height, width), got {images.shape}")
    height, width = images.shape[1:]
    if abs(dy) >= height or abs(dx) >= width:
        raise ValueError(f"a move of ({dy}, {dx}) pixels leaves nothing of a {height} x {width} image")
    moved = np.zeros_like(images)
    moved[:, max(dy, 0):height + min(dy, 0), max(dx, 0):width + min(dx, 0)] = (
        images[:, max(-dy, 0):height + min(-dy, 0), max(-dx, 0):width + min(-dx, 0)]
    )
    return moved


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
    import keras
    import tensorflow as tf

    if not 0 <= max_shift < 1:
        raise ValueError(f"max_shift must be in [0, 1), got {max_shift}")
    if x.ndim != 2 or x.shape[1] != IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise ValueError(f"x must have shape (n, {IMAGE_SHAPE[0] * IMAGE_SHAPE[1]}), got {x.shape}")
    if target not in ("shifted", "original"):
        raise ValueError(f"target must be 'shifted' or 'original', got {target!r}")
    shift = keras.layers.RandomTranslation(max_shift, max_shift, fill_mode="constant", seed=seed)

    def augment(batch: Any) -> tuple[Any, Any]:
        images = shift(tf.reshape(batch, (-1, *IMAGE_SHAPE, 1)), training=True)
        flat = tf.reshape(images, (-1, x.shape[1]))
        return flat, (flat if target == "shifted" else batch)

    data = tf.data.Dataset.from_tensor_slices(x).shuffle(len(x), seed=seed).batch(batch_size)
    return data.map(augment).prefetch(2)


# ---------------------------------------------------------------------------
# Notebook runs: parameters checked up front, outputs published as one set
# ---------------------------------------------------------------------------

#: Where a QUICK run writes when OUTPUT_DIR is not given: never over the committed outputs.
QUICK_OUTPUT_DIR = Path("quick-run")
#: Folder (inside the output folder) where a run's outputs wait until every cell has succeeded.
STAGING_DIR_NAME = ".staging"

#: The notebook's parameters and what each accepts: (kind, lower bound, upper bound or choices).
NOTEBOOK_PARAMETERS: dict[str, tuple[str, Any, Any]] = {
    "SEED": ("int", 0, None),
    "QUICK": ("bool", None, None),
    "EPOCHS": ("int", 1, None),
    "LATENT_DIM": ("int", 1, None),
    "HIDDEN_UNITS": ("int_list", 1, None),
    "BATCH_SIZE": ("int", 1, None),
    "KMEANS_N_INIT": ("int", 1, None),
    "CONV_EPOCHS": ("int", 1, None),
    "OUTPUT_DIR": ("folder_or_none", None, None),
    "CACHE_DIR": ("folder", None, None),
    "RETRAIN": ("bool", None, None),
    "SHIFT_EPOCHS": ("int", 1, None),
    "MAX_SHIFT": ("fraction", 0.0, 1.0),
    "SHIFT_TARGET": ("choice", None, ("shifted", "original")),
    "UMAP_NEIGHBORS": ("int", 2, None),
    "UMAP_COMPONENTS": ("int", 1, None),
    "DEC_MAX_EPOCHS": ("int", 1, None),
    "SCAN_NEIGHBORS": ("int", 1, None),
    "SCAN_PCA_COMPONENTS": ("int", 1, IMAGE_SHAPE[0] * IMAGE_SHAPE[1]),
    "SCAN_EPOCHS": ("int", 1, None),
    "SCAN_HEADS": ("int", 1, None),
    "FINETUNE_DISTILL_EPOCHS": ("int", 0, None),
    "FINETUNE_SCAN_EPOCHS": ("int", 0, None),
    "RESPLIT_DISTILL_EPOCHS": ("int", 0, None),
    "RESPLIT_SCAN_EPOCHS": ("int", 0, None),
    "COMPARISON_GMM_MAX_ITER": ("int", 1, None),
}
#: Pairs of training phases of which at least one must run.
_PHASE_PAIRS = (("FINETUNE_DISTILL_EPOCHS", "FINETUNE_SCAN_EPOCHS"), ("RESPLIT_DISTILL_EPOCHS", "RESPLIT_SCAN_EPOCHS"))


def _parse_bool(name: str, value: Any) -> bool:
    """A bool, or the words true/false in any case (papermill passes ``-p QUICK false`` as a string)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{name} must be True or False (or the words true/false), got {value!r}")


def _parse_int(name: str, value: Any, low: int | None, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _parse_folder(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ValueError(f"{name} must be a folder path, got {value!r}")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}={str(value)!r} exists and is not a folder: give a folder (it is created if absent)")
    return str(value)


def check_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise the notebook's parameters before any work is done.

    Parameters
    ----------
    values : mapping
        Holds every name of :data:`NOTEBOOK_PARAMETERS` (other names, such as
        the rest of a notebook's globals, are ignored).

    Returns
    -------
    dict
        The parameters, normalised: words true/false as bools, a JSON list
        given as text (``-p HIDDEN_UNITS "[512, 256]"``) as a list, integral
        numbers as int and MAX_SHIFT as float.

    Raises
    ------
    ValueError
        For a missing parameter, a wrong type, a value out of range, or a
        folder that exists as a file; the message names the parameter.
    """
    import json

    checked: dict[str, Any] = {}
    for name, (kind, low, high) in NOTEBOOK_PARAMETERS.items():
        if name not in values:
            raise ValueError(f"{name} is not set: the parameters cell must define it")
        value = values[name]
        if kind == "bool":
            checked[name] = _parse_bool(name, value)
        elif kind == "int":
            checked[name] = _parse_int(name, value, low, high)
        elif kind == "int_list":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError(f"{name} must be a list of integers such as [512, 256], got {value!r}") from None
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"{name} must be a non-empty list of integers, got {value!r}")
            checked[name] = [_parse_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value)]
        elif kind == "fraction":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < high:
                raise ValueError(f"{name} must be a number in [{low}, {high}), got {value!r}")
            checked[name] = float(value)
        elif kind == "choice":
            if value not in high:
                raise ValueError(f"{name} must be one of {', '.join(map(repr, high))}, got {value!r}")
            checked[name] = value
        elif kind == "folder_or_none" and value is None:
            checked[name] = None
        else:
            checked[name] = _parse_folder(name, value)
    for first, second in _PHASE_PAIRS:
        if checked[first] == checked[second] == 0:
            raise ValueError(f"{first} and {second} cannot both be 0: one of the two training phases must run")
    return checked


def resolve_output_dir(output_dir: str | os.PathLike | None, quick: bool) -> Path:
    """The folder a run publishes to: ``output_dir`` if given, else the working
    directory for a full run and :data:`QUICK_OUTPUT_DIR` for a QUICK one (so a
    smoke test never replaces the committed results unless asked to)."""
    if output_dir is not None:
        return Path(output_dir)
    return QUICK_OUTPUT_DIR if quick else Path(".")


class StagedOutputs:
    """A run's outputs, written into a staging folder and published together.

    The notebook writes its results, figures and LaTeX tables under
    :attr:`path`; its last cell calls :meth:`publish`, which moves them into
    the output folder. A run that fails before that leaves the output folder
    as it was (and its partial outputs under ``<output_dir>/.staging/``, for
    inspection).

    Parameters
    ----------
    output_dir : str or path-like
        Where the outputs belong; created if absent.

    Raises
    ------
    ValueError
        If ``output_dir`` exists and is not a folder.
    """

    def __init__(self, output_dir: str | os.PathLike) -> None:
        import datetime
        import tempfile

        self.output_dir = Path(output_dir)
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise ValueError(f"output_dir: {self.output_dir} exists and is not a folder")
        staging_root = self.output_dir / STAGING_DIR_NAME
        staging_root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=staging_root))

    def publish(self) -> list[Path]:
        """Move every staged file to the same place under the output folder.

        Returns
        -------
        list of pathlib.Path
            The published files, in their final place.
        """
        import shutil

        published = []
        for staged in sorted(p for p in self.path.rglob("*") if p.is_file()):
            target = self.output_dir / staged.relative_to(self.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            published.append(target)
        shutil.rmtree(self.path)
        try:
            self.path.parent.rmdir()  # the staging root, unless another run is staging there too
        except OSError:
            pass
        return published


def executed_parameters(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The checked parameters an executed notebook ran with: its ``parameters``
    cell's defaults, overridden by what papermill injected (:func:`check_parameters`)."""
    namespace: dict[str, Any] = {}
    for cell in notebook["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            exec(source, namespace)  # the project's own cell: plain assignments
            break
    else:
        raise ValueError("the notebook has no cell tagged 'parameters'")
    namespace.update(notebook.get("metadata", {}).get("papermill", {}).get("parameters", {}))
    return check_parameters(namespace)


def finish_notebook_run(
    executed: str | os.PathLike, notebook: str | os.PathLike = "main.ipynb", readme: str | os.PathLike = "README.md"
) -> Path:
    """Put a successfully executed notebook where its outputs went (``make run``).

    A run that published into the notebook's own folder replaces ``notebook``
    and refreshes the README's results table; any other run (a QUICK run by
    default, or one given OUTPUT_DIR) keeps its notebook beside its outputs,
    and the committed notebook and README stay as they are.

    Returns
    -------
    pathlib.Path
        Where the executed notebook now is.
    """
    import json

    executed, notebook = Path(executed), Path(notebook)
    parameters = executed_parameters(json.loads(executed.read_text()))
    output_dir = resolve_output_dir(parameters["OUTPUT_DIR"], parameters["QUICK"])
    if output_dir.resolve() == notebook.resolve().parent:
        os.replace(executed, notebook)
        update_readme_results(output_dir / "results.json", readme)
        print(f"Published into {output_dir.resolve()}: {notebook}, results.json, report/ and the README's results table.")
        return notebook
    target = output_dir / notebook.name
    os.replace(executed, target)
    print(f"Outputs and the executed notebook are in {output_dir}/ ; the committed {notebook}, results and README are untouched.")
    return target


# ---------------------------------------------------------------------------
# Benchmarking and export
# ---------------------------------------------------------------------------


class Stopwatch:
    """Records the wall time of named stages: ``with stopwatch("name"): ...``.

    The times, in seconds, accumulate in the ``seconds`` dict.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str) -> "_Stage":
        return _Stage(self, stage)


class _Stage:
    def __init__(self, stopwatch: Stopwatch, stage: str) -> None:
        self.stopwatch, self.stage = stopwatch, stage

    def __enter__(self) -> None:
        import time

        self.start = time.perf_counter()

    def __exit__(self, *exc: Any) -> None:
        import time

        elapsed = time.perf_counter() - self.start
        self.stopwatch.seconds[self.stage] = self.stopwatch.seconds.get(self.stage, 0.0) + elapsed


TABLE_HEADER = f"{'method':<34}{'fit s':>8}{'pred s':>8}{'ACC':>8}{'NMI':>8}{'ARI':>8}{'silh.':>8}"
#: Test points on which every method's silhouette coefficient is computed.
SILHOUETTE_SAMPLE_SIZE = 5000


def silhouette(features: np.ndarray, y_pred: np.ndarray, sample_size: int = SILHOUETTE_SAMPLE_SIZE) -> float:
    """Silhouette coefficient of a clustering on a fixed random subsample.

    An internal metric: it uses no labels, only how compact and separated the
    clusters are in ``features`` (Euclidean distance).

    Parameters
    ----------
    features : numpy.ndarray, shape (n, d)
        The space the clustering was made in.
    y_pred : numpy.ndarray of int, shape (n,)
        Cluster ids.
    sample_size : int
        Points drawn (always with ``random_state=0``, so every method is
        scored on the same points); all points if fewer.

    Returns
    -------
    float
        In [-1, 1]; NaN when there are fewer than two clusters.
    """
    from sklearn.metrics import silhouette_score

    if len(np.unique(y_pred)) < 2:
        return float("nan")
    size = min(sample_size, len(features))
    return float(silhouette_score(features, y_pred, sample_size=size, random_state=0))


def benchmark_clustering(
    name: str,
    estimator: Any,
    x_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    cache: "ArtifactCache | None" = None,
    cache_name: str | None = None,
) -> dict[str, Any]:
    """Fit a clusterer on the training data, predict the test data, score it.

    Prints one table row (method, fit time, predict time, ACC, NMI, ARI,
    silhouette), in the style of scikit-learn's clustering benchmarks; print
    ``TABLE_HEADER`` above the first row. The silhouette is computed on the
    test features (see :func:`silhouette`).

    Parameters
    ----------
    name : str
        The method's name in the table.
    estimator : object with ``fit`` and ``predict``
        E.g. ``KMeans`` or ``GaussianMixture``; fitted in place.
    x_train : numpy.ndarray, shape (n_train, d)
        Training features (no labels are used).
    x_test : numpy.ndarray, shape (n_test, d)
    y_test : numpy.ndarray of int, shape (n_test,)
        Test labels, for scoring only.
    cache : ArtifactCache, optional
        Load the fitted estimator from here if an entry matches (its class,
        its parameters and the training features' checksum), else fit and
        save it. ``fit_s`` is then the time of the original fit.
    cache_name : str, optional
        Name of the cache entry; required with ``cache``.

    Returns
    -------
    dict
        ``acc``, ``nmi``, ``ari``, ``silhouette``, ``fit_s``, ``predict_s``,
        the test predictions under ``y_pred`` (a numpy array) and the fitted
        estimator under ``estimator`` (the one passed, or the cached one).
        For an estimator fitted by EM (one with ``converged_``, e.g.
        ``GaussianMixture``) also ``em_iterations`` and ``em_converged``
        (see :func:`em_convergence` and :func:`describe_em_runs`).
    """
    import time

    if x_train.ndim != 2 or x_test.ndim != 2 or x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must be 2-D with equal widths, got {x_train.shape}, {x_test.shape}")
    if cache is not None:
        if not cache_name:
            raise ValueError("cache_name is required when a cache is given")
        spec = {
            "estimator": type(estimator).__name__,
            "params": {k: repr(v) for k, v in estimator.get_params().items()},
            "x_train": array_checksum(x_train),
        }
        objects, info = cache.fetch(cache_name, spec, lambda: ({"estimator": estimator.fit(x_train)}, {}))
        estimator, fit_s = objects["estimator"], info["fit_s"]
    else:
        start = time.perf_counter()
        estimator.fit(x_train)
        fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = np.asarray(estimator.predict(x_test))
    predict_s = time.perf_counter() - start
    em_record = em_convergence(estimator) if hasattr(estimator, "converged_") else {}
    return {**score_row(name, y_test, y_pred, x_test, fit_s, predict_s), **em_record, "estimator": estimator}


def em_convergence(estimator: Any) -> dict[str, Any]:
    """How long a fitted mixture's EM ran and whether it converged.

    Parameters
    ----------
    estimator : fitted ``GaussianMixture`` (or any estimator with ``n_iter_``
        and ``converged_``)

    Returns
    -------
    dict
        ``em_iterations`` (int) and ``em_converged`` (bool), for results.json.

    Raises
    ------
    ValueError
        If the estimator has no ``converged_`` or ``n_iter_`` attribute (not
        fitted, or not fitted by EM).
    """
    if not (hasattr(estimator, "converged_") and hasattr(estimator, "n_iter_")):
        raise ValueError(f"{type(estimator).__name__} has no EM convergence record; fit a GaussianMixture first")
    return {"em_iterations": int(estimator.n_iter_), "em_converged": bool(estimator.converged_)}


def _em_state(row: Mapping[str, Any]) -> str:
    """The words for a row's ``em_converged``, shared by the notebook's lines and the report's macros."""
    return "converged" if row["em_converged"] else "not converged"


def describe_em_runs(rows: dict[str, dict[str, Any]]) -> str:
    """One line per result row that records an EM run: its label, iterations, convergence.

    Parameters
    ----------
    rows : dict of str to dict
        Result rows (e.g. ``results["methods"]`` or a selection of it); rows
        without ``em_iterations`` are skipped.

    Returns
    -------
    str
        E.g. ``"PCA 80% (24 comp.) + GMM: EM ran 30 iterations, not converged"``,
        lines joined by newlines; empty if no row records an EM run.

    Raises
    ------
    ValueError
        If a row records ``em_iterations`` without ``em_converged``.
    """
    lines = []
    for key, row in rows.items():
        if "em_iterations" not in row:
            continue
        if "em_converged" not in row:
            raise ValueError(f"row {key!r} has em_iterations but no em_converged")
        lines.append(f"{row.get('label', key)}: EM ran {row['em_iterations']} iterations, {_em_state(row)}")
    return "\n".join(lines)


def score_row(
    name: str, y_test: np.ndarray, y_pred: np.ndarray, features: np.ndarray, fit_s: float, predict_s: float
) -> dict[str, Any]:
    """Score test predictions and print them as one table row (see ``TABLE_HEADER``).

    For methods that are not a scikit-learn estimator (DEC, IDEC); the
    silhouette is computed on ``features``, the method's own test features.

    Returns
    -------
    dict
        ``acc``, ``nmi``, ``ari``, ``silhouette``, ``fit_s``, ``predict_s``, ``y_pred``.
    """
    y_pred = np.asarray(y_pred)
    scores = evaluate(y_test, y_pred)
    scores["silhouette"] = silhouette(features, y_pred)
    print(
        f"{name:<34}{fit_s:>8.1f}{predict_s:>8.2f}{scores['acc']:>8.3f}{scores['nmi']:>8.3f}"
        f"{scores['ari']:>8.3f}{scores['silhouette']:>8.3f}"
    )
    return {**scores, "fit_s": fit_s, "predict_s": predict_s, "y_pred": y_pred}


def select_gmm_by_bic(
    codes: np.ndarray,
    n_components: int,
    covariance_types: Sequence[str] = ("full", "tied", "diag", "spherical"),
    n_inits: Sequence[int] = (1, 3),
    seed: int = 0,
) -> tuple[dict[str, Any], dict[str, dict[int, float]]]:
    """Choose a Gaussian mixture's covariance type and n_init by BIC.

    Only the (unlabelled) training codes are used. Among settings whose BIC
    is within 0.1% of the lowest, the cheapest one (fewest initialisations)
    wins, so extra restarts are kept only when they really help.

    Parameters
    ----------
    codes : numpy.ndarray, shape (n, d)
        Training features.
    n_components : int
        Number of mixture components.
    covariance_types : sequence of str
        Candidates, as scikit-learn names them.
    n_inits : sequence of int
        Candidate numbers of initialisations.
    seed : int
        ``random_state`` of every fit.

    Returns
    -------
    best : dict
        ``{"covariance_type": ..., "n_init": ...}``.
    bic : dict
        ``{covariance_type: {n_init: bic}}`` for every candidate.
    """
    from sklearn.mixture import GaussianMixture

    if not covariance_types or not n_inits:
        raise ValueError("covariance_types and n_inits must not be empty")
    bic: dict[str, dict[int, float]] = {}
    for covariance_type in covariance_types:
        bic[covariance_type] = {}
        for n_init in n_inits:
            model = GaussianMixture(
                n_components, covariance_type=covariance_type, n_init=n_init, random_state=seed
            ).fit(codes)
            bic[covariance_type][n_init] = float(model.bic(codes))
    lowest = min(min(row.values()) for row in bic.values())
    tolerance = 1e-3 * abs(lowest)
    candidates = [(n, t) for t, row in bic.items() for n, value in row.items() if value <= lowest + tolerance]
    n_init, covariance_type = min(candidates, key=lambda c: (c[0], bic[c[1]][c[0]]))
    return {"covariance_type": covariance_type, "n_init": n_init}, bic


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries the study depends on."""
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn", "keras", "matplotlib", "seaborn", "umap-learn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    for package in ("tensorflow-cpu", "tensorflow"):
        try:
            versions["tensorflow"] = metadata.version(package)
            break
        except metadata.PackageNotFoundError:
            continue
    return versions


# The instruction sets that decide which kernels TensorFlow (oneDNN) and the BLAS libraries run, and so the
# speed and the floating-point rounding of a run: the README compares machines with and without AVX-512.
RECORDED_INSTRUCTION_SETS = ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile")


def machine_info(cpuinfo_path: str | Path = "/proc/cpuinfo") -> dict[str, Any]:
    """The processor a run executes on, for results.json.

    Parameters
    ----------
    cpuinfo_path : str or pathlib.Path
        Linux's processor description; where it does not exist (other systems), the processor's name comes from
        :func:`platform.processor` and the instruction sets are unknown.

    Returns
    -------
    dict
        ``processor`` (model name), ``instruction_sets`` (those of :data:`RECORDED_INSTRUCTION_SETS` the processor
        has, in that order; ``None`` when unknown), ``logical_cpus`` (``os.cpu_count()``) and ``platform``.
    """
    import platform

    path = Path(cpuinfo_path)
    processor, flags = platform.processor() or "unknown", None
    if path.is_file():
        fields: dict[str, str] = {}
        for line in path.read_text(errors="replace").splitlines():
            key, separator, value = line.partition(":")
            if separator and key.strip() not in fields:  # the first processor describes them all
                fields[key.strip()] = value.strip()
        processor = fields.get("model name", processor)
        # x86 calls them "flags", ARM "Features".
        flags = set((fields.get("flags") or fields.get("Features") or "").split())
    return {
        "processor": processor,
        "instruction_sets": None if flags is None else [name for name in RECORDED_INSTRUCTION_SETS if name in flags],
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def describe_machine(machine: Mapping[str, Any] | None) -> str:
    """One line on the processor recorded by :func:`machine_info`, for the README and the report.

    Parameters
    ----------
    machine : mapping or None
        ``results["machine"]``; ``None`` or empty for runs that did not record it.

    Returns
    -------
    str
        E.g. ``"AMD EPYC, 2 logical CPUs, with AVX-512"``; ``"processor not recorded"`` without a record.
    """
    if not machine:
        return "processor not recorded"
    instruction_sets = machine.get("instruction_sets")
    if instruction_sets is None:
        vector_unit = "instruction sets unknown"
    elif "avx512f" in instruction_sets:
        vector_unit = "with AVX-512"
    elif "avx2" in instruction_sets:
        vector_unit = "AVX2, no AVX-512"
    else:
        vector_unit = "no AVX2"
    return f"{machine.get('processor', 'unknown processor')}, {machine.get('logical_cpus', '?')} logical CPUs, {vector_unit}"


def _json_ready(value: Any) -> Any:
    """Convert numpy scalars and arrays inside nested containers to Python."""
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _methods(results: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``methods`` mapping of a results dict, or ValueError if absent or empty."""
    methods = results.get("methods") or {}
    if not methods:
        raise ValueError("results must hold a non-empty 'methods' mapping")
    return methods


def total_fit_seconds(row: Mapping[str, Any]) -> float:
    """A method's whole fit time: its clusterer (``fit_s``) plus its representation
    (``representation_s``: training the autoencoder and encoding), if any."""
    return row["fit_s"] + row.get("representation_s", 0.0)


def write_results(results: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the study's results as indented JSON, atomically.

    Each method's ``y_pred`` and ``estimator`` are dropped (predictions and
    fitted models are not results).

    Parameters
    ----------
    results : mapping
        Must hold a ``"methods"`` mapping of method key to metrics.
    path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    import json

    _methods(results)
    cleaned = dict(results)
    cleaned["methods"] = {
        key: {k: v for k, v in row.items() if k not in ("y_pred", "estimator")}
        for key, row in results["methods"].items()
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(_json_ready(cleaned), indent=2) + "\n")
    temporary.replace(path)
    return path


#: Published deep-clustering figures on Fashion-MNIST (accuracy, NMI), with their protocol.
PUBLISHED_DEEP_CLUSTERING: dict[str, dict[str, str]] = {
    "DEC (Xie et al., 2016)": {"acc": "0.518", "nmi": "-", "protocol": "as quoted by N2D; fitted and scored on the same images"},
    "IDEC (Guo et al., 2017)": {"acc": "0.529", "nmi": "-", "protocol": "as quoted by N2D; fitted and scored on the same images"},
    "N2D (McConville et al., 2019)": {
        "acc": "0.672", "nmi": "0.684", "protocol": "1,000 pretraining epochs; fitted and scored on the same images",
    },
}

_BENCHMARK_METRICS = ("acc", "nmi", "ari")


def aggregate_benchmark(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation over seeds of each method's scores and time.

    Parameters
    ----------
    runs : sequence of mapping
        The ``results.json`` of each seed's run (same methods in each).

    Returns
    -------
    dict
        ``{"seeds": [...], "n_runs": n, "methods": {key: {"label", "group",
        "acc": {"mean", "std", "values"}, "nmi": ..., "ari": ...,
        "fit_s": ...}}, "machines": [...]}``; ``machines`` are the runs' distinct processors
        (:func:`describe_machine`); ``fit_s`` is the method's whole fit time
        (:func:`total_fit_seconds`); ``std`` is the sample standard deviation
        (``ddof=1``; 0 for a single run). Where every run records
        ``scan_heads`` (each SCAN head's test accuracy, and which agreed most
        with the others), also ``"scan_heads": {"n_heads", "most_agreeing",
        "mean_head", "best_head", "worst_head"}``, the last four summaries
        over the runs of that head's (or the heads' mean) test accuracy.

    Raises
    ------
    ValueError
        If ``runs`` is empty or the runs do not hold the same methods.
    """
    if not runs:
        raise ValueError("need at least one run to aggregate")
    keys = list(_methods(runs[0]))
    for run in runs[1:]:
        if list(_methods(run)) != keys:
            raise ValueError("every run must hold the same methods, in the same order")

    def summary(values: list[float]) -> dict[str, Any]:
        return {
            "mean": float(np.mean(values)),
            "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "values": [float(v) for v in values],
        }

    methods = {}
    for key in keys:
        rows = [run["methods"][key] for run in runs]
        methods[key] = {
            "label": rows[0]["label"],
            "group": rows[0].get("group", "assignment"),
            **{metric: summary([row[metric] for row in rows]) for metric in _BENCHMARK_METRICS},
            "fit_s": summary([total_fit_seconds(row) for row in rows]),
        }
    benchmark = {
        "seeds": [run.get("parameters", {}).get("SEED") for run in runs],
        "n_runs": len(runs),
        "total_s": summary([run.get("total_s", float("nan")) for run in runs]),
        "device": runs[0].get("device", "?"),
        # Scores and times depend on the processor, so the benchmark says which ones its runs had.
        "machines": sorted({describe_machine(run.get("machine")) for run in runs}),
        "methods": methods,
    }
    if all("scan_heads" in run for run in runs):
        head_acc = [np.asarray(run["scan_heads"]["test_acc"], dtype=float) for run in runs]
        benchmark["scan_heads"] = {
            "n_heads": sorted({len(acc) for acc in head_acc}),
            "most_agreeing": summary([acc[run["scan_heads"]["chosen"]] for acc, run in zip(head_acc, runs)]),
            "mean_head": summary([acc.mean() for acc in head_acc]),
            "best_head": summary([acc.max() for acc in head_acc]),
            "worst_head": summary([acc.min() for acc in head_acc]),
        }
    return benchmark


def benchmark_table_markdown(benchmark: Mapping[str, Any]) -> str:
    """The benchmark as a Markdown table (mean +- std over seeds), published figures below it."""
    lines = [
        "| method | ACC | NMI | ARI | fit (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    cell = lambda s, digits: f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"
    for row in _methods(benchmark).values():
        lines.append(
            f"| {row['label']} | {cell(row['acc'], 3)} | {cell(row['nmi'], 3)} | {cell(row['ari'], 3)} | "
            f"{cell(row['fit_s'], 0)} |"
        )
    heads = benchmark.get("scan_heads")
    if heads:
        lines += [
            "",
            f"SCAN heads ({'/'.join(map(str, heads['n_heads']))} per run), test ACC, mean ± sd over the runs: "
            f"the most agreeing head {cell(heads['most_agreeing'], 3)}, the average head {cell(heads['mean_head'], 3)}, "
            f"the best head {cell(heads['best_head'], 3)}, the worst head {cell(heads['worst_head'], 3)}.",
        ]
    lines += ["", "| published | ACC | NMI | protocol |", "|---|---:|---:|---|"]
    lines += [
        f"| {name} | {row['acc']} | {row['nmi']} | {row['protocol']} |" for name, row in PUBLISHED_DEEP_CLUSTERING.items()
    ]
    return "\n".join(lines) + "\n"


# The goal for the whole notebook, every method included, on a 2-core CPU (issue 5).
TIME_BUDGET_MINUTES = 15.0


def budget_verdict(run_minutes: Sequence[float], budget_minutes: float = TIME_BUDGET_MINUTES) -> str:
    """Whether the notebook's runs kept to the time budget, as words for a sentence.

    Parameters
    ----------
    run_minutes : sequence of float
        Each run's whole-notebook time, in minutes.
    budget_minutes : float
        The budget per run.

    Returns
    -------
    str
        ``"within"`` when every run took at most the budget, ``"over on some seeds"``
        when some did and the mean is within it, otherwise ``"over"``.

    Raises
    ------
    ValueError
        If there are no runs or a time is not a positive finite number.
    """
    minutes = np.asarray(run_minutes, dtype=float)
    if minutes.size == 0 or not np.all(np.isfinite(minutes)) or np.any(minutes <= 0):
        raise ValueError(f"need at least one positive, finite run time; got {list(run_minutes)}")
    if np.all(minutes <= budget_minutes):
        return "within"
    return "over on some seeds" if minutes.mean() <= budget_minutes else "over"


def benchmark_macros_latex(benchmark: Mapping[str, Any], prefix: str = "Bench") -> str:
    r"""``\newcommand`` definitions of the benchmark's figures for the report's text.

    The names below are for the default ``prefix``; another (letters only, e.g.
    ``"SecondBench"`` for a benchmark on a second kind of machine) replaces ``Bench``.
    Per method: ``\BenchAcc<Name>``, ``\BenchNmi<Name>`` (mean, 3 decimals)
    and ``\BenchAccSd<Name>``, ``\BenchNmiSd<Name>`` (standard deviation);
    run-wide ``\BenchRuns``, ``\BenchMinutes`` (mean notebook time),
    ``\BenchSlowestMinutes`` (the slowest run's), ``\BenchMachines`` (the runs'
    processors, :func:`describe_machine`) and ``\BenchBudgetVerdict``
    (:func:`budget_verdict` against :data:`TIME_BUDGET_MINUTES`); where
    recorded, the SCAN heads' mean test accuracies ``\BenchScanMostAgreeingAcc``,
    ``\BenchScanMeanHeadAcc``, ``\BenchScanBestHeadAcc``, ``\BenchScanWorstHeadAcc``.

    Raises
    ------
    ValueError
        If ``prefix`` is not made of ASCII letters (LaTeX macro names are).
    """
    if not (prefix.isascii() and prefix.isalpha()):
        raise ValueError(f"prefix must be ASCII letters only, got {prefix!r}")
    lines = [r"% Generated from a benchmark.json by helpers.write_report_inputs; do not edit."]
    for key, row in _methods(benchmark).items():
        name = latex_macro_name(key)
        for metric in ("acc", "nmi"):
            label = metric.capitalize()
            lines.append(rf"\newcommand{{\{prefix}{label}{name}}}{{{row[metric]['mean']:.3f}}}")
            lines.append(rf"\newcommand{{\{prefix}{label}Sd{name}}}{{{row[metric]['std']:.3f}}}")
    lines.append(rf"\newcommand{{\{prefix}Runs}}{{{benchmark['n_runs']}}}")
    lines.append(rf"\newcommand{{\{prefix}Minutes}}{{{benchmark['total_s']['mean'] / 60:.1f}}}")
    run_minutes = [seconds / 60 for seconds in benchmark["total_s"]["values"]]
    lines.append(rf"\newcommand{{\{prefix}SlowestMinutes}}{{{max(run_minutes):.1f}}}")
    machines = "; ".join(benchmark.get("machines") or ["processor not recorded"])
    lines.append(rf"\newcommand{{\{prefix}Machines}}{{{_latex_escape(machines)}}}")
    lines.append(rf"\newcommand{{\{prefix}BudgetVerdict}}{{{budget_verdict(run_minutes)}}}")
    for which, summary in (benchmark.get("scan_heads") or {}).items():
        if which != "n_heads":
            name = latex_macro_name(which)
            lines.append(rf"\newcommand{{\{prefix}Scan{name}Acc}}{{{summary['mean']:.3f}}}")
    return "\n".join(lines) + "\n"


def benchmark_table_latex(benchmark: Mapping[str, Any], groups: Sequence[str] = ("assignment", "beyond")) -> str:
    """The benchmark's rows as a LaTeX ``tabular`` (mean and std over seeds), published figures below.

    Only the methods of the given ``groups`` are listed (the report's page
    budget; the README's table has them all).
    """
    seeds = ", ".join(str(seed) for seed in benchmark.get("seeds", []))
    lines = [
        rf"% Generated by helpers.benchmark_table_latex from results/benchmark.json (seeds {seeds}); do not edit.",
        r"\begin{tabular}{@{}lcccr@{}}",
        r"\toprule",
        r"Method & ACC & NMI & ARI & Fit (s) \\",
        r"\midrule",
    ]
    cell = lambda s, digits: rf"{s['mean']:.{digits}f}\,$\pm$\,{s['std']:.{digits}f}"
    for row in _methods(benchmark).values():
        if row.get("group", "assignment") not in groups:
            continue
        lines.append(
            rf"{_latex_escape(row['label'])} & {cell(row['acc'], 3)} & {cell(row['nmi'], 3)} & "
            rf"{cell(row['ari'], 3)} & {row['fit_s']['mean']:.0f} \\"
        )
    lines.append(r"\midrule")
    for name, row in PUBLISHED_DEEP_CLUSTERING.items():
        lines.append(rf"{_latex_escape(name)}$^\dagger$ & {row['acc']} & {row['nmi']} & -- & -- \\")
    lines += [r"\bottomrule", r"\end{tabular}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Cache of trained models (so that a second run of the notebook is fast)
# ---------------------------------------------------------------------------


def array_checksum(*arrays: np.ndarray) -> str:
    """SHA-256 of arrays' shapes, dtypes and contents, as a hex string.

    Part of every cache key: a model trained on other data (another subset,
    other codes upstream) never matches.
    """
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _major_minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


class ArtifactCache:
    """Saves trained models under a key made of everything that determines them.

    An entry is a folder ``<directory>/<name>-<key>/`` holding the saved
    objects and a ``meta.json`` with each file's SHA-256. The key hashes the
    entry's name, the caller's ``spec`` (architecture, training parameters,
    seed, the training data's :func:`array_checksum`) and the major.minor
    versions of Python and the libraries, so a changed parameter never loads a
    stale model. Entries are written to a temporary folder and renamed into
    place, so an interrupted save leaves no entry; a file that does not match
    its checksum (truncated, edited), or a ``meta.json`` that cannot be read or
    does not describe the entry, is reported, discarded and retrained.
    Saving is best effort: when it fails (a read-only folder, a full disk) a
    :class:`CacheWarning` says so and the caller gets the trained objects all
    the same. Processes that save the same entry at once are safe: the first
    to finish keeps its entry (under ``retrain``, the last one does).

    Objects are saved by type: ``keras.Model`` as ``.keras`` (reloaded without
    its optimizer state), ``numpy.ndarray`` as ``.npy``, anything else (fitted
    scikit-learn estimators) with ``pickle``. Load only caches you wrote
    yourself: unpickling runs code.

    Parameters
    ----------
    directory : str or path-like
        Cache folder; created on first save.
    retrain : bool, default False
        Ignore existing entries (they are overwritten by the new training).
    log : callable, default print
        Receives one line per lookup (loaded, trained, or discarded and why).
    """

    def __init__(self, directory: str | os.PathLike, retrain: bool = False, log: Any = print) -> None:
        self.directory = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ValueError(f"directory: the cache folder {self.directory} exists and is not a folder")
        self.retrain = bool(retrain)
        self.log = log
        self.versions = {name: _major_minor(v) for name, v in library_versions().items()}
        #: Names of the entries this object loaded, and of those it trained, in order.
        self.loaded: list[str] = []
        self.trained: list[str] = []

    def key(self, name: str, spec: Mapping[str, Any]) -> str:
        """The 16-hex-digit key of an entry (stable across runs and machines)."""
        import json

        if not name or not all(c.isalnum() or c in "_-" for c in name):
            raise ValueError(f"cache entry names use letters, digits, '_' and '-', got {name!r}")
        material = json.dumps({"name": name, "spec": _json_ready(spec), "versions": self.versions}, sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def path(self, name: str, spec: Mapping[str, Any]) -> Path:
        """Where the entry for ``name`` and ``spec`` lives (whether or not it exists)."""
        return self.directory / f"{name}-{self.key(name, spec)}"

    def fetch(
        self, name: str, spec: Mapping[str, Any], train: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Load the entry for ``spec``, or call ``train()`` and save what it returns.

        Parameters
        ----------
        name : str
            Short name of the entry (letters, digits, ``_``, ``-``).
        spec : mapping
            JSON-serialisable description of everything that determines the
            result; include the seed and the training data's checksum.
        train : callable
            ``train() -> (objects, info)``: ``objects`` a dict of name to
            object to save, ``info`` a JSON-serialisable dict kept beside them
            (e.g. the loss history).

        Returns
        -------
        objects : dict
            As ``train`` returned them, or as loaded.
        info : dict
            ``train``'s info plus ``fit_s`` (wall time of ``train()`` when it
            ran, also when loaded later), ``loaded`` (bool) and ``path``.
        """
        import time

        path = self.path(name, spec)
        found, why_train = self._lookup(name, path)
        if found is not None:
            return found
        self.log(f"[cache] {name}: {why_train}")
        start = time.perf_counter()
        objects, info = train()
        info = {**info, "fit_s": time.perf_counter() - start}
        if self._save(path, name, spec, objects, info):
            self.log(f"[cache] {name}: saved {path}")
        self.trained.append(name)
        return objects, {**info, "loaded": False, "path": str(path)}

    def _lookup(self, name: str, path: Path) -> tuple[Any, str]:
        """The entry at ``path`` as ``fetch`` returns it, loaded; or ``None`` and why it must be trained."""
        if self.retrain:
            return None, "RETRAIN set; training"
        if not os.path.lexists(path):
            return None, f"no entry {path}; training"
        try:
            objects, info = self._load(path)
        except Exception as error:  # any damage means: do not trust it, train again
            _remove_entry(path)
            return None, f"discarding damaged entry {path} ({type(error).__name__}: {error}); retraining"
        self.log(f"[cache] {name}: loaded {path} (trained in {info['fit_s']:.1f} s)")
        self.loaded.append(name)
        return (objects, {**info, "loaded": True, "path": str(path)}), ""

    def fetch_in_background(self, name: str, spec: Mapping[str, Any], train: Any, *args: Any, **kwargs: Any) -> "PendingEntry":
        """Like :meth:`fetch`, but a missing entry is trained in a separate process while the caller goes on.

        Meant for a single-threaded step (such as a seeded UMAP) that can use
        a core the caller leaves idle. The process is started with ``spawn``,
        so ``train`` must be importable (a module-level function, not a lambda
        or a function defined in a notebook) and its arguments and returned
        objects picklable, and a script that calls this needs the usual
        ``if __name__ == "__main__":`` guard (a notebook does not). The entry
        is saved by this process when :meth:`PendingEntry.result` collects it.

        Parameters
        ----------
        name, spec
            As for :meth:`fetch`.
        train : callable
            ``train(*args, **kwargs) -> (objects, info)``, as for :meth:`fetch`.
        *args, **kwargs
            Passed to ``train`` in the other process.

        Returns
        -------
        PendingEntry
            Its ``result()`` returns ``(objects, info)`` as :meth:`fetch` does;
            ``info["fit_s"]`` is the wall time of ``train`` in the other process.
        """
        import concurrent.futures
        import multiprocessing

        found, why_train = self._lookup(name, self.path(name, spec))
        if found is not None:
            objects, info = found
            return PendingEntry(self, name, spec, loaded=(objects, {**info, "waited_s": 0.0}))
        self.log(f"[cache] {name}: {why_train} in a background process")
        # spawn starts a fresh interpreter, which is safe after TensorFlow has started its threads (fork is not).
        # At a lower priority, the process uses what the caller leaves idle rather than competing with it.
        lower_priority = {"initializer": os.nice, "initargs": (BACKGROUND_NICENESS,)} if hasattr(os, "nice") else {}
        worker = concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), **lower_priority)
        future = worker.submit(_timed_call, train, args, kwargs)
        worker.shutdown(wait=False)  # the process exits once its one task is done
        return PendingEntry(self, name, spec, future=future)

    def _save(self, path: Path, name: str, spec: Mapping[str, Any], objects: Mapping[str, Any], info: Mapping[str, Any]) -> bool:
        """Write the entry at ``path``; on failure warn (:class:`CacheWarning`) and return False."""
        import json
        import shutil
        import uuid
        import warnings

        temporary = self.directory / f".tmp-{path.name}-{uuid.uuid4().hex[:8]}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary.mkdir()
            files = {object_name: _save_object(value, temporary, object_name) for object_name, value in objects.items()}
            meta = {"name": name, "spec": _json_ready(spec), "versions": self.versions, "files": files, "info": _json_ready(info)}
            (temporary / "meta.json").write_text(json.dumps(meta, indent=1))
            _place_entry(temporary, path, replace=self.retrain)
            return True
        except Exception as error:  # a cache that cannot be written costs time later, never this run's result
            warnings.warn(
                f"[cache] {name}: could not save {path} ({type(error).__name__}: {error}); "
                "the run goes on and this model will be trained again next time",
                CacheWarning,
                stacklevel=3,
            )
            return False
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _load(self, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """The entry's objects and info; raises on any damage (the caller discards the entry)."""
        import json
        import pickle

        meta = json.loads((path / "meta.json").read_text())
        files, info = _check_meta(meta)
        for entry in files.values():
            if _file_sha256(path / entry["file"]) != entry["sha256"]:
                raise ValueError(f"{entry['file']} does not match its checksum")
        objects: dict[str, Any] = {}
        for object_name, entry in files.items():
            file = path / entry["file"]
            if entry["kind"] == "keras":
                import keras

                custom_objects = {"ClusteringLayer": _clustering_layer_class()}
                objects[object_name] = keras.models.load_model(file, custom_objects=custom_objects, compile=False)
            elif entry["kind"] == "numpy":
                objects[object_name] = np.load(file, allow_pickle=False)
            else:
                objects[object_name] = pickle.loads(file.read_bytes())
        return objects, info


class CacheWarning(UserWarning):
    """A cache entry could not be saved; the run goes on without it."""


_CACHE_FILE_KINDS = ("keras", "numpy", "pickle")


def _save_object(value: Any, folder: Path, object_name: str) -> dict[str, str]:
    """Save one object into an entry's folder by its type; return its ``meta.json`` record."""
    import pickle

    if hasattr(value, "save") and hasattr(value, "get_weights"):
        file, kind = f"{object_name}.keras", "keras"
        value.save(folder / file)
    elif isinstance(value, np.ndarray):
        file, kind = f"{object_name}.npy", "numpy"
        np.save(folder / file, value, allow_pickle=False)
    else:
        file, kind = f"{object_name}.pkl", "pickle"
        (folder / file).write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return {"file": file, "kind": kind, "sha256": _file_sha256(folder / file)}


def _check_meta(meta: Any) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """The ``files`` and ``info`` of an entry's ``meta.json``, or ValueError saying what is inconsistent."""
    if not isinstance(meta, dict) or not isinstance(meta.get("files"), dict) or not isinstance(meta.get("info"), dict):
        raise ValueError("meta.json does not hold 'files' and 'info' mappings")
    for object_name, entry in meta["files"].items():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(key), str) for key in ("file", "kind", "sha256")):
            raise ValueError(f"meta.json: the record of {object_name!r} lacks its file, kind or sha256")
        if entry["kind"] not in _CACHE_FILE_KINDS or Path(entry["file"]).name != entry["file"]:
            raise ValueError(f"meta.json: {object_name!r} has kind {entry['kind']!r} and file {entry['file']!r}")
    fit_s = meta["info"].get("fit_s")
    if isinstance(fit_s, bool) or not isinstance(fit_s, (int, float)) or not math.isfinite(fit_s):
        raise ValueError(f"meta.json: info holds no training time fit_s (got {fit_s!r})")
    return meta["files"], meta["info"]


def _remove_entry(path: Path) -> None:
    """Remove a cache entry, whether a folder or (damaged) a file; what cannot be removed stays."""
    import shutil

    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache: the entry stays, and the new one will not be saved either


def _place_entry(temporary: Path, path: Path, replace: bool, attempts: int = 20) -> None:
    """Rename the finished ``temporary`` folder to ``path``.

    If ``path`` exists meanwhile (another process saved the same entry), it is
    kept, unless ``replace``: then it is renamed aside first and removed. A file
    where the entry belongs is damage, and removed.
    """
    import errno
    import uuid

    for _ in range(attempts):
        try:
            os.rename(temporary, path)  # atomic; refused if path is a non-empty folder or a file
            return
        except OSError as error:
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                raise
        if not os.path.lexists(path):
            continue  # another writer moved its entry aside meanwhile
        if path.is_dir() and not path.is_symlink() and not replace:
            return  # the first writer's entry stays
        aside = path.with_name(f".old-{path.name}-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            continue  # another writer moved it first
        _remove_entry(aside)
    raise OSError(f"could not place {path}: other writers kept replacing it")


#: Added to the niceness of a process that :meth:`ArtifactCache.fetch_in_background` starts (Unix: lower priority).
BACKGROUND_NICENESS = 10


def _timed_call(function: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[Any, Any, float]:
    """Run ``function`` and time it (in the background process)."""
    import time

    start = time.perf_counter()
    objects, info = function(*args, **kwargs)
    return objects, info, time.perf_counter() - start


class PendingEntry:
    """A cache entry that :meth:`ArtifactCache.fetch_in_background` loaded, or is training in another process."""

    def __init__(self, cache: ArtifactCache, name: str, spec: Mapping[str, Any], future: Any = None, loaded: Any = None) -> None:
        self.cache, self.name, self.spec, self.future, self._result = cache, name, spec, future, loaded

    def done(self) -> bool:
        """Whether :meth:`result` would return without waiting."""
        return self._result is not None or self.future.done()

    def result(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """Wait for the entry, save it if it was trained, and return ``(objects, info)`` as ``fetch`` does.

        ``info["waited_s"]`` is how long this call waited for the other process.

        Raises
        ------
        Exception
            Whatever ``train`` raised in the other process.
        """
        import time

        if self._result is None:
            start = time.perf_counter()
            objects, info, fit_s = self.future.result()
            waited_s = time.perf_counter() - start
            info = {**info, "fit_s": fit_s}
            path = self.cache.path(self.name, self.spec)
            saved = self.cache._save(path, self.name, self.spec, objects, info)
            self.cache.log(
                f"[cache] {self.name}: trained in the background in {fit_s:.1f} s (waited {waited_s:.1f} s for it)"
                + (f"; saved {path}" if saved else "")
            )
            self.cache.trained.append(self.name)
            self._result = objects, {**info, "loaded": False, "path": str(path), "waited_s": waited_s}
        return self._result


def _latex_escape(text: str) -> str:
    for char, replacement in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        text = text.replace(char, replacement)
    return text


def results_table_latex(results: Mapping[str, Any]) -> str:
    """A booktabs LaTeX table of the assignment's methods in ``results["methods"]``.

    Rows whose ``group`` is other than ``"assignment"`` (the default) are left
    to :func:`comparisons_table_latex`.

    Columns: method, ACC, NMI, ARI, fit time (``fit_s`` plus
    ``representation_s``, the autoencoder's training and encoding), and the
    published submissions' ACC and NMI where the method has a ``published``
    entry. The best value of each metric is set in bold.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results` (or read back from it).

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:results``.
    """
    methods = {k: row for k, row in _methods(results).items() if row.get("group", "assignment") == "assignment"}
    best = {m: max(row[m] for row in methods.values()) for m in ("acc", "nmi", "ari")}
    parameters = results.get("parameters") or {}
    n_train = parameters.get("n_train", TRAIN_SIZE)
    n_test = parameters.get("n_test", TEST_SIZE)

    def cell(row: Mapping[str, Any], metric: str) -> str:
        text = f"{row[metric]:.3f}"
        return rf"\textbf{{{text}}}" if row[metric] == best[metric] else text

    lines = [
        r"\begin{table}[t]",
        r"\centering",
        rf"\caption{{Clustering of the {n_test:,} Fashion-MNIST test images by models fitted on the "
        rf"{n_train:,} training images. ACC is accuracy after Hungarian matching; fit time includes "
        r"training the autoencoder where there is one. Published: figures reported by submissions "
        r"of this assignment.}",
        r"\label{tab:results}",
        r"\begin{tabular}{lrrrrcc}",
        r"\toprule",
        r" & \multicolumn{4}{c}{This study (test set)} & \multicolumn{2}{c}{Published} \\",
        r"\cmidrule(lr){2-5}\cmidrule(lr){6-7}",
        r"Method & ACC & NMI & ARI & Fit (s) & ACC & NMI \\",
        r"\midrule",
    ]
    for row in methods.values():
        published = row.get("published") or {}
        lines.append(
            f"{_latex_escape(row['label'])} & {cell(row, 'acc')} & {cell(row, 'nmi')} & {cell(row, 'ari')} & "
            f"{total_fit_seconds(row):.1f} & "
            f"{published.get('acc', '--')} & {published.get('nmi', '--')} \\\\"
        )
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


#: Figures reported by the published submissions of this assignment (test accuracy and NMI).
PUBLISHED_SUBMISSIONS: dict[str, dict[str, str]] = {
    "kmeans_raw": {"acc": "0.48", "nmi": "0.50--0.52"},
    "ae_kmeans": {"acc": "0.48", "nmi": "0.54--0.55"},
    "ae_gmm": {"acc": "0.54", "nmi": "0.59--0.64"},
}


README_MARKERS = ("<!-- results:start -->", "<!-- results:end -->")


def results_table_markdown(results: Mapping[str, Any]) -> str:
    """A Markdown table of ``results["methods"]`` with the published figures beside them.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.

    Returns
    -------
    str
    """
    methods = _methods(results)
    lines = [
        "| method | ACC | NMI | ARI | silhouette | fit (s) | published ACC | published NMI |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in methods.values():
        published = row.get("published") or {}
        lines.append(
            f"| {row['label']} | {row['acc']:.3f} | {row['nmi']:.3f} | {row['ari']:.3f} | "
            f"{row.get('silhouette', float('nan')):.3f} | {total_fit_seconds(row):.0f} | "
            f"{published.get('acc', '-')} | {str(published.get('nmi', '-')).replace('--', '-')} |"
        )
    supervised = results.get("supervised") or {}
    if supervised:
        lines += ["", "Supervised reference (uses the training labels; not clustering):", "",
                  "| logistic regression on | test accuracy | fit (s) |", "|---|---:|---:|"]
        lines += [f"| {row['label']} | {row['acc']:.3f} | {row['fit_s']:.0f} |" for row in supervised.values()]
    return "\n".join(lines) + "\n"


BENCHMARK_MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")


def _replace_block(readme_path: str | os.PathLike, markers: tuple[str, str], body: str) -> None:
    """Replace the text between two marker lines of a file, keeping the rest."""
    readme = Path(readme_path).read_text()
    start, end = markers
    if start not in readme or end not in readme or readme.index(start) > readme.index(end):
        raise ValueError(f"{readme_path} must contain the lines {start} and {end}, in that order")
    before, rest = readme.split(start, 1)
    after = rest.split(end, 1)[1]
    Path(readme_path).write_text(f"{before}{start}\n{body}{end}{after}")


def update_readme_benchmark(benchmark_path: str | os.PathLike, readme_path: str | os.PathLike) -> None:
    """Replace the README's benchmark block (between ``BENCHMARK_MARKERS``) with
    :func:`benchmark_table_markdown` of ``results/benchmark.json``."""
    import json

    benchmark = json.loads(Path(benchmark_path).read_text())
    seeds = ", ".join(str(seed) for seed in benchmark["seeds"])
    total = benchmark["total_s"]
    body = (
        f"Mean ± standard deviation over {benchmark['n_runs']} runs (seeds {seeds}) of the whole notebook; "
        f"test set, fitted on the training set. Notebook time per run: {total['mean'] / 60:.1f} ± "
        f"{total['std'] / 60:.1f} min on the {benchmark.get('device', 'CPU')} "
        f"(by seed: {', '.join(f'{value / 60:.1f}' for value in total['values'])}); "
        f"{'; '.join(benchmark.get('machines') or ['processor not recorded'])}.\n\n"
        f"{benchmark_table_markdown(benchmark)}"
    )
    _replace_block(readme_path, BENCHMARK_MARKERS, body)


def update_readme_results(results_path: str | os.PathLike, readme_path: str | os.PathLike) -> None:
    """Replace the README's results block with a table made from ``results.json``.

    The block lies between the lines ``<!-- results:start -->`` and
    ``<!-- results:end -->``; everything else in the README is kept.

    Parameters
    ----------
    results_path, readme_path : str or path-like

    Raises
    ------
    ValueError
        If the README lacks the two marker lines.
    """
    import json

    results = json.loads(Path(results_path).read_text())
    parameters = results.get("parameters", {})
    loaded = (results.get("cache") or {}).get("loaded") or []
    cache_note = f"; {len(loaded)} models loaded from the cache, with the fit times of their training" if loaded else ""
    body = (
        f"Test set ({parameters.get('n_test', '?')} images), models fitted on "
        f"{parameters.get('n_train', '?')} training images, seed {parameters.get('SEED', '?')}; "
        f"fit time includes training the autoencoder. Whole notebook: "
        f"{results.get('total_s', float('nan')):.0f} s on the {results.get('device', '?')} "
        f"({describe_machine(results.get('machine'))}), peak memory "
        f"{results.get('peak_memory_gib', float('nan')):.2f} GiB (run of {results.get('created', '?')}{cache_note}).\n\n"
        f"{results_table_markdown(results)}"
    )
    _replace_block(readme_path, README_MARKERS, body)


# ---------------------------------------------------------------------------
# Report inputs (LaTeX generated from results.json)
# ---------------------------------------------------------------------------


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


_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def latex_macro_name(key: str) -> str:
    """A LaTeX-safe CamelCase name (letters only) for a results key.

    ``"ae_gmm"`` gives ``"AeGmm"``; digits are spelled out (``"pca_90"`` gives
    ``"PcaNineZero"``), since LaTeX command names hold letters only.
    """
    spelled = "".join(_DIGIT_WORDS[int(ch)] + "_" if ch.isdigit() else ch for ch in key)
    name = "".join(part[:1].upper() + part[1:] for part in spelled.split("_") if part)
    name = "".join(ch for ch in name if ch.isascii() and ch.isalpha())
    if not name:
        raise ValueError(f"cannot make a LaTeX macro name from {key!r}")
    return name


def report_macros_latex(results: Mapping[str, Any]) -> str:
    r"""``\newcommand`` definitions of every number the report's text quotes.

    Per method (CamelCase of its key, see :func:`latex_macro_name`):
    ``\Acc<Name>``, ``\Nmi<Name>``, ``\Ari<Name>`` (3 decimals) and
    ``\Fit<Name>`` (seconds, including the autoencoder), ``\Silh<Name>`` where
    a silhouette was computed, ``\EmIterations<Name>`` and ``\EmConverged<Name>``
    where an EM run was recorded (see :func:`em_convergence`); ``\SupAcc<Name>`` per supervised reference. Run-wide: ``\NTrain``,
    ``\NTest``, ``\Seed``, ``\Param<Name>`` for each integer notebook parameter
    (``SCAN_EPOCHS`` gives ``\ParamScanEpochs``), ``\Device``, ``\ComparisonGmmMaxIter`` (if set), ``\TotalMinutes``, ``\PeakMemoryGiB``
    and, where present, the autoencoder's ``\EpochsRun``, ``\AeParams``,
    ``\AeFitSeconds``, the GMM's ``\GmmCovariance`` and ``\GmmNInit``, and the SCAN
    heads' ``\ScanHeads`` (count) and ``\ScanHeadsAccMin``, ``\ScanHeadsAccMax``,
    ``\ScanHeadsAccMean`` (the single heads' test accuracies).

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.

    Returns
    -------
    str
    """
    methods = _methods(results)
    macros: dict[str, str] = {}
    for key, row in methods.items():
        name = latex_macro_name(key)
        macros[f"Acc{name}"] = f"{row['acc']:.3f}"
        macros[f"Nmi{name}"] = f"{row['nmi']:.3f}"
        macros[f"Ari{name}"] = f"{row['ari']:.3f}"
        macros[f"Fit{name}"] = f"{total_fit_seconds(row):.0f}"
        if "silhouette" in row:
            macros[f"Silh{name}"] = f"{row['silhouette']:.3f}"
        if "em_iterations" in row:
            macros[f"EmIterations{name}"] = str(row["em_iterations"])
            macros[f"EmConverged{name}"] = _em_state(row)
    for key, row in (results.get("supervised") or {}).items():
        macros[f"SupAcc{latex_macro_name(key)}"] = f"{row['acc']:.3f}"
    parameters = results.get("parameters") or {}
    macros["NTrain"] = f"{parameters.get('n_train', TRAIN_SIZE):,}"
    macros["NTest"] = f"{parameters.get('n_test', TEST_SIZE):,}"
    macros["Seed"] = str(parameters.get("SEED", "?"))
    for key, value in parameters.items():  # e.g. SCAN_EPOCHS gives \ParamScanEpochs, so the text follows the run
        if isinstance(value, int) and not isinstance(value, bool):
            macros[f"Param{latex_macro_name(key.lower())}"] = str(value)
    macros["Device"] = str(results.get("device", "?"))
    macros["Machine"] = _latex_escape(describe_machine(results.get("machine")))
    if "COMPARISON_GMM_MAX_ITER" in parameters:
        macros["ComparisonGmmMaxIter"] = str(parameters["COMPARISON_GMM_MAX_ITER"])
    if "total_s" in results:
        macros["TotalMinutes"] = f"{results['total_s'] / 60:.1f}"
    if "peak_memory_gib" in results:
        macros["PeakMemoryGiB"] = f"{results['peak_memory_gib']:.1f}"
    autoencoder = results.get("autoencoder") or {}
    if autoencoder:
        macros["EpochsRun"] = str(autoencoder["epochs_run"])
        macros["AeParams"] = f"{autoencoder['parameters']:,}"
    stages = results.get("stages_s") or {}
    if "fit_s" in autoencoder:  # the training time, also when this run loaded the model from the cache
        macros["AeFitSeconds"] = f"{autoencoder['fit_s']:.0f}"
    elif "autoencoder_fit" in stages:
        macros["AeFitSeconds"] = f"{stages['autoencoder_fit']:.0f}"
    gmm = results.get("gmm_selection") or {}
    if gmm:
        macros["GmmCovariance"] = str(gmm["covariance_type"])
        macros["GmmNInit"] = str(gmm["n_init"])
    scan_heads = results.get("scan_heads") or {}
    if scan_heads:
        head_acc = np.asarray(scan_heads["test_acc"], dtype=float)
        macros["ScanHeads"] = str(len(head_acc))
        macros["ScanHeadsAccMin"] = f"{head_acc.min():.3f}"
        macros["ScanHeadsAccMax"] = f"{head_acc.max():.3f}"
        macros["ScanHeadsAccMean"] = f"{head_acc.mean():.3f}"
    lines = ["% Generated from results.json by helpers.write_report_inputs; do not edit."]
    lines += [rf"\newcommand{{\{name}}}{{{_latex_escape(value)}}}" for name, value in macros.items()]
    return "\n".join(lines) + "\n"


def architecture_table_latex(results: Mapping[str, Any]) -> str:
    """A booktabs table of the autoencoder's layers from ``results["autoencoder"]["layers"]``.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`, with the layer list of
        :func:`describe_layers` under ``autoencoder.layers``.

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:architecture``.
    """
    layers = (results.get("autoencoder") or {}).get("layers")
    if not layers:
        raise ValueError("results must hold autoencoder.layers (see describe_layers)")
    total = sum(layer["params"] for layer in layers)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{The dense autoencoder, as built by \texttt{helpers.build\_autoencoder} "
        r"(output shapes without the batch dimension).}",
        r"\label{tab:architecture}",
        r"\begin{tabular}{llrr}",
        r"\toprule",
        r"Layer & Type & Output shape & Parameters \\",
        r"\midrule",
    ]
    for layer in layers:
        shape = " x ".join(str(d) for d in layer["output_shape"])
        lines.append(
            f"{_latex_escape(layer['name'])} & {_latex_escape(layer['type'])} & {shape} & {layer['params']:,} \\\\"
        )
    lines += [r"\midrule", rf"Total & & & {total:,} \\", r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def comparisons_table_latex(results: Mapping[str, Any]) -> str:
    """A compact booktabs table of every clustering method and the supervised reference.

    One row per method in ``results["methods"]`` (ACC, NMI, ARI, silhouette,
    fit time), then, separated and labelled as using labels, the test
    accuracy of each ``results["supervised"]`` classifier.

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:comparisons``.
    """
    methods = _methods(results)
    lines = [
        r"\begin{table}[t]",
        r"\centering",
        r"\caption{Every comparison on the test set. Silhouette: computed on a fixed random "
        rf"subsample of {SILHOUETTE_SAMPLE_SIZE:,} test points in the space each method clustered. "
        r"Bottom: a supervised reference that uses the training labels.}",
        r"\label{tab:comparisons}",
        r"\small",
        r"\begin{tabular}{lrrrrr}",
        r"\toprule",
        r"Clustering method & ACC & NMI & ARI & Silh. & Fit (s) \\",
        r"\midrule",
    ]
    for row in methods.values():
        lines.append(
            f"{_latex_escape(row['label'])} & {row['acc']:.3f} & {row['nmi']:.3f} & {row['ari']:.3f} & "
            f"{row.get('silhouette', float('nan')):.3f} & {total_fit_seconds(row):.1f} \\\\"
        )
    supervised = results.get("supervised") or {}
    if supervised:
        lines += [r"\midrule", r"Logistic regression (uses labels) on & ACC & & & & Fit (s) \\", r"\midrule"]
        lines += [
            f"{_latex_escape(row['label'])} & {row['acc']:.3f} & & & & {row['fit_s']:.1f} \\\\"
            for row in supervised.values()
        ]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def write_report_inputs(
    results_path: str | os.PathLike,
    report_dir: str | os.PathLike,
    benchmark_path: str | os.PathLike | None = None,
    second_benchmark_path: str | os.PathLike | None = None,
) -> list[Path]:
    """Generate the report's LaTeX inputs from ``results.json``.

    Writes ``results.tex`` (:func:`results_table_latex`), ``macros.tex``
    (:func:`report_macros_latex`), ``architecture.tex``
    (:func:`architecture_table_latex`) when the results describe the
    autoencoder's layers, and ``comparisons.tex`` (:func:`comparisons_table_latex`)
    when they hold comparison rows or a supervised reference; with a
    ``benchmark_path`` that exists, also ``benchmark.tex``
    (:func:`benchmark_table_latex`, mean and std over seeds) and
    ``benchmark_macros.tex`` (:func:`benchmark_macros_latex`); with a
    ``second_benchmark_path`` that exists, ``second_benchmark_macros.tex``
    (the same macros, prefixed ``SecondBench``).

    Parameters
    ----------
    results_path : str or path-like
    report_dir : str or path-like
        Created if absent.
    benchmark_path : str or path-like, optional
        ``results/benchmark.json`` as written by ``benchmark.py``.
    second_benchmark_path : str or path-like, optional
        A benchmark of the same version on a second kind of machine
        (``results/benchmark-avx512.json``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import json

    results = json.loads(Path(results_path).read_text())
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    outputs = {"results.tex": results_table_latex(results), "macros.tex": report_macros_latex(results)}
    if (results.get("autoencoder") or {}).get("layers"):
        outputs["architecture.tex"] = architecture_table_latex(results)
    if results.get("supervised") or any(row.get("group") == "comparison" for row in results["methods"].values()):
        outputs["comparisons.tex"] = comparisons_table_latex(results)
    if benchmark_path is not None and Path(benchmark_path).is_file():
        benchmark = json.loads(Path(benchmark_path).read_text())
        outputs["benchmark.tex"] = benchmark_table_latex(benchmark)
        outputs["benchmark_macros.tex"] = benchmark_macros_latex(benchmark)
    if second_benchmark_path is not None and Path(second_benchmark_path).is_file():
        second = json.loads(Path(second_benchmark_path).read_text())
        outputs["second_benchmark_macros.tex"] = benchmark_macros_latex(second, prefix="SecondBench")
    written = []
    for name, text in outputs.items():
        path = report_dir / name
        path.write_text(text)
        written.append(path)
    return written


# ---------------------------------------------------------------------------
# Building the report: results checked first, then built aside and moved in
# ---------------------------------------------------------------------------


class ReportInputError(ValueError):
    """``results.json`` (or a benchmark) lacks something the report quotes, or holds a number that is not finite."""


#: What every method row must hold: the tables print them all.
REPORT_METHOD_FIELDS = ("label", "acc", "nmi", "ari", "fit_s")
#: Fields of the run-wide sections that the report's macros read, where the section is present.
REPORT_SECTION_FIELDS = {
    "autoencoder": ("epochs_run", "parameters"),
    "gmm_selection": ("covariance_type", "n_init"),
    "scan_heads": ("test_acc",),
}
#: The per-method macro families (see :func:`report_macros_latex`) and the row field each reads.
_METHOD_MACRO_FIELDS = {
    "EmIterations": "em_iterations", "EmConverged": "em_iterations", "Silh": "silhouette",
    "Acc": "acc", "Nmi": "nmi", "Ari": "ari", "Fit": "fit_s",
}
#: Capitalised commands in main.tex that come from LaTeX, or from the benchmark files (checked on their own).
_REPORT_OTHER_COMMANDS = ("IfFileExists",)
_BENCHMARK_MACRO_PREFIXES = ("Bench", "SecondBench")
#: The report's sources, copied into the build folder.
REPORT_SOURCES = ("main.tex", "neurips.sty", "references.bib")


def _non_finite_numbers(value: Any, where: str) -> list[str]:
    """Paths (``methods.ae_gmm.acc``) of every NaN or infinite number inside ``value``."""
    if isinstance(value, Mapping):
        return [path for key, item in value.items() for path in _non_finite_numbers(item, f"{where}.{key}")]
    if isinstance(value, (list, tuple)):
        return [path for i, item in enumerate(value) for path in _non_finite_numbers(item, f"{where}[{i}]")]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where} = {value}"]
    return []


def _method_key_guess(macro_name: str) -> str:
    """The results key that :func:`latex_macro_name` turns into ``macro_name`` (``PcaNineFiveGmm`` -> ``pca_95_gmm``)."""
    import re

    parts = []
    for word in re.findall(r"[A-Z][a-z]*", macro_name):
        digit = str(_DIGIT_WORDS.index(word)) if word in _DIGIT_WORDS else None
        text = digit or word.lower()
        # Digits join each other, and single letters join digits (n2d); words are separated by '_'.
        if parts and (digit or len(text) == 1) and (parts[-1][-1].isdigit() or (digit and len(parts[-1]) == 1)):
            parts[-1] += text
        else:
            parts.append(text)
    return "_".join(parts)


def check_report_results(results: Any, tex_source: str, source: str = "results.json") -> None:
    r"""Check that ``results`` holds everything the report quotes, before any file is written.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.
    tex_source : str
        The report's ``main.tex``; every capitalised command it uses that the
        results provide (``\AccAeGmm``, ``\TotalMinutes``) must be defined by
        :func:`report_macros_latex`.
    source : str
        The results' file name, for messages.

    Raises
    ------
    ReportInputError
        Naming the method and key (or the section and key, or the macro) that
        is missing, or every number that is NaN or infinite.
    """
    import re

    if not isinstance(results, Mapping) or not isinstance(results.get("methods"), Mapping) or not results["methods"]:
        raise ReportInputError(f"{source} holds no 'methods' mapping of method rows")
    bad = _non_finite_numbers(results, source)
    if bad:
        raise ReportInputError(f"{source} holds numbers that are not finite: {'; '.join(bad)}")
    methods = results["methods"]
    for key, row in methods.items():
        missing = [field for field in REPORT_METHOD_FIELDS if field not in row]
        if missing:
            raise ReportInputError(f"{source}: method {key!r} has no {', '.join(map(repr, missing))}")
    for section, fields in REPORT_SECTION_FIELDS.items():
        missing = [field for field in fields if results.get(section) and field not in results[section]]
        if missing:
            raise ReportInputError(f"{source}: section {section!r} has no {', '.join(map(repr, missing))}")
    for key, row in (results.get("supervised") or {}).items():
        if "acc" not in row:
            raise ReportInputError(f"{source}: supervised reference {key!r} has no 'acc'")
    defined = set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", report_macros_latex(results)))
    methods_by_name = {latex_macro_name(key): key for key in methods}
    supervised_by_name = {latex_macro_name(key): key for key in results.get("supervised") or {}}
    for name in sorted(set(re.findall(r"(?<!\\)\\([A-Z][A-Za-z]*)", tex_source))):
        if name in defined or name in _REPORT_OTHER_COMMANDS or name.startswith(_BENCHMARK_MACRO_PREFIXES):
            continue
        if name.startswith("SupAcc"):
            guess = supervised_by_name.get(name[6:], _method_key_guess(name[6:]))
            raise ReportInputError(f"{source} has no supervised reference {guess!r} (report/main.tex quotes \\{name})")
        prefix = next((p for p in _METHOD_MACRO_FIELDS if name.startswith(p) and name[len(p):][:1].isupper()), None)
        if prefix is None:
            raise ReportInputError(f"report/main.tex quotes \\{name}, which {source} does not provide")
        method = name[len(prefix):]
        if method in methods_by_name:
            raise ReportInputError(
                f"{source}: method {methods_by_name[method]!r} has no {_METHOD_MACRO_FIELDS[prefix]!r} (report/main.tex quotes \\{name})"
            )
        raise ReportInputError(f"{source} has no method {_method_key_guess(method)!r} (report/main.tex quotes \\{name})")


def _read_json_input(path: Path) -> Any:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ReportInputError(f"cannot read {path}: {error}") from error


def build_report(
    report_dir: str | os.PathLike,
    results_path: str | os.PathLike,
    benchmark_path: str | os.PathLike | None = None,
    second_benchmark_path: str | os.PathLike | None = None,
) -> Path:
    """Check the results, then build ``main.pdf`` in a fresh folder and move it and its inputs in.

    Nothing in ``report_dir`` changes unless the build succeeds: the results
    (and the benchmarks, where given and present) are checked first
    (:func:`check_report_results`), the LaTeX inputs are generated
    (:func:`write_report_inputs`) and LaTeX runs in a temporary folder beside
    them, and only then do ``main.pdf``, its log and the generated ``.tex``
    files replace those in ``report_dir``. A failed LaTeX run leaves its log
    as ``report_dir/main.log``.

    Parameters
    ----------
    report_dir : str or path-like
        Holds ``main.tex``, ``neurips.sty``, ``references.bib`` and ``figures/``.
    results_path, benchmark_path, second_benchmark_path
        As for :func:`write_report_inputs`.

    Returns
    -------
    pathlib.Path
        The new ``main.pdf``.

    Raises
    ------
    ReportInputError
        If the results or a benchmark are unreadable, incomplete or hold a
        number that is not finite (nothing is written).
    RuntimeError
        If LaTeX fails; the message holds the log's error lines.
    """
    import shutil
    import subprocess
    import tempfile

    report_dir = Path(report_dir).resolve()
    results_path = Path(results_path)
    check_report_results(_read_json_input(results_path), (report_dir / "main.tex").read_text(), source=str(results_path))
    for path in (benchmark_path, second_benchmark_path):
        if path is not None and Path(path).is_file():
            bad = _non_finite_numbers(_read_json_input(Path(path)), str(path))
            if bad:
                raise ReportInputError(f"{path} holds numbers that are not finite: {'; '.join(bad)}")
    build_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=report_dir))
    try:
        for name in REPORT_SOURCES:
            shutil.copy(report_dir / name, build_dir / name)
        (build_dir / "figures").symlink_to(report_dir / "figures", target_is_directory=True)
        inputs = write_report_inputs(results_path, build_dir, benchmark_path, second_benchmark_path)
        latex = subprocess.run(
            ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "main.tex"],
            cwd=build_dir, capture_output=True, text=True,
        )
        if (build_dir / "main.log").is_file():
            os.replace(build_dir / "main.log", report_dir / "main.log")
        if latex.returncode != 0:
            log = (report_dir / "main.log").read_text(errors="replace") if (report_dir / "main.log").is_file() else latex.stdout
            errors = [line for line in log.splitlines() if line.startswith("!")] or log.splitlines()[-20:]
            raise RuntimeError(
                f"LaTeX failed (log: {report_dir / 'main.log'}); report/main.pdf and its inputs are unchanged:\n" + "\n".join(errors)
            )
        for path in [*inputs, build_dir / "main.pdf"]:
            os.replace(path, report_dir / path.name)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return report_dir / "main.pdf"
