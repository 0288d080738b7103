"""Figures: confusion matrices, loss curves, image grids, the elbow and BIC charts, embeddings, saving."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .data import CLASS_NAMES, IMAGE_SHAPE
from ._checks import check_class_ids, validate_labels
from .metrics import match_clusters, matched_confusion, relabel_clusters
from .methods.selection import n_components_for_variance

__all__ = [
    "FIGSIZE_HALF_WIDTH", "FIGURE_DIR", "TEXT_WIDTH_INCHES", "MIN_FONT_POINTS", "plot_confusion_matrix",
    "plot_confusion_matrices", "plot_loss_curves", "save_figure",
    "plot_image_grid", "plot_reconstructions", "plot_elbow", "plot_bic", "plot_embedding",
    "plot_explained_variance", "plot_cluster_confidence",
]


#: Size of plots meant to be printed at about half the report's 5.5 in text width (their 10 pt text prints at 6.5-8 pt).
FIGSIZE_HALF_WIDTH = (3.4, 2.55)

#: Where ``save_figure`` writes, relative to the working directory.
FIGURE_DIR = Path("report") / "figures"


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
        Annotate each cell with its percentage of the row's class instead of counts.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is the figure to save).
    """
    import matplotlib.pyplot as plt

    y_true, y_pred = validate_labels(y_true, y_pred)
    check_class_ids(y_true, class_names)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.4))
    # Sized to stay legible when printed at about 3.5 inches wide.
    _draw_confusion(ax, matched_confusion(y_true, y_pred, len(class_names)), class_names, normalize, sizes=(8, 9, 10))
    ax.set_title(title, fontsize=10)
    return ax


#: The width of the report's text (NeurIPS: 5.5 in); a figure this wide is printed at its own size.
TEXT_WIDTH_INCHES = 5.5

#: The smallest font, in points, of a figure printed at its own size (the report's readability floor).
MIN_FONT_POINTS = 7


def plot_confusion_matrices(
    y_true: Any,
    predictions: Mapping[str, Any],
    class_names: Sequence[str] = CLASS_NAMES,
    width: float = TEXT_WIDTH_INCHES - 0.25,
) -> Any:
    """Row-normalised matched confusion matrices side by side, sized to be printed at their own size.

    Each panel is :func:`plot_confusion_matrix` with ``normalize=True``: every
    cell holds the percentage of its row's class that fell in its column's
    cluster. Class names label the rows of the first panel only. All text is
    at least :data:`MIN_FONT_POINTS` points, so the figure, included at its
    natural width (at most the report's text width), stays legible.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        True class ids.
    predictions : mapping of str to array-like of int
        Panel title -> cluster ids, in the order of the panels.
    class_names : sequence of str
    width : float
        Figure width in inches; by default the text width less the margin
        that :func:`save_figure` adds around a figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``predictions`` is empty, or a label vector is invalid.
    """
    import matplotlib.pyplot as plt

    if not predictions:
        raise ValueError("predictions must hold at least one clustering")
    confusions = {title: matched_confusion(y_true, y_pred, len(class_names)) for title, y_pred in predictions.items()}
    panel = (width - 0.9) / len(confusions)  # 0.9 in for the class names left of the first panel
    # 1.2 in below and above the square panels: the rotated class names, the axis label and the titles.
    fig, axes = plt.subplots(1, len(confusions), figsize=(width, panel + 1.2), squeeze=False, layout="constrained")
    for index, (ax, (title, confusion)) in enumerate(zip(axes[0], confusions.items())):
        _draw_confusion(ax, confusion, class_names, True, sizes=(MIN_FONT_POINTS, MIN_FONT_POINTS, MIN_FONT_POINTS + 1), row_names=index == 0, rotation=90)
        ax.set_title(title, fontsize=MIN_FONT_POINTS + 1)
        ax.set_xlabel("")
    fig.supxlabel("Cluster, labelled with the class the Hungarian matching gave it", fontsize=MIN_FONT_POINTS + 1)
    return fig


