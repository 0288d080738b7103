"""Plotting helpers, drawn headless on the Agg backend."""

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
    values = np.array([float(t.get_text()) for t in ax.texts]).reshape(2, 3)
    np.testing.assert_allclose(values.sum(axis=1), 1.0)
    np.testing.assert_allclose(values[1], [0.0, 1.0, 0.0])


def test_confusion_matrix_defaults_to_the_fashion_class_names():
    y = np.arange(10)
    ax = helpers.plot_confusion_matrix(y, y)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(helpers.CLASS_NAMES)


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
