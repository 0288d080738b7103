"""DEC/IDEC (the Student's t assignments, the target distribution, the Keras layer, the training loop) and SCAN's neighbour clustering."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

import helpers


def test_assignments_are_probabilities_and_follow_the_kernel():
    codes = np.array([[0.0, 0.0], [3.0, 4.0]])
    centroids = np.array([[0.0, 0.0], [3.0, 4.0]])
    q = helpers.student_t_assignments(codes, centroids)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    # Squared distance 25 to the other centroid: kernel 1 / 26 against 1.
    np.testing.assert_allclose(q[0], [26 / 27, 1 / 27])
    np.testing.assert_allclose(q[1], [1 / 27, 26 / 27])


def test_target_is_sharper_than_the_assignments():
    rng = np.random.default_rng(0)
    q = helpers.student_t_assignments(rng.normal(size=(200, 3)), rng.normal(size=(4, 3)))
    p = helpers.target_distribution(q)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    entropy = lambda d: -(d * np.log(d)).sum(axis=1)
    # On average: the frequency normalisation may soften a row that favours a large cluster.
    assert entropy(p).mean() < entropy(q).mean() and p.max(axis=1).mean() > q.max(axis=1).mean()
    # Every row, when the clusters are equally frequent: p_ij = q_ij^2 / sum_j q_ij^2.
    balanced = np.array([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.2, 0.5]])
    sharpened = helpers.target_distribution(balanced)
    np.testing.assert_allclose(sharpened[0], np.array([0.25, 0.09, 0.04]) / 0.38)
    assert (entropy(sharpened) < entropy(balanced)).all()


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="equal widths"):
        helpers.student_t_assignments(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="alpha"):
        helpers.student_t_assignments(np.zeros((3, 2)), np.zeros((2, 2)), alpha=0)
    with pytest.raises(ValueError, match="non-negative"):
        helpers.target_distribution(np.array([[0.5, -0.5]]))
    with pytest.raises(ValueError, match="rows"):
        helpers.clustering_layer(3, np.zeros((2, 5)))


def test_keras_layer_matches_the_numpy_assignments():
    rng = np.random.default_rng(1)
    codes, centroids = rng.normal(size=(50, 5)).astype("float32"), rng.normal(size=(3, 5)).astype("float32")
    layer = helpers.clustering_layer(3, centroids)
    q = np.asarray(layer(codes))
    np.testing.assert_allclose(q, helpers.student_t_assignments(codes, centroids), rtol=1e-4, atol=1e-6)
    assert layer.get_weights()[0].shape == (3, 5)


@pytest.fixture(scope="module")
def blobs_autoencoder():
    x, y = make_blobs(3000, n_features=20, centers=5, cluster_std=1.0, random_state=0)
    x = x.astype("float32")
    helpers.set_seed(0)
    autoencoder, encoder = helpers.build_autoencoder(20, [16], 3)
    autoencoder.compile(optimizer="adam", loss="mse")
    autoencoder.fit(x, x, epochs=10, batch_size=64, verbose=0)
    return x, y, autoencoder, encoder.predict(x, verbose=0)


@pytest.mark.parametrize("reconstruction_weight", [None, 1.0])
def test_dec_and_idec_recover_well_separated_blobs(blobs_autoencoder, reconstruction_weight):
    x, y, autoencoder, codes = blobs_autoencoder
    # Start from poor centroids (one blob's centre moved onto another's) so that DEC has work to do.
    centroids = KMeans(5, n_init=10, random_state=0).fit(codes).cluster_centers_
    rng = np.random.default_rng(0)
    centroids = centroids + rng.normal(scale=0.5 * codes.std(), size=centroids.shape)
    weights_before = [w.copy() for w in autoencoder.get_weights()]
    lines = []
    model, info = helpers.train_deep_clustering(
        autoencoder, x, centroids, reconstruction_weight=reconstruction_weight,
        batch_size=64, update_interval=20, max_epochs=10, learning_rate=1e-3, log=lines.append,
    )
    q = model.predict(x, verbose=0)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, rtol=1e-5)
    assert helpers.cluster_accuracy(y, q.argmax(axis=1)) > 0.95
    assert info["iterations"] == len(lines) >= 1 and "changed" in lines[0]
    assert model.name == ("dec" if reconstruction_weight is None else "idec")
    # The pretrained autoencoder is left as it was.
    for before, after in zip(weights_before, autoencoder.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_training_stops_once_assignments_settle(blobs_autoencoder):
    x, _, autoencoder, codes = blobs_autoencoder
    centroids = KMeans(5, n_init=10, random_state=0).fit(codes).cluster_centers_
    _, info = helpers.train_deep_clustering(
        autoencoder, x, centroids, batch_size=64, update_interval=5, max_epochs=50, tol=0.01, log=lambda line: None
    )
    assert info["converged"] and info["delta"] < 0.01 and info["epochs"] < 50


def test_training_rejects_centroids_of_the_wrong_width(blobs_autoencoder):
    x, _, autoencoder, _ = blobs_autoencoder
    with pytest.raises(ValueError, match="initial_centroids"):
        helpers.train_deep_clustering(autoencoder, x, np.zeros((5, 4)))


def test_encoder_of_shares_the_autoencoders_layers(blobs_autoencoder):
    x, _, autoencoder, codes = blobs_autoencoder
    encoder = helpers.encoder_of(autoencoder)
    np.testing.assert_allclose(encoder.predict(x, verbose=0), codes, rtol=1e-5, atol=1e-6)
    assert encoder.get_layer("code") is autoencoder.get_layer("code")


def test_nearest_neighbours_exclude_the_point_itself_even_among_duplicates():
    points = np.array([[0.0], [0.0], [0.0], [10.0], [11.0]])
    neighbours = helpers.nearest_neighbours(points, 2)
    assert neighbours.shape == (5, 2)
    assert all(i not in row for i, row in enumerate(neighbours))
    assert set(neighbours[0]) == {1, 2} and neighbours[3, 0] == 4
    with pytest.raises(ValueError, match="n_neighbors"):
        helpers.nearest_neighbours(points, 5)
    with pytest.raises(ValueError, match="2-D"):
        helpers.nearest_neighbours(points.ravel(), 2)


def test_oriented_gradient_histograms_vote_for_the_edge_orientation():
    vertical_edge = np.zeros((1, 12, 12), "float32")
    vertical_edge[:, :, 6:] = 1.0  # the gradient points along x: orientation 0
    horizontal_edge = vertical_edge.transpose(0, 2, 1)  # the gradient points along y: 90 degrees
    features = helpers.oriented_gradient_histograms(np.concatenate([vertical_edge, horizontal_edge]), cell=4, bins=4)
    assert features.shape == (2, 3 * 3 * 4) and features.dtype == np.float32
    per_orientation = features.reshape(2, -1, 4).sum(axis=1)
    assert per_orientation[0].argmax() == 0 and per_orientation[1].argmax() == 2
    assert per_orientation[0, 1:].sum() == pytest.approx(0.0, abs=1e-6)


def test_oriented_gradient_histograms_of_an_image_do_not_depend_on_its_neighbours_in_the_batch():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(3, 28, 28)).astype(np.uint8)
    alone = helpers.oriented_gradient_histograms(images[1:2])
    assert np.array_equal(helpers.oriented_gradient_histograms(images)[1:2], alone)
    assert np.allclose(helpers.oriented_gradient_histograms(images[1:2].astype("float32") / 255), alone)
    # Contrast-normalised: a fainter copy of an image has the same features.
    faint = helpers.oriented_gradient_histograms(images[1:2] / 510.0)
    assert np.allclose(faint, alone, atol=1e-3)
    blank = helpers.oriented_gradient_histograms(np.zeros((1, 28, 28)))
    assert blank.shape == (1, 7 * 7 * 9) and not blank.any()
    with pytest.raises(ValueError, match="3-D"):
        helpers.oriented_gradient_histograms(images.reshape(3, -1))
    with pytest.raises(ValueError, match="cell"):
        helpers.oriented_gradient_histograms(images, cell=29)


@pytest.fixture(scope="module")
def balanced_blobs():
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=800, centers=4, n_features=5, cluster_std=1.0, center_box=(-10, 10), random_state=3)
    return x.astype("float32"), y


def test_neighbour_clustering_recovers_blobs_with_balanced_soft_assignments(balanced_blobs):
    x, y = balanced_blobs
    lines = []
    model, info = helpers.train_neighbour_clustering(
        x, helpers.nearest_neighbours(x, 10), 4, epochs=30, batch_size=64, seed=0, log=lines.append
    )
    soft = model.predict(x, verbose=0)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-5)
    assert helpers.cluster_accuracy(y, soft.argmax(axis=1)) > 0.95
    assert np.bincount(soft.argmax(axis=1), minlength=4).min() > 0.8 * len(x) / 4
    assert info["entropy"] > 0.95 * np.log(4)
    assert len(lines) == 6 and lines[-1].startswith("[neighbour clustering] epoch 30/30")


def test_neighbour_clustering_without_the_entropy_term_can_collapse(balanced_blobs):
    x, _ = balanced_blobs
    # Every point's only "neighbour" is point 0: without the entropy term nothing stops one cluster taking all.
    everyone_to_zero = np.zeros((len(x), 1), dtype=int)
    collapsed, _ = helpers.train_neighbour_clustering(x, everyone_to_zero, 4, epochs=10, entropy_weight=0.0, batch_size=64, log=lambda line: None)
    assert len(np.unique(collapsed.predict(x, verbose=0).argmax(axis=1))) == 1
    spread, _ = helpers.train_neighbour_clustering(x, everyone_to_zero, 4, epochs=10, entropy_weight=5.0, batch_size=64, log=lambda line: None)
    assert len(np.unique(spread.predict(x, verbose=0).argmax(axis=1))) > 1


def test_neighbour_clustering_rejects_bad_neighbours(balanced_blobs):
    x, _ = balanced_blobs
    with pytest.raises(ValueError, match="shape"):
        helpers.train_neighbour_clustering(x, np.zeros((len(x) - 1, 3), dtype=int), 4)
    with pytest.raises(ValueError, match="integer indices"):
        helpers.train_neighbour_clustering(x, np.full((len(x), 3), len(x)), 4)
    with pytest.raises(ValueError, match="n_clusters >= 2"):
        helpers.train_neighbour_clustering(x, np.zeros((len(x), 3), dtype=int), 1)


def _small_encoder(width: int):
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((width,), name="image")
    return keras.Model(inputs, keras.layers.Dense(3, name="code")(keras.layers.Dense(16, activation="relu")(inputs)))


def test_fine_tuning_distils_noisy_targets_and_leaves_the_encoder_alone(balanced_blobs):
    x, y = balanced_blobs
    encoder = _small_encoder(x.shape[1])
    before = [w.copy() for w in encoder.get_weights()]
    # Targets right for 70% of the points, random for the rest: the neighbours should repair them.
    rng = np.random.default_rng(0)
    noisy = np.where(rng.random(len(y)) < 0.7, y, rng.integers(0, 4, len(y)))
    lines = []
    model, info = helpers.fine_tune_clustering(
        encoder, x, helpers.nearest_neighbours(x, 10), np.eye(4)[noisy], distill_epochs=10, scan_epochs=20,
        max_shift=0.0, batch_size=64, learning_rate=3e-3, seed=0, log=lines.append,
    )
    soft = model.predict(x, verbose=0)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-5)
    assert helpers.cluster_accuracy(noisy, y) < 0.8 and helpers.cluster_accuracy(y, soft.argmax(axis=1)) > 0.95
    # Distilled, not just re-clustered: the clusters keep the targets' numbering.
    assert (soft.argmax(axis=1) == y).mean() > 0.95
    assert info["cross_entropy"] > 0 and info["entropy"] > 0.9 * np.log(4)
    assert lines[0].startswith("[fine-tune] distilling, epoch 1/10") and lines[-1].startswith("[fine-tune] SCAN loss, epoch 20/20")
    assert all(np.array_equal(a, b) for a, b in zip(before, encoder.get_weights()))


def test_fine_tuning_shifts_images_and_rejects_bad_inputs(balanced_blobs):
    x, y = balanced_blobs
    targets = np.eye(4)[y]
    neighbours = helpers.nearest_neighbours(x, 5)
    encoder = _small_encoder(x.shape[1])
    with pytest.raises(ValueError, match="shifting needs images"):
        helpers.fine_tune_clustering(encoder, x, neighbours, targets)  # max_shift 0.1 on 5-pixel "images"
    with pytest.raises(ValueError, match="rows summing to 1"):
        helpers.fine_tune_clustering(encoder, x, neighbours, targets * 2, max_shift=0.0)
    with pytest.raises(ValueError, match="targets must have shape"):
        helpers.fine_tune_clustering(encoder, x, neighbours, targets[1:], max_shift=0.0)
    with pytest.raises(ValueError, match="integer indices"):
        helpers.fine_tune_clustering(encoder, x, neighbours + len(x), targets, max_shift=0.0)
    with pytest.raises(ValueError, match="at least one"):
        helpers.fine_tune_clustering(encoder, x, neighbours, targets, distill_epochs=0, scan_epochs=0, max_shift=0.0)
    # 28 x 28 images are shifted: one distillation epoch runs and yields assignments of the right shape.
    images = np.random.default_rng(0).random((64, 784)).astype("float32")
    model, info = helpers.fine_tune_clustering(
        _small_encoder(784), images, helpers.nearest_neighbours(images, 3), np.eye(2)[np.arange(64) % 2],
        distill_epochs=1, scan_epochs=0, batch_size=32, log=lambda line: None,
    )
    assert model.predict(images, verbose=0).shape == (64, 2) and info["consistency"] is None


def test_most_agreeing_partition_keeps_a_run_the_others_confirm():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(5), 40)
    relabelled = (truth + 2) % 5  # the same partition with other cluster numbers
    noisy = truth.copy()
    noisy[rng.choice(len(truth), 20, replace=False)] = rng.integers(0, 5, 20)
    random_run = rng.integers(0, 5, len(truth))
    index, mean_agreement = helpers.most_agreeing_partition([random_run, noisy, relabelled, truth])
    assert index == 2  # the first of the two identical partitions, up to numbering
    assert mean_agreement[2] == pytest.approx(mean_agreement[3])
    assert mean_agreement[0] == mean_agreement.min() and mean_agreement[0] < 0.2
    assert mean_agreement[1] < mean_agreement[2]


def test_most_agreeing_partition_rejects_bad_inputs():
    with pytest.raises(ValueError, match="at least two"):
        helpers.most_agreeing_partition([np.zeros(5, int)])
    with pytest.raises(ValueError, match="one length"):
        helpers.most_agreeing_partition([np.zeros(5, int), np.zeros(6, int)])
    with pytest.raises(ValueError, match="one length"):
        helpers.most_agreeing_partition([np.zeros((5, 2), int), np.zeros((5, 2), int)])


def test_align_runs_undoes_the_runs_cluster_numbering():
    rng = np.random.default_rng(1)
    soft = rng.dirichlet(np.ones(4) * 0.3, size=300)
    held_out = rng.dirichlet(np.ones(4) * 0.3, size=50)
    noise = rng.dirichlet(np.ones(4), size=300)
    orders = [np.array([2, 0, 3, 1]), np.arange(4), np.array([3, 2, 1, 0])]
    # The same run three times, its clusters renumbered, and one run that found nothing.
    runs = [soft[:, order] for order in orders] + [noise]
    reference, mean_agreement, permutations = helpers.align_runs(runs)
    assert reference == 0  # the first of the three that agree, not the noise
    assert mean_agreement[3] == mean_agreement.min() and mean_agreement[3] < 0.1
    assert list(permutations[0]) == [0, 1, 2, 3]  # the reference keeps its numbering
    # Renumbered as the reference, the three copies line up exactly.
    aligned = [run[:, permutation] for run, permutation in zip(runs[:3], permutations)]
    for run in aligned:
        np.testing.assert_array_equal(run, runs[0])
    average = helpers.matched_average([held_out[:, order] for order in orders], permutations[:3])
    np.testing.assert_allclose(average, held_out[:, orders[0]])
    np.testing.assert_allclose(average.sum(axis=1), 1.0)


def test_align_runs_of_a_single_run_is_the_identity():
    soft = np.random.default_rng(2).dirichlet(np.ones(3), size=20)
    reference, mean_agreement, permutations = helpers.align_runs([soft])
    assert reference == 0 and np.isnan(mean_agreement).all() and mean_agreement.shape == (1,)
    assert permutations.tolist() == [[0, 1, 2]]
    np.testing.assert_array_equal(helpers.matched_average([soft], permutations), soft)


def test_align_runs_and_matched_average_reject_bad_inputs():
    soft = np.full((5, 3), 1 / 3)
    with pytest.raises(ValueError, match="at least one run"):
        helpers.align_runs([])
    with pytest.raises(ValueError, match="one shape"):
        helpers.align_runs([soft, soft[:4]])
    with pytest.raises(ValueError, match="one shape"):
        helpers.align_runs([soft[:, 0], soft[:, 0]])
    with pytest.raises(ValueError, match="one shape"):
        helpers.matched_average([soft, soft[:, :2]], np.array([[0, 1, 2], [0, 1, 2]]))
    with pytest.raises(ValueError, match="one permutation"):
        helpers.matched_average([soft, soft], np.array([[0, 1, 2]]))  # one run short
    with pytest.raises(ValueError, match="one permutation"):
        helpers.matched_average([soft], np.array([[0, 0, 2]]))  # not a permutation


def _two_cliques() -> tuple:
    # Points 0-3 all linked, points 4-7 all linked, one edge 3-4 between the two.
    neighbours = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 4], [5, 6, 7], [4, 6, 7], [4, 5, 7], [4, 5, 6]])
    return helpers.neighbour_graph(neighbours), np.array([0, 0, 0, 0, 1, 1, 1, 1])


def test_neighbour_graph_is_symmetric_without_self_loops():
    graph, _ = _two_cliques()
    dense = graph.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    assert np.diag(dense).sum() == 0 and dense[3, 4] == 1 and dense[0, 4] == 0
    assert dense.sum() == 2 * (6 + 6 + 1)  # two 4-cliques and the bridge, each edge counted both ways


def test_normalised_cut_counts_the_edges_between_clusters():
    graph, right = _two_cliques()
    # The bridge is one of the 13 edges touching each side: 1/13 + 1/13.
    assert helpers.normalised_cut(graph, right) == pytest.approx(2 / 13)
    assert helpers.normalised_cut(graph, np.zeros(8, int)) == 0.0
    wrong = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    assert helpers.normalised_cut(graph, wrong) > 0.5
    with pytest.raises(ValueError, match="one non-negative label per node"):
        helpers.normalised_cut(graph, right[:7])
    with pytest.raises(ValueError, match="at least one edge"):
        helpers.normalised_cut(helpers.neighbour_graph(np.array([[1], [0], [3], [2]]))[:3, :3], np.array([0, 0, 1]))


def test_candidate_groups_join_the_most_connected_clusters_first():
    graph, right = _two_cliques()
    labels = np.array([0, 0, 1, 1, 2, 2, 3, 3])  # each clique split in two
    groups = helpers.candidate_groups(graph, labels, 4, max_size=3)
    # Each clique's halves are merged before the cliques are, and no group of all 4 is offered.
    assert sorted(groups) == [[0, 1], [2, 3]]
    assert helpers.candidate_groups(graph, labels, 4, max_size=4)[0] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="max_size"):
        helpers.candidate_groups(graph, labels, 4, max_size=1)
    with pytest.raises(ValueError, match="one label in"):
        helpers.candidate_groups(graph, labels, 3)


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
    refined, steps = helpers.refine_locally(features, poor, helpers.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    assert helpers.cluster_accuracy(truth, refined) > 0.95
    np.testing.assert_array_equal(refined[truth >= 3], poor[truth >= 3])  # the far region was split well already
    assert steps[0]["clusters"] == [0, 1, 2] and steps[0]["accepted"] and steps[0]["changed"] > 0
    assert all(step["ncut_after"] < step["ncut_before"] for step in steps if step["accepted"])
    assert not any(step["accepted"] for step in steps if step["clusters"] == [3, 4])
    # Replayed on new points of the same blobs, partitioned as poorly to start with.
    new_features, new_truth, new_poor = _blobs_in_two_regions(60, seed=1)
    assert helpers.cluster_accuracy(new_truth, helpers.apply_local_refinement(steps, new_features, new_poor)) > 0.95


def test_refine_locally_leaves_a_good_partition_as_it_is():
    features, truth, _ = _blobs_in_two_regions(100, seed=2)
    refined, steps = helpers.refine_locally(features, truth, helpers.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    np.testing.assert_array_equal(refined, truth)
    assert steps and sum(step["changed"] for step in steps) == 0
    with pytest.raises(ValueError, match="one label per row"):
        helpers.refine_locally(features[:-1], truth, helpers.nearest_neighbours(features, 10), 5)
    with pytest.raises(ValueError, match="one label per row"):
        helpers.apply_local_refinement(steps, features, truth[:-1])


def test_refine_locally_keeps_cluster_ids_and_counts_only_the_points_that_move():
    features, truth, _ = _blobs_in_two_regions(100, seed=3)
    # The true partition with one in ten points of the first region put in another of its clusters.
    nearly = truth.copy()
    moved = np.flatnonzero(truth < 3)[::10]
    nearly[moved] = (truth[moved] + 1) % 3
    refined, steps = helpers.refine_locally(features, nearly, helpers.nearest_neighbours(features, 10), 5, seed=0, log=lambda *_: None)
    np.testing.assert_array_equal(refined, truth)  # the same ids, not a renumbering of the same clusters
    assert sum(step["changed"] for step in steps) == len(moved)
    np.testing.assert_array_equal(helpers.apply_local_refinement(steps, features, nearly), truth)


def test_refine_locally_logs_one_line_per_step_as_describe_refinement_step_writes_it():
    features, truth, poor = _blobs_in_two_regions(150, seed=0)
    lines: list[str] = []
    _, steps = helpers.refine_locally(features, poor, helpers.nearest_neighbours(features, 10), 5, seed=0, log=lines.append)
    assert lines == [helpers.describe_refinement_step(step) for step in steps]
    assert lines[0].startswith("[local refinement] clusters [0, 1, 2] (450 points): normalised cut ")
    assert lines[0].endswith(", accepted")
    # A group with fewer than two points per cluster is not re-split, and says why.
    few = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    lines.clear()
    refined, few_steps = helpers.refine_locally(few, np.array([0, 1, 1]), helpers.nearest_neighbours(few, 1), 2, log=lines.append)
    np.testing.assert_array_equal(refined, [0, 1, 1])
    assert lines == ["[local refinement] clusters [0, 1] (3 points): skipped, too few points"]
    assert lines == [helpers.describe_refinement_step(step) for step in few_steps]
