"""The estimators of helpers.methods: the scikit-learn contract, determinism, and equality with the globally seeded code they replace."""

import pickle
import random

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_get_params_invariance, check_no_attributes_set_in_init, check_parameters_default_constructible

import helpers
from helpers.methods import (
    DEC, IDEC, N2D, CentroidAgglomerative, ClusteringCNN, ConvAutoencoder, DenseAutoencoder, LeadingColumns, LocalResplits, SCANHeads, UMAPEmbedding,
)


def synthetic_images(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three kinds of 28 x 28 image (a bright bar, a square or a ring of pixels) under noise, flattened to [0, 1]."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.uniform(0, 0.2, (n, 28, 28)).astype("float32")
    for image, label in zip(images, labels):
        dx, dy = rng.integers(-2, 3, 2)
        if label == 0:
            image[4 + dy : 24 + dy, 12 + dx : 16 + dx] = 1.0
        elif label == 1:
            image[8 + dy : 20 + dy, 8 + dx : 20 + dx] = 0.8
        else:
            image[6 + dy : 22 + dy, 6 + dx : 22 + dx] = 0.9
            image[10 + dy : 18 + dy, 10 + dx : 18 + dx] = 0.1
    return images.reshape(n, -1), labels


@pytest.fixture(scope="module")
def images():
    return synthetic_images()


@pytest.fixture(scope="module")
def autoencoder(images):
    return DenseAutoencoder(hidden_units=(32,), latent_dim=4, epochs=3, batch_size=32, random_state=0).fit(images[0])


ESTIMATORS = [DenseAutoencoder(), ConvAutoencoder(), DEC(), IDEC(), N2D(), UMAPEmbedding(), SCANHeads(), ClusteringCNN(), LocalResplits()]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_parameters_round_trip_through_clone_and_set_params(estimator):
    name = type(estimator).__name__
    check_parameters_default_constructible(name, estimator)
    check_no_attributes_set_in_init(name, estimator)
    check_get_params_invariance(name, estimator)
    params = estimator.get_params()
    assert clone(estimator).get_params() == params
    changed = clone(estimator).set_params(random_state=7)
    assert changed.get_params()["random_state"] == 7 and estimator.get_params()["random_state"] is None


@pytest.mark.parametrize("estimator", [DenseAutoencoder(), ConvAutoencoder(), DEC(), N2D(), ClusteringCNN(), LocalResplits()], ids=lambda e: type(e).__name__)
def test_image_estimators_reject_what_are_not_images(estimator):
    with pytest.raises(ValueError, match="X must"):
        estimator.fit(np.zeros(784, dtype="float32"))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        estimator.fit(np.full((300, 784), 255.0, dtype="float32"))


def test_dense_autoencoder_encodes_unseen_images_the_same_for_the_same_seed(images):
    x, _ = images
    settings = dict(hidden_units=(32,), latent_dim=4, epochs=2, batch_size=32)
    first = DenseAutoencoder(**settings, random_state=1).fit(x[:250])
    second = DenseAutoencoder(**settings, random_state=1).fit(x[:250])
    other = DenseAutoencoder(**settings, random_state=2).fit(x[:250])
    codes = first.transform(x[250:])
    assert codes.shape == (50, 4) and first.n_iter_ == 2 and len(first.history_["val_loss"]) == 2
    np.testing.assert_array_equal(codes, second.transform(x[250:]))
    assert not np.array_equal(codes, other.transform(x[250:]))
    assert first.reconstruct(x[:5]).shape == (5, 784)


def test_dense_autoencoder_rejects_bad_parameters(images):
    x, _ = images
    for params, word in (({"epochs": 0}, "epochs"), ({"hidden_units": (0,)}, "hidden_units"), ({"max_shift": 1.0}, "max_shift"),
                         ({"shift_target": "both"}, "shift_target"), ({"validation_fraction": 1.0}, "validation_fraction"),
                         ({"random_state": -1}, "random_state"), ({"batch_size": 1000}, "batch_size")):
        with pytest.raises(ValueError, match=word):
            DenseAutoencoder(**params).fit(x)


def globally_seeded_autoencoder(x, seed, shift=False):
    """What the notebook ran before the estimators: global seeding, then plain Keras."""
    helpers.methods.set_seed(seed)
    model, _ = helpers.methods.build_autoencoder(784, [32], 4)
    n_fit = helpers.validation_split(len(x)).start
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=2 * int(np.ceil(n_fit / 32)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss="mse")
    if shift:
        model.fit(helpers.random_shift_dataset(x[:n_fit], 32, 0.1, seed), validation_data=(x[n_fit:], x[n_fit:]), epochs=2, verbose=0)
    else:
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
        model.fit(x, x, epochs=2, batch_size=32, validation_split=0.1, callbacks=[stop], verbose=0)
    return model


@pytest.mark.parametrize("shift", [False, True])
def test_dense_autoencoder_trains_the_network_global_seeding_trained_without_touching_global_state(images, shift):
    x, _ = images
    before = globally_seeded_autoencoder(x, 5, shift)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    estimator = DenseAutoencoder(hidden_units=(32,), latent_dim=4, epochs=2, batch_size=32, max_shift=0.1 if shift else 0.0,
                                 early_stopping_patience=None if shift else 10, random_state=5).fit(x)
    for old, new in zip(before.get_weights(), estimator.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert random.getstate() == python_state
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state[1])


def test_conv_autoencoder_trains_the_network_global_seeding_trained(images):
    x, _ = images
    helpers.methods.set_seed(4)
    before, _ = helpers.methods.build_conv_autoencoder()
    before.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy", jit_compile=False)
    x4 = x.reshape(-1, 28, 28, 1)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    before.fit(x4, x4, epochs=2, batch_size=32, validation_split=0.1, callbacks=[stop], verbose=0)
    estimator = ConvAutoencoder(epochs=2, batch_size=32, random_state=4).fit(x)
    for old, new in zip(before.get_weights(), estimator.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    assert estimator.transform(x[:7]).shape == (7, 128)


def test_fitted_estimators_pickle_with_their_exact_weights(autoencoder, images):
    x, _ = images
    loaded = pickle.loads(pickle.dumps(autoencoder))
    np.testing.assert_array_equal(loaded.transform(x), autoencoder.transform(x))
    assert loaded.weights_checksum() == autoencoder.weights_checksum()


@pytest.mark.parametrize("method", [DEC, IDEC])
def test_dec_and_idec_cluster_unseen_images_and_say_what_stopped_them(method, autoencoder, images):
    x, _ = images
    settings = dict(autoencoder=autoencoder, n_clusters=3, kmeans_n_init=2, batch_size=32, update_interval=3, max_epochs=2, random_state=0)
    first = method(**settings).fit(x[:250])
    labels = first.predict(x[250:])
    assert labels.shape == (50,) and set(labels) <= {0, 1, 2} and first.labels_.shape == (250,)
    assert first.cluster_centers_.shape == (3, 4) and first.transform(x[:3]).shape == (3, 4)
    assert isinstance(first.converged_, bool) and first.n_iter_ >= 1
    assert first.converged_ == (first.delta_ < first.tol)
    np.testing.assert_array_equal(labels, method(**settings).fit(x[:250]).predict(x[250:]))
    assert not hasattr(autoencoder, "autoencoder_") and first.autoencoder_ is autoencoder


def test_dec_stops_at_its_batch_cap_and_checks_its_centroids(autoencoder, images):
    x, _ = images
    capped = DEC(autoencoder, n_clusters=3, kmeans_n_init=1, batch_size=32, update_interval=2, tol=0.0, max_iter=4, random_state=0).fit(x)
    assert capped.n_iter_ == 2 and not capped.converged_
    with pytest.raises(ValueError, match="init_centroids"):
        DEC(autoencoder, n_clusters=3, init_centroids=np.zeros((2, 4))).fit(x)
    with pytest.raises(ValueError, match="n_clusters"):
        DEC(autoencoder, n_clusters=1).fit(x)


def test_dec_pretrains_an_autoencoder_when_given_an_unfitted_one(images):
    x, _ = images
    unfitted = DenseAutoencoder(hidden_units=(16,), latent_dim=3, epochs=1, batch_size=32)
    dec = DEC(unfitted, n_clusters=3, kmeans_n_init=1, batch_size=32, update_interval=2, max_epochs=1, random_state=3).fit(x)
    assert hasattr(dec.autoencoder_, "model_") and not hasattr(unfitted, "model_")
    assert dec.autoencoder_.random_state == 3


def test_n2d_clusters_unseen_images_the_same_for_the_same_seed(autoencoder, images):
    x, _ = images
    first = N2D(autoencoder, n_clusters=3, n_neighbors=10, random_state=0).fit(x[:250])
    labels = first.predict(x[250:])
    assert labels.shape == (50,) and first.embedding_.shape == (250, 3) and first.labels_.shape == (250,)
    assert first.transform(x[250:]).shape == (50, 3)
    np.testing.assert_array_equal(labels, N2D(autoencoder, n_clusters=3, n_neighbors=10, random_state=0).fit(x[:250]).predict(x[250:]))
    with pytest.raises(ValueError, match="n_neighbors"):
        N2D(autoencoder, n_neighbors=250).fit(x[:250])


def test_scan_heads_combine_into_a_consensus_of_unseen_points(autoencoder, images):
    x, _ = images
    codes = autoencoder.transform(x)
    settings = dict(n_clusters=3, n_heads=2, n_neighbors=5, epochs=2, hidden_units=(16,), batch_size=64, random_state=2)
    heads = SCANHeads(**settings).fit(codes[:250])
    assert heads.head_seeds_ == [200, 201] and heads.permutations_.shape == (2, 3)
    proba = heads.predict_proba(codes[250:])
    assert proba.shape == (50, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(heads.labels_, heads.train_consensus_.argmax(axis=1))
    np.testing.assert_array_equal(heads.predict(codes[250:]), SCANHeads(**settings).fit(codes[:250]).predict(codes[250:]))
    with pytest.raises(ValueError, match="n_heads"):
        SCANHeads(n_heads=0).fit(codes)


def test_clustering_cnn_learns_a_teachers_clusters_and_continues_from_another(images):
    x, y = images
    targets = np.eye(3, dtype="float32")[y[:250]]
    settings = dict(distill_epochs=1, scan_epochs=1, batch_size=64, n_neighbors=5, random_state=0)
    cnn = ClusteringCNN(**settings).fit(x[:250], targets=targets)
    labels = cnn.predict(x[250:])
    assert labels.shape == (50,) and cnn.transform(x[250:]).shape == (50, 10) and cnn.consistency_ is not None
    np.testing.assert_array_equal(labels, ClusteringCNN(**settings).fit(x[:250], targets=targets).predict(x[250:]))
    before = cnn.weights_checksum()
    continued = ClusteringCNN(**{**settings, "warm_start": cnn, "scan_epochs": 0}).fit(x[:250], targets=targets)
    assert continued.predict(x[250:]).shape == (50,) and cnn.weights_checksum() == before
    with pytest.raises(ValueError, match="targets"):
        ClusteringCNN().fit(x)


def test_local_resplits_refine_a_base_partition_and_replay_on_unseen_images(images):
    x, _ = images
    from sklearn.cluster import KMeans

    base = KMeans(4, n_init=2, random_state=0).fit(x[:250])
    resplits = LocalResplits(base, n_clusters=4, max_size=2, n_components=5, n_init=2, n_neighbors=5, random_state=0).fit(x[:250])
    assert resplits.labels_.shape == (250,) and len(resplits.steps_) >= 1
    np.testing.assert_array_equal(resplits.start_labels_, base.predict(x[:250]))
    labels = resplits.predict(x[250:])
    assert labels.shape == (50,) and set(labels) <= set(range(4))
    with pytest.raises(ValueError, match="base"):
        LocalResplits().fit(x)


def test_the_readme_example_clusters_unseen_images(capsys):
    """The README's block of using methods alone, run as it stands (2,000 training images)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Each method on your own images"):]
    code = section[section.index("```python") + len("```python"): section.index("```\n", section.index("```python") + 9)]
    exec(compile(code, "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["autoencoder + K-Means", "DEC, 2-epoch cap", "N2D"]
    assert all(0.3 < float(line.rsplit(" ", 1)[1]) <= 1 for line in lines), lines  # well above chance (0.1)


@pytest.mark.parametrize("estimator", [LeadingColumns(1), CentroidAgglomerative(3, max_samples=50)], ids=lambda e: type(e).__name__)
def test_the_comparisons_small_estimators_pass_scikit_learns_checks(estimator):
    """scikit-learn's own estimator checks, where they apply: they fit on arbitrary arrays, which the image estimators refuse."""
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(estimator)


def test_dec_runs_its_epoch_cap_on_fewer_images_than_one_refresh_trains_on(autoencoder, images):
    x, _ = images  # 300 images, fewer than the 140 x 256 of one refresh at the defaults
    dec = DEC(autoencoder, n_clusters=3, kmeans_n_init=1, tol=0.0, max_epochs=2, random_state=0).fit(x)
    assert dec.n_iter_ == 2 and dec.epochs_ == 2.0 and dec.n_batches_ == 2 * int(np.ceil(300 / 256)) and not dec.converged_


def test_a_frozen_fitted_autoencoder_survives_clone(autoencoder, images):
    from sklearn.frozen import FrozenEstimator

    x, _ = images
    dec = clone(DEC(FrozenEstimator(autoencoder), n_clusters=3, kmeans_n_init=1, max_epochs=1, random_state=0)).fit(x)
    before = autoencoder.weights_checksum()
    assert dec.autoencoder_.estimator is autoencoder and autoencoder.weights_checksum() == before
    with pytest.raises(ValueError, match="DenseAutoencoder"):
        DEC(ConvAutoencoder()).fit(x)


def test_local_resplits_fit_an_unfitted_base_and_say_whether_they_have_a_cluster_space(images):
    from sklearn.cluster import KMeans

    x, _ = images
    resplits = LocalResplits(KMeans(3, n_init=1, random_state=0), n_clusters=3, max_size=2, n_components=5, n_init=1,
                             n_neighbors=5, random_state=0).fit(x)
    assert hasattr(resplits.base_, "cluster_centers_") and not hasattr(resplits.base, "cluster_centers_")
    assert not resplits.has_cluster_space()  # K-Means' transform gives distances, not a space its clusters live in
    with pytest.raises(AttributeError, match="no space"):
        resplits.transform(x)


def test_the_cache_key_leaves_out_verbose_and_tells_fitted_pipelines_apart(images):
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    assert helpers.study.cache_spec(e=DenseAutoencoder(verbose=1)) == helpers.study.cache_spec(e=DenseAutoencoder(verbose=0))
    x, _ = images
    first = make_pipeline(StandardScaler(), KMeans(3, n_init=1, random_state=0)).fit(x)
    second = make_pipeline(StandardScaler(), KMeans(3, n_init=1, random_state=1)).fit(x)
    assert helpers.study.cache_spec(e=LocalResplits(first)) != helpers.study.cache_spec(e=LocalResplits(second))


def test_a_umap_embedding_loads_without_umap_and_transforms_as_the_fitted_one(autoencoder, images):
    x, _ = images
    codes = autoencoder.transform(x)
    embedding = UMAPEmbedding(n_neighbors=10, n_components=3, random_state=0).fit(codes[:250])
    loaded = pickle.loads(pickle.dumps(embedding))
    assert isinstance(loaded._umap, bytes)  # not unpickled (umap-learn not needed) until used
    np.testing.assert_array_equal(loaded.embedding_, embedding.embedding_)
    np.testing.assert_array_equal(loaded.transform(codes[250:]), embedding.transform(codes[250:]))
