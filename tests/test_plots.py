"""Plotting helpers, drawn headless on the Agg backend."""

import json
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import helpers


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_confusion_matrix_orders_columns_by_matched_class():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([7, 7, 3, 3, 3, 42, 42, 7])  # 7 -> 0, 3 -> 1, 42 -> 2
    ax = helpers.plot_confusion_matrix(y_true, y_pred, class_names=["A", "B", "C"], title="T")
    assert ax.get_title() == "T"
    assert ax.get_xlabel() == "Cluster (labelled with its matched class)"
    assert ax.get_ylabel() == "True class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    annotations = [int(t.get_text()) for t in ax.texts]
    # Row-major counts: the diagonal holds the matched points.
    assert annotations == [2, 1, 0, 0, 2, 0, 1, 0, 2]


def test_confusion_matrix_normalized_rows_and_unmatched_column():
    y_true = np.array([0, 0, 1, 1])
    y_pred = np.array([5, 6, 8, 8])  # one of 5/6 stays unmatched
    ax = helpers.plot_confusion_matrix(y_true, y_pred, class_names=["A", "B"], normalize=True)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:2] == ["A", "B"] and labels[2].endswith("(unmatched)")
    values = np.array([float(t.get_text()) for t in ax.texts]).reshape(2, 3)  # percentages of each row's class
    np.testing.assert_allclose(values.sum(axis=1), 100.0)
    np.testing.assert_allclose(values[1], [0.0, 100.0, 0.0])


def test_confusion_matrix_defaults_to_the_fashion_class_names():
    y = np.arange(10)
    ax = helpers.plot_confusion_matrix(y, y)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(helpers.CLASS_NAMES)


def test_matched_confusion_orders_columns_by_matched_class_and_is_plain_json():
    y_true = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([7, 7, 3, 3, 3, 42, 42, 5])  # 7 -> 0, 3 -> 1, 42 -> 2, 5 unmatched
    confusion = helpers.matched_confusion(y_true, y_pred)
    assert confusion == {"clusters": [7, 3, 42, 5], "classes": [0, 1, 2, None], "counts": [[2, 1, 0, 0], [0, 2, 0, 0], [0, 0, 2, 1]]}
    assert json.loads(json.dumps(confusion)) == confusion
    assert len(helpers.matched_confusion(y_true, y_pred, n_classes=5)["counts"]) == 5
    with pytest.raises(ValueError, match="n_classes"):
        helpers.matched_confusion(y_true, y_pred, n_classes=2)


