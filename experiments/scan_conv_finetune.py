"""Exploration for issue 5 (kept as run; not part of the study): fine-tune the clustering into a small CNN.

Usage: python experiments/scan_conv_finetune.py SEED [DISTILL_EPOCHS [SCAN_EPOCHS]]   (after `make bench`: reads that seed's cached
3-head consensus on the training images and cached fine-tuned network from artifacts/)
The notebook's last step (helpers.fine_tune_clustering: distil the heads' consensus for 2 epochs, then SCAN's loss
for 6, shifts of up to 10%) trains into the shifted dense autoencoder's encoder. Here the same function trains into a
small convolutional network instead, from a random start (no pretraining): 28x28 -> Conv 32 (3x3, stride 2) ->
Conv 64 (3x3, stride 2) -> Dense 128 -> 10, ReLU, same neighbours (PCA 50 of the pixels, 20) and settings, except the
learning rate (1e-3: a random start, not a pretrained encoder), DISTILL_EPOCHS (default 2) and SCAN_EPOCHS
(default 6). Test scores beside
the notebook's cached network.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

seed = int(sys.argv[1])
distill_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
scan_epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 6
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*")}
(umap_entry,) = [e for e, s in meta.items() if "/umap-" in e and s["seed"] == seed and s.get("seeded")]
umap_checksum = helpers.array_checksum(np.load(f"{umap_entry}/train.npy"))
(combo,) = [e for e, s in meta.items() if "/scan_combination-" in e and s.get("features") == umap_checksum]
targets = np.load(f"{combo}/train_consensus.npy")
(ft_entry,) = [e for e, s in meta.items() if "/scan_finetune-" in e and s["seed"] == seed and s["scan_epochs"] == 6 and s["learning_rate"] == 1e-4]
neighbours = helpers.nearest_neighbours(PCA(random_state=seed).fit(x_train).transform(x_train)[:, :50], 20)

keras.utils.set_random_seed(seed)
inputs = keras.Input((784,), name="image")
x = keras.layers.Reshape((28, 28, 1))(inputs)
x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="conv1")(x)
x = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv2")(x)
x = keras.layers.Dense(128, activation="relu", name="hidden")(keras.layers.Flatten()(x))
encoder = keras.Model(inputs, keras.layers.Dense(10, name="code")(x), name="conv_encoder")
start = time.perf_counter()
model, info = helpers.fine_tune_clustering(encoder, x_train, neighbours, targets, distill_epochs=distill_epochs,
                                           scan_epochs=scan_epochs, learning_rate=1e-3, seed=seed, log=lambda line: None)
fit_s = time.perf_counter() - start
notebook = keras.models.load_model(f"{ft_entry}/model.keras", compile=False)
score = lambda m: {k: round(v, 4) for k, v in helpers.evaluate(y_test, m.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)).items()}
print(json.dumps({"seed": seed, "distill_epochs": distill_epochs, "scan_epochs": scan_epochs, "notebook": score(notebook), "conv": score(model),
                  "fit_s": round(fit_s, 1)}), flush=True)