def _draw_confusion(
    ax: Any, confusion: Mapping[str, list], class_names: Sequence[str], normalize: bool,
    sizes: tuple[float, float, float], row_names: bool = True, rotation: float = 45,
) -> None:
    """Draw a :func:`~helpers.metrics.matched_confusion` on ``ax``.

    ``sizes``: the font sizes (points) of the cells, the tick labels and the
    axis labels; ``row_names``: label the rows with the class names;
    ``rotation``: of the column names, in degrees.
    """
    import seaborn as sns

    counts = np.asarray(confusion["counts"])
    values: np.ndarray = counts
    fmt = "d"
    if normalize:
        values = 100 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        fmt = ".0f"
    column_names = [
        class_names[matched] if matched is not None else f"cluster {cluster} (unmatched)"
        for cluster, matched in zip(confusion["clusters"], confusion["classes"])
    ]
    annotation_size, tick_size, label_size = sizes
    sns.heatmap(
        values,
        annot=True,
        fmt=fmt,
        cmap="Blues",
        cbar=False,
        square=counts.shape[0] == counts.shape[1],
        xticklabels=column_names,
        yticklabels=list(class_names) if row_names else False,
        annot_kws={"fontsize": annotation_size},
        ax=ax,
    )
    ax.set_xlabel("Cluster (labelled with its matched class)", fontsize=label_size)
    if row_names:
        ax.set_ylabel("True class", fontsize=label_size)
    ax.tick_params(axis="both", labelsize=tick_size)
    ax.tick_params(axis="x", labelrotation=rotation)
    if rotation != 90:
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


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
    """Write a figure as ``<directory>/<name>.pdf`` (vector, for LaTeX, its fonts embedded as TrueType) and ``.png``.

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
    import matplotlib

    if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"figure name must be letters, digits, '-' or '_', got {name!r}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}.pdf", directory / f"{name}.png"]
    # TrueType (42) instead of matplotlib's default Type 3 fonts, which conference PDF checks reject.
    with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
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
    # Sized for the report's text width, so that it prints at its own size.
    fig, axes = plt.subplots(
        len(class_names), per_class, figsize=(per_class * 0.36 + 0.9, len(class_names) * 0.36), squeeze=False
    )
    for row, name in enumerate(class_names):
        members = np.flatnonzero(labels == row)
        if members.size < per_class:
            raise ValueError(f"class {name!r} has {members.size} images, fewer than per_class={per_class}")
        for col, index in enumerate(rng.choice(members, per_class, replace=False)):
            _show_image(axes[row, col], images[index])
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
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
    fig, axes = plt.subplots(2, n, figsize=(n * 0.3, 0.75), squeeze=False)
    for col in range(n):
        for row, images in enumerate((originals, reconstructions)):
            _show_image(axes[row, col], images[col], vmin=0, vmax=1)
    axes[0, 0].set_ylabel("original", fontsize=7, rotation=0, ha="right", va="center")
    axes[1, 0].set_ylabel("decoded", fontsize=7, rotation=0, ha="right", va="center")
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
    """BIC of Gaussian mixtures by covariance type and number of initialisations, above the lowest.

    Each bar is a setting's BIC minus the lowest BIC of all settings, drawn
    from zero: the axis is not cut, so small differences look small, and the
    chosen setting's bar has height 0 (its value is written beside it).

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
    lowest = min(min(row.values()) for row in bic.values())
    width = 0.8 / len(inits)
    for i, n_init in enumerate(inits):
        positions = np.arange(len(types)) + (i - (len(inits) - 1) / 2) * width
        ax.bar(positions, [bic[t][n_init] - lowest for t in types], width, label=f"n_init={n_init}")
    ax.set_xticks(np.arange(len(types)), types)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Covariance type")
    ax.set_ylabel("BIC minus the lowest BIC")
    ax.set_title(f"GMM selection (lowest BIC {lowest:,.0f})")
    ax.legend()
    return ax


def plot_embedding(
    embedding: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    class_names: Sequence[str] = CLASS_NAMES,
    cluster_title: str = "Cluster",
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
    y_true, y_pred = validate_labels(y_true, y_pred)
    if len(y_true) != len(embedding):
        raise ValueError("embedding and labels differ in length")
    matched = relabel_clusters(y_pred, match_clusters(y_true, y_pred))
    colours = plt.get_cmap("tab10")
    # Sized for the report's text width, so that it prints at its own size (text of 7-8 pt).
    fig, axes = plt.subplots(1, 2, figsize=(4.3, 2.2), sharex=True, sharey=True)
    for ax, labels, title in ((axes[0], y_true, "True class"), (axes[1], matched, cluster_title)):
        for class_id, name in enumerate(class_names):
            points = embedding[labels == class_id]
            ax.scatter(points[:, 0], points[:, 1], s=0.5, color=colours(class_id), label=name, rasterized=True)
        if np.any(labels == -1):
            points = embedding[labels == -1]
            ax.scatter(points[:, 0], points[:, 1], s=0.5, color="black", label="unmatched", rasterized=True)
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[1].legend(markerscale=8, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), handletextpad=0.1, frameon=False)
    fig.tight_layout()
    return fig


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
    # Sized for the report's text width, so that it prints at its own size (text of 6-8 pt).
    fig, axes = plt.subplots(n_clusters, columns, figsize=(columns * 0.32 + 0.6, n_clusters * 0.36), squeeze=False)
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
    fig.subplots_adjust(wspace=0.05, hspace=0.45)
    return fig