def test_confusion_matrices_side_by_side_print_at_least_7_points_within_the_text_width(tmp_path):
    """Saved as for the report, the figure fits the text width, so it prints at its own size: every text is >= 7 pt."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 500)
    fig = helpers.plot_confusion_matrices(y, {"A": y, "B": (y + 1) % 10, "C": rng.integers(0, 10, 500)})
    assert [ax.get_title() for ax in fig.axes] == ["A", "B", "C"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(helpers.CLASS_NAMES)
    assert not fig.axes[1].get_yticklabels()  # the class names label the first panel's rows only
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    assert min(t.get_fontsize() for t in texts) >= helpers.MIN_FONT_POINTS
    diagonal = [int(t.get_text()) for t in fig.axes[0].texts][:: 11]
    assert diagonal == [100] * 10  # row-normalised percentages
    pdf = helpers.save_figure(fig, "tasks", tmp_path)[0]
    width = float(re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+)", pdf.read_bytes()).group(1))
    assert width <= helpers.TEXT_WIDTH_INCHES * 72
    with pytest.raises(ValueError, match="at least one"):
        helpers.plot_confusion_matrices(y, {})


def test_loss_curves_from_history_dict():
    ax = helpers.plot_loss_curves({"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0]}, ylabel="MSE")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training", "validation"]
    assert lines[0].get_xdata().tolist() == [1, 2, 3]
    assert lines[1].get_ydata().tolist() == [3.5, 2.5, 2.0]
    assert ax.get_xlabel() == "Epoch" and ax.get_ylabel() == "MSE"


def test_loss_curves_reject_empty_history():
    with pytest.raises(ValueError, match="loss"):
        helpers.plot_loss_curves({"val_loss": [1.0]})


def test_save_figure_writes_pdf_and_png(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    paths = helpers.save_figure(fig, "line_plot", directory=tmp_path / "figs")
    assert [p.name for p in paths] == ["line_plot.pdf", "line_plot.png"]
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert paths[1].read_bytes().startswith(b"\x89PNG")


def test_save_figure_embeds_truetype_not_type3_fonts(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("Text in a font")
    pdf = helpers.save_figure(fig, "text", directory=tmp_path)[0].read_bytes()
    # Type 42 embeds TrueType outlines as a CID font (CIDFontType2); Type 3 fonts would read /Subtype /Type3.
    assert b"/Subtype /CIDFontType2" in pdf and b"/Type3" not in pdf


@pytest.mark.parametrize("name", ["", "../escape", "a b", "x.pdf"])
def test_save_figure_rejects_bad_names(tmp_path, name):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="figure name"):
        helpers.save_figure(fig, name, directory=tmp_path)


def test_confusion_matrix_with_fewer_clusters_labels_columns_by_matched_class():
    y_true = np.array([0, 1, 1, 2, 2])
    y_pred = np.array([4, 4, 4, 9, 9])  # 4 -> B, 9 -> C; class A gets no cluster
    ax = helpers.plot_confusion_matrix(y_true, y_pred, class_names=["A", "B", "C"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["B", "C"]
    assert [int(t.get_text()) for t in ax.texts] == [1, 0, 2, 0, 0, 2]


def test_image_grid_and_reconstructions():
    images = np.random.default_rng(0).integers(0, 255, size=(40, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 4)
    fig = helpers.plot_image_grid(images, labels, per_class=3)
    assert len(fig.axes) == 30
    assert [fig.axes[3 * row].get_ylabel() for row in range(10)] == list(helpers.CLASS_NAMES)
    with pytest.raises(ValueError, match="fewer than per_class"):
        helpers.plot_image_grid(images, labels, per_class=5)
    flat = images.reshape(40, -1) / 255.0
    fig = helpers.plot_reconstructions(flat, flat, n=4)
    assert len(fig.axes) == 8 and fig.axes[0].get_ylabel() == "original" and fig.axes[4].get_ylabel() == "decoded"
    with pytest.raises(ValueError, match="same shape"):
        helpers.plot_reconstructions(flat, flat[:, :10], n=4)
    plt.close("all")


def test_elbow_bic_and_embedding_plots():
    ax = helpers.plot_elbow([2, 3, 4], [30.0, 20.0, 15.0])
    assert ax.get_lines()[0].get_ydata().tolist() == [30.0, 20.0, 15.0]
    with pytest.raises(ValueError):
        helpers.plot_elbow([2, 3], [1.0])
    ax = helpers.plot_bic({"full": {1: 10.0, 3: 9.0}, "diag": {1: 20.0, 3: 19.0}})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["full", "diag"]
    # Heights above the lowest BIC, from an uncut axis.
    assert sorted(p.get_height() for p in ax.patches) == [0.0, 1.0, 10.0, 11.0]
    assert ax.get_ylim()[0] == 0.0 and "9" in ax.get_title()
    embedding = np.random.default_rng(0).normal(size=(20, 2))
    y = np.repeat(np.arange(10), 2)
    fig = helpers.plot_embedding(embedding, y, (y + 1) % 10)
    # Matched clusters take their class's colour: both panels draw the same groups.
    left, right = fig.axes[0].collections, fig.axes[1].collections
    assert [c.get_offsets().tolist() for c in left] == [c.get_offsets().tolist() for c in right]
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        helpers.plot_embedding(embedding[:, :1], y, y)
    plt.close("all")


def test_explained_variance_plot_marks_each_level():
    ratios = np.array([0.5, 0.25, 0.15, 0.1])
    ax = helpers.plot_explained_variance(ratios, (0.75, 0.9))
    curve = ax.get_lines()[0]
    assert curve.get_ydata().tolist() == pytest.approx([0.5, 0.75, 0.9, 1.0])
    assert [t.get_text() for t in ax.texts] == ["75%: 2", "90%: 3"]
    plt.close("all")


def test_confidence_figure_orders_each_cluster_by_posterior():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(60, 28, 28))
    probabilities = rng.dirichlet(np.ones(3), size=60)
    fig = helpers.plot_cluster_confidence(images, probabilities, ["a", "b", "c"], per_side=2)
    axes = np.array(fig.axes).reshape(3, 5)
    for k in range(3):
        members = np.flatnonzero(probabilities.argmax(axis=1) == k)
        shown = [float(ax.get_xlabel()) for ax in axes[k] if ax.get_xlabel()]
        expected = np.sort(probabilities[members, k])[::-1]
        np.testing.assert_allclose(shown, np.r_[expected[:2], expected[-2:]], atol=0.005)
        assert axes[k, 0].get_ylabel() == f"{'abc'[k]} ({len(members)})"
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        helpers.plot_cluster_confidence(images, probabilities[:10])
    with pytest.raises(ValueError, match="names"):
        helpers.plot_cluster_confidence(images, probabilities, ["a"])
