"""Hungarian-matched accuracy, cluster matching and the evaluation dict."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import helpers


def brute_force_accuracy(y_true, y_pred):
    """Best accuracy over every one-to-one matching, by exhaustive search."""
    classes = sorted(set(y_true))
    clusters = sorted(set(y_pred))
    pairs = list(zip(y_true, y_pred))
    best = 0
    if len(clusters) <= len(classes):
        for chosen in itertools.permutations(classes, len(clusters)):
            mapping = dict(zip(clusters, chosen))
            best = max(best, sum(mapping[p] == t for t, p in pairs))
    else:
        for chosen in itertools.permutations(clusters, len(classes)):
            mapping = dict(zip(chosen, classes))
            best = max(best, sum(mapping.get(p) == t for t, p in pairs))
    return best / len(pairs)


label_pairs = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.sampled_from([3, 7, 42, -1, 0, 9]), min_size=n, max_size=n),
    )
)


@settings(max_examples=300, deadline=None)
@given(label_pairs)
def test_accuracy_equals_brute_force(pair):
    y_true, y_pred = pair
    assert helpers.cluster_accuracy(y_true, y_pred) == pytest.approx(brute_force_accuracy(y_true, y_pred))


@settings(max_examples=100, deadline=None)
@given(label_pairs, st.randoms(use_true_random=False))
def test_accuracy_invariant_to_renaming_clusters(pair, rng):
    y_true, y_pred = pair
    ids = sorted(set(y_pred))
    new_ids = rng.sample(range(100, 200), len(ids))
    renamed = [dict(zip(ids, new_ids))[p] for p in y_pred]
    assert helpers.cluster_accuracy(y_true, renamed) == pytest.approx(helpers.cluster_accuracy(y_true, y_pred))


def test_more_clusters_than_classes_counts_unmatched_as_errors():
    y_true = [0, 0, 0, 1, 1, 1]
    y_pred = [5, 5, 6, 7, 7, 7]  # cluster 6 cannot be matched to a class
    assert helpers.cluster_accuracy(y_true, y_pred) == pytest.approx(5 / 6)
    assert helpers.match_clusters(y_true, y_pred) == {5: 0, 7: 1}


def test_fewer_clusters_than_classes():
    y_true = [0, 0, 1, 1, 2, 2]
    y_pred = [3, 3, 3, 3, 42, 42]
    assert helpers.cluster_accuracy(y_true, y_pred) == pytest.approx(4 / 6)


def test_perfect_and_worst_cases():
    y_true = np.repeat(np.arange(10), 5)
    assert helpers.cluster_accuracy(y_true, (y_true + 3) % 10) == 1.0
    # One cluster for everything: the best match is one class of ten.
    assert helpers.cluster_accuracy(y_true, np.zeros_like(y_true)) == pytest.approx(0.1)


def test_relabel_maps_clusters_and_marks_unmatched():
    relabelled = helpers.relabel_clusters([5, 6, 7], {5: 0, 7: 1})
    assert relabelled.tolist() == [0, -1, 1]


def test_relabel_never_marks_unmatched_with_a_matched_class_id():
    # -1 and -2 are real classes here, so the mark for cluster 6 must be neither.
    relabelled = helpers.relabel_clusters([5, 6, 7], {5: -1, 7: -2})
    assert relabelled[0] == -1 and relabelled[2] == -2 and relabelled[1] not in (-1, -2)
    with pytest.raises(ValueError, match="unmatched"):
        helpers.relabel_clusters([5, 6, 7], {5: -1, 7: 0}, unmatched=-1)


@pytest.mark.parametrize("classes", [(-1, 0), (-2, -1), (-3, -2, -1), (0, 1)])
def test_unmatched_clusters_count_as_errors_whatever_the_class_ids(classes):
    # Two more clusters than classes: whatever mark the unmatched ones got, it must not score as a class.
    y_true = np.repeat(classes, 2)
    y_pred = np.arange(len(y_true)) + 100
    expected = len(classes) / len(y_true)
    assert helpers.cluster_accuracy(y_true, y_pred) == pytest.approx(expected)
    assert helpers.evaluate(y_true, y_pred)["acc"] == pytest.approx(expected)
    mapping = helpers.match_clusters(y_true, y_pred)
    assert np.mean(helpers.relabel_clusters(y_pred, mapping) == y_true) == pytest.approx(expected)


negative_label_pairs = st.integers(min_value=1, max_value=30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(-4, 1), min_size=n, max_size=n),
        st.lists(st.integers(-3, 6), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(negative_label_pairs)
def test_accuracy_equals_brute_force_with_negative_class_ids(pair):
    y_true, y_pred = pair
    assert helpers.cluster_accuracy(y_true, y_pred) == pytest.approx(brute_force_accuracy(y_true, y_pred))


def test_evaluate_returns_the_three_metrics():
    y_true = [0, 0, 1, 1, 2, 2]
    scores = helpers.evaluate(y_true, [1, 1, 2, 2, 0, 0])
    assert scores == {"acc": 1.0, "nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}
    partial = helpers.evaluate(y_true, [0, 0, 0, 1, 1, 1])
    assert partial["acc"] == pytest.approx(4 / 6)
    assert 0 < partial["nmi"] < 1 and partial["ari"] < 1


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([0, 1], [0], "differ in length"),
        ([], [], "empty"),
        ([[0, 1]], [[0, 1]], "1-D"),
        ([0.5, 1.0], [0, 1], "integer"),
        ([0, 1], ["a", "b"], "integer"),
        ([True, False], [0, 1], "integer"),
    ],
)
@pytest.mark.parametrize("function", [helpers.cluster_accuracy, helpers.match_clusters, helpers.evaluate])
def test_bad_input_raises_clear_value_error(function, y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        function(y_true, y_pred)


def test_matched_report_uses_matched_labels():
    y_true = [0, 0, 1, 1]
    report = helpers.matched_classification_report(y_true, [9, 9, 4, 4], class_names=["alpha", "beta"])
    # Perfect after matching: every per-class F1 is 1.000.
    lines = {line.split()[0]: line.split() for line in report.splitlines() if line.strip()}
    assert lines["alpha"][1:4] == ["1.000", "1.000", "1.000"]
    assert lines["beta"][1:4] == ["1.000", "1.000", "1.000"]


def test_matched_report_rejects_class_ids_without_names():
    with pytest.raises(ValueError, match="class names"):
        helpers.matched_classification_report([0, 5], [0, 1], class_names=["a", "b"])


def test_silhouette_is_high_for_blobs_and_nan_for_one_cluster(blobs):
    x_train, y_train, _, _ = blobs
    assert helpers.silhouette(x_train, y_train) > 0.7
    assert helpers.silhouette(x_train, np.random.default_rng(0).integers(0, 4, len(x_train))) < 0.1
    assert np.isnan(helpers.silhouette(x_train, np.zeros(len(x_train), dtype=int)))
