"""Shared by explorations (not part of the study): the codes of a notebook run's cached shifted autoencoder."""
import glob, json, os

import helpers


def shifted_autoencoder_codes(seed, cache_dir="artifacts", target="shifted"):
    """Training codes, test codes, test labels and the cache entry of the shifted autoencoder that a run of
    main.ipynb with this seed and SHIFT_TARGET left in `cache_dir` (run from the repository root). Entries written
    before the notebook had SHIFT_TARGET have no "target" in their spec and reconstructed the shifted image; where
    runs of several versions left more than one matching entry, the newest is taken."""
    import keras

    (train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
    x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255.0
    x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255.0
    specs = {path: json.load(open(f"{path}/meta.json"))["spec"] for path in glob.glob(f"{cache_dir}/shift_autoencoder-*")}
    matching = [path for path, spec in specs.items() if spec["seed"] == seed and spec.get("target", "shifted") == target]
    if not matching:
        raise FileNotFoundError(f"no shifted autoencoder of seed {seed} with target {target!r} in {cache_dir}")
    entry = max(matching, key=lambda path: os.path.getmtime(f"{path}/meta.json"))
    encoder = helpers.encoder_of(keras.models.load_model(f"{entry}/autoencoder.keras", compile=False))
    return (encoder.predict(x_train, batch_size=1024, verbose=0), encoder.predict(x_test, batch_size=1024, verbose=0),
            y_test, entry)
