"""SCAN: neighbours, clustering heads, their consensus, and training clusters into a CNN."""

import numpy as np
import pytest

import helpers


def test_nearest_neighbours_exclude_the_point_itself_even_among_duplicates():
    points = np.array([[0.0], [0.0], [0.0], [10.0], [11.0]])
    neighbours = helpers.methods.nearest_neighbours(points, 2)
    assert neighbours.shape == (5, 2)
    assert all(i not in row for i, row in enumerate(neighbours))
    assert set(neighbours[0]) == {1, 2} and neighbours[3, 0] == 4
    with pytest.raises(ValueError, match="n_neighbors"):
        helpers.methods.nearest_neighbours(points, 5)
    with pytest.raises(ValueError, match="2-D"):
        helpers.methods.nearest_neighbours(points.ravel(), 2)


@pytest.fixture(scope="module")
def balanced_blobs():
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=800, centers=4, n_features=5, cluster_std=1.0, center_box=(-10, 10), random_state=3)
    return x.astype("float32"), y


def test_neighbour_clustering_recovers_blobs_with_balanced_soft_assignments(balanced_blobs):
    x, y = balanced_blobs
    lines = []
    model, info = helpers.methods.train_neighbour_clustering(
        x, helpers.methods.nearest_neighbours(x, 10), 4, epochs=30, batch_size=64, seed=0, log=lines.append
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
    collapsed, _ = helpers.methods.train_neighbour_clustering(x, everyone_to_zero, 4, epochs=10, entropy_weight=0.0, batch_size=64, log=lambda line: None)
    assert len(np.unique(collapsed.predict(x, verbose=0).argmax(axis=1))) == 1
    spread, _ = helpers.methods.train_neighbour_clustering(x, everyone_to_zero, 4, epochs=10, entropy_weight=5.0, batch_size=64, log=lambda line: None)
    assert len(np.unique(spread.predict(x, verbose=0).argmax(axis=1))) > 1


def test_neighbour_clustering_rejects_bad_neighbours(balanced_blobs):
    x, _ = balanced_blobs
    with pytest.raises(ValueError, match="shape"):
        helpers.methods.train_neighbour_clustering(x, np.zeros((len(x) - 1, 3), dtype=int), 4)
    with pytest.raises(ValueError, match="integer indices"):
        helpers.methods.train_neighbour_clustering(x, np.full((len(x), 3), len(x)), 4)
    with pytest.raises(ValueError, match="n_clusters >= 2"):
        helpers.methods.train_neighbour_clustering(x, np.zeros((len(x), 3), dtype=int), 1)


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
    model, info = helpers.methods.fine_tune_clustering(
        encoder, x, helpers.methods.nearest_neighbours(x, 10), np.eye(4)[noisy], distill_epochs=10, scan_epochs=20,
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
    neighbours = helpers.methods.nearest_neighbours(x, 5)
    encoder = _small_encoder(x.shape[1])
    with pytest.raises(ValueError, match="shifting needs images"):
        helpers.methods.fine_tune_clustering(encoder, x, neighbours, targets)  # max_shift 0.1 on 5-pixel "images"
    with pytest.raises(ValueError, match="rows summing to 1"):
        helpers.methods.fine_tune_clustering(encoder, x, neighbours, targets * 2, max_shift=0.0)
    with pytest.raises(ValueError, match="targets must have shape"):
        helpers.methods.fine_tune_clustering(encoder, x, neighbours, targets[1:], max_shift=0.0)
    with pytest.raises(ValueError, match="integer indices"):
        helpers.methods.fine_tune_clustering(encoder, x, neighbours + len(x), targets, max_shift=0.0)
    with pytest.raises(ValueError, match="at least one"):
        helpers.methods.fine_tune_clustering(encoder, x, neighbours, targets, distill_epochs=0, scan_epochs=0, max_shift=0.0)
    # 28 x 28 images are shifted: one distillation epoch runs and yields assignments of the right shape.
    images = np.random.default_rng(0).random((64, 784)).astype("float32")
    model, info = helpers.methods.fine_tune_clustering(
        _small_encoder(784), images, helpers.methods.nearest_neighbours(images, 3), np.eye(2)[np.arange(64) % 2],
        distill_epochs=1, scan_epochs=0, batch_size=32, log=lambda line: None,
    )
    assert model.predict(images, verbose=0).shape == (64, 2) and info["consistency"] is None


def _global_random_state():
    import random

    return random.getstate(), np.random.get_state()[1].copy()


def _same_state(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1])


def test_training_is_seeded_by_its_argument_and_leaves_global_random_state_alone(balanced_blobs):
    import keras

    x, y = balanced_blobs
    neighbours = helpers.methods.nearest_neighbours(x, 5)
    runs = []
    for global_seed in (1, 2):  # whatever the caller did to the global generators
        keras.utils.set_random_seed(global_seed)
        before = _global_random_state()
        model, _ = helpers.methods.train_neighbour_clustering(x, neighbours, 4, epochs=1, batch_size=128, seed=3, log=lambda line: None)
        assert _same_state(before, _global_random_state())
        runs.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
    encoder, tuned = _small_encoder(x.shape[1]), []
    for global_seed in (1, 2):
        keras.utils.set_random_seed(global_seed)
        numpy_before = np.random.get_state()[1].copy()
        model, _ = helpers.methods.fine_tune_clustering(
            encoder, x, neighbours, np.eye(4)[y], distill_epochs=1, scan_epochs=0, max_shift=0.0, batch_size=128,
            seed=3, log=lambda line: None,
        )
        assert np.array_equal(numpy_before, np.random.get_state()[1])
        tuned.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*tuned))


