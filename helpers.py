"""Reusable, tested building blocks of the Fashion-MNIST clustering study.

The notebook ``main.ipynb`` calls these functions; it never copies code from
here. Everything is importable without TensorFlow: Keras is imported lazily,
only by the functions that need it.

Sections: constants, data loading, metrics, plots.
"""

from __future__ import annotations

import gzip
import hashlib
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


def _find_idx_file(directory: Path, name: str) -> Path:
    """Return ``directory/name.gz`` or ``directory/name``, whichever exists."""
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
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
        If the file is missing, is a truncated or corrupt gzip, has a wrong
        magic number, its size disagrees with its header, or its checksum
        differs. The message names the file and says how to fix it.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"Fashion-MNIST file not found: {path}. {_HOW_TO_FIX}")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                raw = stream.read()
        else:
            raw = path.read_bytes()
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
        For a missing, truncated, corrupt or altered file, or when no local
        copy exists and the download fails; the message says how to fix it.
    """
    if data_dir is None and os.environ.get(DATA_DIR_ENV):
        data_dir = os.environ[DATA_DIR_ENV]
    if data_dir is None and DEBIAN_DATA_DIR.is_dir():
        data_dir = DEBIAN_DATA_DIR

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
    from scipy.optimize import linear_sum_assignment

    y_true, y_pred = _validate_labels(y_true, y_pred)
    counts, clusters, classes = _contingency(y_true, y_pred)
    rows, cols = linear_sum_assignment(counts, maximize=True)
    return {int(clusters[r]): int(classes[c]) for r, c in zip(rows, cols)}


def relabel_clusters(y_pred: Any, mapping: Mapping[int, int], unmatched: int = -1) -> np.ndarray:
    """Replace cluster ids by their matched class ids.

    Parameters
    ----------
    y_pred : array-like of int
        Cluster ids.
    mapping : mapping of int to int
        Cluster id -> class id, as returned by :func:`match_clusters`.
    unmatched : int, default -1
        The label given to clusters absent from ``mapping``; it matches no
        class, so those points count as errors.

    Returns
    -------
    numpy.ndarray
        Class ids, same shape as ``y_pred``.
    """
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
    mapping = match_clusters(y_true, y_pred)
    return float(np.mean(relabel_clusters(y_pred, mapping) == y_true))


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

    if len(image_shape) != 2 or any(not isinstance(d, (int, np.integer)) or d < 8 for d in image_shape):
        raise ValueError(f"image_shape must be two integers >= 8, got {image_shape!r}")
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
    name: str, classifier: Any, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> dict[str, float]:
    """Fit a supervised classifier on labelled training data and score it on the test data.

    A reference that *uses labels*, to show how much class information a
    representation keeps; prints one row (method, fit time, accuracy).

    Returns
    -------
    dict
        ``{"acc": ..., "fit_s": ...}``.
    """
    import time

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
    name: str, estimator: Any, x_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
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

    Returns
    -------
    dict
        ``acc``, ``nmi``, ``ari``, ``silhouette``, ``fit_s``, ``predict_s``
        and the test predictions under ``y_pred`` (a numpy array).
    """
    import time

    if x_train.ndim != 2 or x_test.ndim != 2 or x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must be 2-D with equal widths, got {x_train.shape}, {x_test.shape}")
    start = time.perf_counter()
    estimator.fit(x_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = np.asarray(estimator.predict(x_test))
    predict_s = time.perf_counter() - start
    scores = evaluate(y_test, y_pred)
    scores["silhouette"] = silhouette(x_test, y_pred)
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

    Arrays under a ``y_pred`` key are dropped (predictions are not results).

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
        key: {k: v for k, v in row.items() if k != "y_pred"} for key, row in results["methods"].items()
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(_json_ready(cleaned), indent=2) + "\n")
    temporary.replace(path)
    return path


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
    readme = Path(readme_path).read_text()
    start, end = README_MARKERS
    if start not in readme or end not in readme or readme.index(start) > readme.index(end):
        raise ValueError(f"{readme_path} must contain the lines {start} and {end}, in that order")
    parameters = results.get("parameters", {})
    block = (
        f"{start}\n"
        f"Test set ({parameters.get('n_test', '?')} images), models fitted on "
        f"{parameters.get('n_train', '?')} training images, seed {parameters.get('SEED', '?')}; "
        f"fit time includes training the autoencoder. Whole notebook: "
        f"{results.get('total_s', float('nan')):.0f} s on the {results.get('device', '?')}, peak memory "
        f"{results.get('peak_memory_gib', float('nan')):.2f} GiB (run of {results.get('created', '?')}).\n\n"
        f"{results_table_markdown(results)}"
        f"{end}"
    )
    before, rest = readme.split(start, 1)
    after = rest.split(end, 1)[1]
    Path(readme_path).write_text(before + block + after)


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
    a silhouette was computed; ``\SupAcc<Name>`` per supervised reference. Run-wide: ``\NTrain``,
    ``\NTest``, ``\Seed``, ``\Device``, ``\TotalMinutes``, ``\PeakMemoryGiB``
    and, where present, the autoencoder's ``\EpochsRun``, ``\AeParams``,
    ``\AeFitSeconds`` and the GMM's ``\GmmCovariance`` and ``\GmmNInit``.

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
    for key, row in (results.get("supervised") or {}).items():
        macros[f"SupAcc{latex_macro_name(key)}"] = f"{row['acc']:.3f}"
    parameters = results.get("parameters") or {}
    macros["NTrain"] = f"{parameters.get('n_train', TRAIN_SIZE):,}"
    macros["NTest"] = f"{parameters.get('n_test', TEST_SIZE):,}"
    macros["Seed"] = str(parameters.get("SEED", "?"))
    macros["Device"] = str(results.get("device", "?"))
    if "total_s" in results:
        macros["TotalMinutes"] = f"{results['total_s'] / 60:.1f}"
    if "peak_memory_gib" in results:
        macros["PeakMemoryGiB"] = f"{results['peak_memory_gib']:.1f}"
    autoencoder = results.get("autoencoder") or {}
    if autoencoder:
        macros["EpochsRun"] = str(autoencoder["epochs_run"])
        macros["AeParams"] = f"{autoencoder['parameters']:,}"
    stages = results.get("stages_s") or {}
    if "autoencoder_fit" in stages:
        macros["AeFitSeconds"] = f"{stages['autoencoder_fit']:.0f}"
    gmm = results.get("gmm_selection") or {}
    if gmm:
        macros["GmmCovariance"] = str(gmm["covariance_type"])
        macros["GmmNInit"] = str(gmm["n_init"])
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


def write_report_inputs(results_path: str | os.PathLike, report_dir: str | os.PathLike) -> list[Path]:
    """Generate the report's LaTeX inputs from ``results.json``.

    Writes ``results.tex`` (:func:`results_table_latex`), ``macros.tex``
    (:func:`report_macros_latex`), ``architecture.tex``
    (:func:`architecture_table_latex`) when the results describe the
    autoencoder's layers, and ``comparisons.tex`` (:func:`comparisons_table_latex`)
    when they hold comparison rows or a supervised reference.

    Parameters
    ----------
    results_path : str or path-like
    report_dir : str or path-like
        Created if absent.

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
    written = []
    for name, text in outputs.items():
        path = report_dir / name
        path.write_text(text)
        written.append(path)
    return written
