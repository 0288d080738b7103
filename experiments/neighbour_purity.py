"""Exploration for issue 5 (kept as run; not part of the study): how pure are SCAN's neighbours, by space?

Usage: python experiments/neighbour_purity.py SEED   (after `make bench`: reads that seed's cached shifted
autoencoder, seeded UMAP embedding and fine-tuned network from artifacts/)
SCAN can only be as good as its neighbours. For 20 nearest neighbours per training image, in: the pixels'
first 50 principal components (the notebook's choice), the shifted autoencoder's codes, the UMAP embedding,
and the fine-tuned network's codes (the encoder part), prints the fraction of neighbours sharing the image's
class (training labels, used here for this diagnosis only). Then "refresh": the fine-tuned network is trained
again with helpers.fine_tune_clustering (its own training assignments as targets, 2 + 6 epochs as in the
notebook) with neighbours found in its own codes; test ACC before and after.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

seed = int(sys.argv[1])
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*")}
(umap_entry,) = [e for e, s in meta.items() if "/umap-" in e and s["seed"] == seed and s.get("seeded")]
(ae_entry,) = [e for e, s in meta.items() if "/shift_autoencoder-" in e and s["seed"] == seed]
(ft_entry,) = [e for e, s in meta.items() if "/scan_finetune-" in e and s["seed"] == seed and s["scan_epochs"] == 6 and s["learning_rate"] == 1e-4]
shift_encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
fine_tuned = keras.models.load_model(f"{ft_entry}/model.keras", compile=False)
spaces = {
    "pca50_pixels": PCA(random_state=seed).fit(x_train).transform(x_train)[:, :50],
    "shift_ae_codes": shift_encoder.predict(x_train, batch_size=4096, verbose=0),
    "umap": np.load(f"{umap_entry}/train.npy"),
    "fine_tuned_codes": helpers.encoder_of(fine_tuned).predict(x_train, batch_size=4096, verbose=0),
}
neighbours = {}
for name, features in spaces.items():
    neighbours[name] = helpers.nearest_neighbours(features, 20)
    purity = float((y_train[neighbours[name]] == y_train[:, None]).mean())
    print(json.dumps({"seed": seed, "space": name, "purity": round(purity, 4)}), flush=True)


def score(model):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, model.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)).items()}


targets = fine_tuned.predict(x_train, batch_size=4096, verbose=0)
start = time.perf_counter()
refreshed, _ = helpers.fine_tune_clustering(helpers.encoder_of(fine_tuned), x_train, neighbours["fine_tuned_codes"], targets,
                                            distill_epochs=2, scan_epochs=6, seed=seed, log=lambda line: None)
print(json.dumps({"seed": seed, "before": score(fine_tuned), "refreshed": score(refreshed),
                  "refresh_s": round(time.perf_counter() - start, 1)}), flush=True)