def test_most_agreeing_partition_keeps_a_run_the_others_confirm():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(5), 40)
    relabelled = (truth + 2) % 5  # the same partition with other cluster numbers
    noisy = truth.copy()
    noisy[rng.choice(len(truth), 20, replace=False)] = rng.integers(0, 5, 20)
    random_run = rng.integers(0, 5, len(truth))
    index, mean_agreement = helpers.methods.most_agreeing_partition([random_run, noisy, relabelled, truth])
    assert index == 2  # the first of the two identical partitions, up to numbering
    assert mean_agreement[2] == pytest.approx(mean_agreement[3])
    assert mean_agreement[0] == mean_agreement.min() and mean_agreement[0] < 0.2
    assert mean_agreement[1] < mean_agreement[2]


def test_most_agreeing_partition_rejects_bad_inputs():
    with pytest.raises(ValueError, match="at least two"):
        helpers.methods.most_agreeing_partition([np.zeros(5, int)])
    with pytest.raises(ValueError, match="one length"):
        helpers.methods.most_agreeing_partition([np.zeros(5, int), np.zeros(6, int)])
    with pytest.raises(ValueError, match="one length"):
        helpers.methods.most_agreeing_partition([np.zeros((5, 2), int), np.zeros((5, 2), int)])


def test_align_runs_undoes_the_runs_cluster_numbering():
    rng = np.random.default_rng(1)
    soft = rng.dirichlet(np.ones(4) * 0.3, size=300)
    held_out = rng.dirichlet(np.ones(4) * 0.3, size=50)
    noise = rng.dirichlet(np.ones(4), size=300)
    orders = [np.array([2, 0, 3, 1]), np.arange(4), np.array([3, 2, 1, 0])]
    # The same run three times, its clusters renumbered, and one run that found nothing.
    runs = [soft[:, order] for order in orders] + [noise]
    reference, mean_agreement, permutations = helpers.methods.align_runs(runs)
    assert reference == 0  # the first of the three that agree, not the noise
    assert mean_agreement[3] == mean_agreement.min() and mean_agreement[3] < 0.1
    assert list(permutations[0]) == [0, 1, 2, 3]  # the reference keeps its numbering
    # Renumbered as the reference, the three copies line up exactly.
    aligned = [run[:, permutation] for run, permutation in zip(runs[:3], permutations)]
    for run in aligned:
        np.testing.assert_array_equal(run, runs[0])
    average = helpers.methods.matched_average([held_out[:, order] for order in orders], permutations[:3])
    np.testing.assert_allclose(average, held_out[:, orders[0]])
    np.testing.assert_allclose(average.sum(axis=1), 1.0)


def test_align_runs_of_a_single_run_is_the_identity():
    soft = np.random.default_rng(2).dirichlet(np.ones(3), size=20)
    reference, mean_agreement, permutations = helpers.methods.align_runs([soft])
    assert reference == 0 and np.isnan(mean_agreement).all() and mean_agreement.shape == (1,)
    assert permutations.tolist() == [[0, 1, 2]]
    np.testing.assert_array_equal(helpers.methods.matched_average([soft], permutations), soft)


def test_align_runs_and_matched_average_reject_bad_inputs():
    soft = np.full((5, 3), 1 / 3)
    with pytest.raises(ValueError, match="at least one run"):
        helpers.methods.align_runs([])
    with pytest.raises(ValueError, match="one shape"):
        helpers.methods.align_runs([soft, soft[:4]])
    with pytest.raises(ValueError, match="one shape"):
        helpers.methods.align_runs([soft[:, 0], soft[:, 0]])
    with pytest.raises(ValueError, match="one shape"):
        helpers.methods.matched_average([soft, soft[:, :2]], np.array([[0, 1, 2], [0, 1, 2]]))
    with pytest.raises(ValueError, match="one permutation"):
        helpers.methods.matched_average([soft, soft], np.array([[0, 1, 2]]))  # one run short
    with pytest.raises(ValueError, match="one permutation"):
        helpers.methods.matched_average([soft], np.array([[0, 0, 2]]))  # not a permutation
