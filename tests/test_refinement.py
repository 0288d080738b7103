"""Local re-splits: neighbour graphs, normalised cuts, candidate groups and refine_locally."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

import helpers


def _two_cliques() -> tuple:
    # Points 0-3 all linked, points 4-7 all linked, one edge 3-4 between the two.
    neighbours = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 4], [5, 6, 7], [4, 6, 7], [4, 5, 7], [4, 5, 6]])
    return helpers.methods.neighbour_graph(neighbours), np.array([0, 0, 0, 0, 1, 1, 1, 1])


def test_neighbour_graph_is_symmetric_without_self_loops():
    graph, _ = _two_cliques()
    dense = graph.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    assert np.diag(dense).sum() == 0 and dense[3, 4] == 1 and dense[0, 4] == 0
    assert dense.sum() == 2 * (6 + 6 + 1)  # two 4-cliques and the bridge, each edge counted both ways


def test_normalised_cut_counts_the_edges_between_clusters():
    graph, right = _two_cliques()
    # The bridge is one of the 13 edges touching each side: 1/13 + 1/13.
    assert helpers.methods.normalised_cut(graph, right) == pytest.approx(2 / 13)
    assert helpers.methods.normalised_cut(graph, np.zeros(8, int)) == 0.0
    wrong = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    assert helpers.methods.normalised_cut(graph, wrong) > 0.5
    with pytest.raises(ValueError, match="one non-negative label per node"):
        helpers.methods.normalised_cut(graph, right[:7])
    with pytest.raises(ValueError, match="at least one edge"):
        helpers.methods.normalised_cut(helpers.methods.neighbour_graph(np.array([[1], [0], [3], [2]]))[:3, :3], np.array([0, 0, 1]))


def test_candidate_groups_join_the_most_connected_clusters_first():
    graph, right = _two_cliques()
    labels = np.array([0, 0, 1, 1, 2, 2, 3, 3])  # each clique split in two
    groups = helpers.methods.candidate_groups(graph, labels, 4, max_size=3)
    # Each clique's halves are merged before the cliques are, and no group of all 4 is offered.
    assert sorted(groups) == [[0, 1], [2, 3]]
    assert helpers.methods.candidate_groups(graph, labels, 4, max_size=4)[0] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="max_size"):
        helpers.methods.candidate_groups(graph, labels, 4, max_size=1)
    with pytest.raises(ValueError, match="one label in"):
        helpers.methods.candidate_groups(graph, labels, 3)


def _blobs_in_two_regions(n_per_blob: int, seed: int) -> tuple:
    # Three blobs near the origin and two far away: two regions of the space, five clusters.
    centres = np.zeros((5, 10))
    centres[[0, 1, 2], [0, 1, 2]] = 8.0
    centres[3:, 0] = 100.0
    centres[4, 3] = 8.0
    features, truth = make_blobs(n_samples=[n_per_blob] * 5, centers=centres, cluster_std=1.0, random_state=seed)
    # A poor partition of the first region: three slices along a direction in which its blobs do not differ.
    projection = features[:, 5] + 0.1 * features[:, 0]
    poor = truth.copy()
    first = truth < 3
    poor[first] = np.digitize(projection[first], np.quantile(projection[first], [1 / 3, 2 / 3]))
    return features, truth, poor


def test_refine_locally_repairs_a_poor_split_of_one_region_and_keeps_a_good_one():
    features, truth, poor = _blobs_in_two_regions(150, seed=0)
    first = truth < 3
    assert helpers.cluster_accuracy(truth[first], poor[first]) < 0.7
    refined, steps = helpers.methods.refine_locally(features, poor, helpers.methods.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    assert helpers.cluster_accuracy(truth, refined) > 0.95
    np.testing.assert_array_equal(refined[truth >= 3], poor[truth >= 3])  # the far region was split well already
    assert steps[0]["clusters"] == [0, 1, 2] and steps[0]["accepted"] and steps[0]["changed"] > 0
    assert all(step["ncut_after"] < step["ncut_before"] for step in steps if step["accepted"])
    assert not any(step["accepted"] for step in steps if step["clusters"] == [3, 4])
    # Replayed on new points of the same blobs, partitioned as poorly to start with.
    new_features, new_truth, new_poor = _blobs_in_two_regions(60, seed=1)
    assert helpers.cluster_accuracy(new_truth, helpers.methods.apply_local_refinement(steps, new_features, new_poor)) > 0.95


def test_refine_locally_leaves_a_good_partition_as_it_is():
    features, truth, _ = _blobs_in_two_regions(100, seed=2)
    refined, steps = helpers.methods.refine_locally(features, truth, helpers.methods.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    np.testing.assert_array_equal(refined, truth)
    assert steps and sum(step["changed"] for step in steps) == 0
    with pytest.raises(ValueError, match="one label per row"):
        helpers.methods.refine_locally(features[:-1], truth, helpers.methods.nearest_neighbours(features, 10), 5)
    with pytest.raises(ValueError, match="one label per row"):
        helpers.methods.apply_local_refinement(steps, features, truth[:-1])


def test_refine_locally_keeps_cluster_ids_and_counts_only_the_points_that_move():
    features, truth, _ = _blobs_in_two_regions(100, seed=3)
    # The true partition with one in ten points of the first region put in another of its clusters.
    nearly = truth.copy()
    moved = np.flatnonzero(truth < 3)[::10]
    nearly[moved] = (truth[moved] + 1) % 3
    refined, steps = helpers.methods.refine_locally(features, nearly, helpers.methods.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    np.testing.assert_array_equal(refined, truth)  # the same ids, not a renumbering of the same clusters
    assert sum(step["changed"] for step in steps) == len(moved)
    np.testing.assert_array_equal(helpers.methods.apply_local_refinement(steps, features, nearly), truth)


def test_refine_locally_logs_one_line_per_step_as_describe_refinement_step_writes_it():
    features, truth, poor = _blobs_in_two_regions(150, seed=0)
    lines: list[str] = []
    _, steps = helpers.methods.refine_locally(features, poor, helpers.methods.nearest_neighbours(features, 10), 5, seed=0, log=lines.append)
    assert lines == [helpers.methods.describe_refinement_step(step) for step in steps]
    assert lines[0].startswith("[local refinement] clusters [0, 1, 2] (450 points): normalised cut ")
    assert lines[0].endswith(", accepted")
    # A group with fewer than two points per cluster is not re-split, and says why.
    few = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    lines.clear()
    refined, few_steps = helpers.methods.refine_locally(few, np.array([0, 1, 1]), helpers.methods.nearest_neighbours(few, 1), 2, log=lines.append)
    np.testing.assert_array_equal(refined, [0, 1, 1])
    assert lines == ["[local refinement] clusters [0, 1] (3 points): skipped, too few points"]
    assert lines == [helpers.methods.describe_refinement_step(step) for step in few_steps]
