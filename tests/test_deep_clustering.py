"""DEC/IDEC (the Student's t assignments, the target distribution, the Keras layer, the training loop) and SCAN's neighbour clustering."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

import helpers


def test_assignments_are_probabilities_and_follow_the_kernel():
    codes = np.array([[0.0, 0.0], [3.0, 4.0]])
    centroids = np.array([[0.0, 0.0], [3.0, 4.0]])
    q = helpers.methods.student_t_assignments(codes, centroids)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    # Squared distance 25 to the other centroid: kernel 1 / 26 against 1.
    np.testing.assert_allclose(q[0], [26 / 27, 1 / 27])
    np.testing.assert_allclose(q[1], [1 / 27, 26 / 27])


def test_target_is_sharper_than_the_assignments():
    rng = np.random.default_rng(0)
    q = helpers.methods.student_t_assignments(rng.normal(size=(200, 3)), rng.normal(size=(4, 3)))
    p = helpers.methods.target_distribution(q)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    entropy = lambda d: -(d * np.log(d)).sum(axis=1)
    # On average: the frequency normalisation may soften a row that favours a large cluster.
    assert entropy(p).mean() < entropy(q).mean() and p.max(axis=1).mean() > q.max(axis=1).mean()
    # Every row, when the clusters are equally frequent: p_ij = q_ij^2 / sum_j q_ij^2.
    balanced = np.array([[0.5, 0.3, 0.2], [0.2, 0.5, 0.3], [0.3, 0.2, 0.5]])
    sharpened = helpers.methods.target_distribution(balanced)
    np.testing.assert_allclose(sharpened[0], np.array([0.25, 0.09, 0.04]) / 0.38)
    assert (entropy(sharpened) < entropy(balanced)).all()


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="equal widths"):
        helpers.methods.student_t_assignments(np.zeros((3, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="alpha"):
        helpers.methods.student_t_assignments(np.zeros((3, 2)), np.zeros((2, 2)), alpha=0)
    with pytest.raises(ValueError, match="non-negative"):
        helpers.methods.target_distribution(np.array([[0.5, -0.5]]))
    with pytest.raises(ValueError, match="rows"):
        helpers.methods.clustering_layer(3, np.zeros((2, 5)))


def test_keras_layer_matches_the_numpy_assignments():
    rng = np.random.default_rng(1)
    codes, centroids = rng.normal(size=(50, 5)).astype("float32"), rng.normal(size=(3, 5)).astype("float32")
    layer = helpers.methods.clustering_layer(3, centroids)
    q = np.asarray(layer(codes))
    np.testing.assert_allclose(q, helpers.methods.student_t_assignments(codes, centroids), rtol=1e-4, atol=1e-6)
    assert layer.get_weights()[0].shape == (3, 5)


@pytest.mark.parametrize("reconstruction_weight", [None, 1.0])
def test_dec_and_idec_recover_well_separated_blobs(blobs_autoencoder, reconstruction_weight):
    x, y, autoencoder, codes = blobs_autoencoder
    # Start from poor centroids (one blob's centre moved onto another's) so that DEC has work to do.
    centroids = KMeans(5, n_init=10, random_state=0).fit(codes).cluster_centers_
    rng = np.random.default_rng(0)
    centroids = centroids + rng.normal(scale=0.5 * codes.std(), size=centroids.shape)
    weights_before = [w.copy() for w in autoencoder.get_weights()]
    lines = []
    model, info = helpers.methods.train_deep_clustering(
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
    _, info = helpers.methods.train_deep_clustering(
        autoencoder, x, centroids, batch_size=64, update_interval=5, max_epochs=50, tol=0.01, log=lambda line: None
    )
    assert info["converged"] and info["delta"] < 0.01 and info["epochs"] < 50


def test_training_rejects_centroids_of_the_wrong_width(blobs_autoencoder):
    x, _, autoencoder, _ = blobs_autoencoder
    with pytest.raises(ValueError, match="initial_centroids"):
        helpers.methods.train_deep_clustering(autoencoder, x, np.zeros((5, 4)))


def test_umap_embedding_refuses_mismatched_features():
    with pytest.raises(ValueError, match="equal widths"):
        helpers.methods.fit_umap_embedding(np.zeros((50, 3)), np.zeros((5, 4)), n_neighbors=5, n_components=2, seed=0)
    with pytest.raises(ValueError, match="n_neighbors"):
        helpers.methods.fit_umap_embedding(np.zeros((50, 3)), np.zeros((5, 3)), n_neighbors=1, n_components=2, seed=0)
