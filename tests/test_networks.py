"""Model builder, seeding, the clustering benchmark row and GMM selection."""

import numpy as np
import pytest

import helpers


def test_autoencoder_shapes_names_and_parameter_count():
    autoencoder, encoder = helpers.methods.build_autoencoder(784, [512, 256], 10)
    assert autoencoder.input_shape == (None, 784) and autoencoder.output_shape == (None, 784)
    assert encoder.output_shape == (None, 10)
    names = [layer.name for layer in autoencoder.layers]
    assert names == [
        "image", "encoder_1", "encoder_1_bn", "encoder_2", "encoder_2_bn", "code",
        "decoder_1", "decoder_2", "reconstruction",
    ]
    dense = (784 * 512 + 512) + (512 * 256 + 256) + (256 * 10 + 10)
    dense += (10 * 256 + 256) + (256 * 512 + 512) + (512 * 784 + 784)
    batch_norm = 4 * 512 + 4 * 256
    assert autoencoder.count_params() == dense + batch_norm
    # The encoder shares the autoencoder's layers: training one trains the other.
    assert encoder.get_layer("code") is autoencoder.get_layer("code")
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "linear"


def test_autoencoder_without_batch_norm_and_with_sigmoid_output():
    autoencoder, _ = helpers.methods.build_autoencoder(20, [8], 2, batch_norm=False, output_activation="sigmoid")
    assert not any("bn" in layer.name for layer in autoencoder.layers)
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "sigmoid"


@pytest.mark.parametrize("arguments", [(0, [8], 2), (20, [8, -1], 2), (20, [8], 0), (20, [8.5], 2)])
def test_autoencoder_rejects_bad_sizes(arguments):
    with pytest.raises(ValueError, match="positive integers"):
        helpers.methods.build_autoencoder(*arguments)


def test_same_seed_gives_the_same_weights():
    helpers.methods.set_seed(3)
    first, _ = helpers.methods.build_autoencoder(20, [8], 2)
    helpers.methods.set_seed(3)
    second, _ = helpers.methods.build_autoencoder(20, [8], 2)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="seed"):
        helpers.methods.set_seed(-1)


def test_describe_layers_matches_the_model():
    autoencoder, _ = helpers.methods.build_autoencoder(20, [8], 2)
    rows = helpers.methods.describe_layers(autoencoder)
    assert [row["name"] for row in rows] == ["image", "encoder_1", "encoder_1_bn", "code", "decoder_1", "reconstruction"]
    assert rows[1] == {"name": "encoder_1", "type": "Dense", "output_shape": [8], "params": 20 * 8 + 8}
    assert rows[-1]["output_shape"] == [20]
    assert sum(row["params"] for row in rows) == autoencoder.count_params()


def test_conv_autoencoder_matches_the_published_one():
    autoencoder, encoder = helpers.methods.build_conv_autoencoder()
    assert autoencoder.count_params() == 4385
    assert autoencoder.output_shape == (None, 28, 28, 1)
    assert encoder.output_shape == (None, 128)
    assert autoencoder.get_layer("code_map").output.shape[1:] == (4, 4, 8)
    assert autoencoder.get_layer("reconstruction").activation.__name__ == "sigmoid"
    with pytest.raises(ValueError, match="image_shape"):
        helpers.methods.build_conv_autoencoder((28,))


def test_clustering_cnn_shapes_and_seeded_weights():
    cnn = helpers.methods.build_clustering_cnn(10, seed=3)
    assert cnn.input_shape == (None, 784) and cnn.output_shape == (None, 10)
    # 3x3x1x32+32, 3x3x32x64+64, (7*7*64)x128+128, 128x10+10: two stride-2 convolutions take 28 to 7.
    assert cnn.count_params() == 320 + 18_496 + 401_536 + 1_290
    assert cnn.get_layer("code").output.shape[1:] == (10,)
    same, other = helpers.methods.build_clustering_cnn(10, seed=3), helpers.methods.build_clustering_cnn(10, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(cnn.get_weights(), same.get_weights()))
    assert not np.array_equal(cnn.get_weights()[0], other.get_weights()[0])
    x = np.random.default_rng(0).random((5, 784)).astype("float32")
    assert helpers.methods.encoder_of(cnn)(x).shape == (5, 10)
    for bad in ({"code_size": 0}, {"code_size": 10, "seed": -1}, {"code_size": 10, "image_shape": (28,)}):
        with pytest.raises(ValueError):
            helpers.methods.build_clustering_cnn(**bad)


def test_encoder_of_shares_the_autoencoders_layers(blobs_autoencoder):
    x, _, autoencoder, codes = blobs_autoencoder
    encoder = helpers.methods.encoder_of(autoencoder)
    np.testing.assert_allclose(encoder.predict(x, verbose=0), codes, rtol=1e-5, atol=1e-6)
    assert encoder.get_layer("code") is autoencoder.get_layer("code")
