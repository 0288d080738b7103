"""Shared by explorations (not part of the study): the codes of a notebook run's cached shifted autoencoder."""
import glob, json

import helpers


def shifted_autoencoder_codes(seed, cache_dir="artifacts"):
    """Training codes, test codes, test labels and the cache entry of the shifted autoencoder that a run of
    main.ipynb with this seed left in `cache_dir` (run from the repository root)."""
    import keras

    (train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
    x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255.0
    x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255.0
    (entry,) = [path for path in glob.glob(f"{cache_dir}/shift_autoencoder-*")
                if json.load(open(f"{path}/meta.json"))["spec"]["seed"] == seed]
    encoder = helpers.encoder_of(keras.models.load_model(f"{entry}/autoencoder.keras", compile=False))
    return (encoder.predict(x_train, batch_size=1024, verbose=0), encoder.predict(x_test, batch_size=1024, verbose=0),
            y_test, entry)
