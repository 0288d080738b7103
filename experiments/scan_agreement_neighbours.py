"""Exploration for issue 5 (kept as run; not part of the study): neighbours that two views agree on.

Usage: python experiments/scan_agreement_neighbours.py SEED   (after `make bench`: reads that seed's cached shifted
autoencoder, seeded UMAP embedding and fine-tuned network from artifacts/)
experiments/neighbour_purity_features.log: of an image's 20 nearest neighbours among the pixels' principal
components, those that are also among its 20 nearest in the shifted autoencoder's codes share its class for 84%
(8.6 per image on average) against 80% for all 20. Here the notebook's SCAN part (three heads of 15 epochs, their
consensus, the 2 + 6 epoch fine-tuning) is rerun with those neighbours (the notebook's pixel neighbours: PCA 50,
Euclidean), each image's shared neighbours repeated to fill 20 columns so that a uniform draw of a column is a
uniform draw among them; an image without any keeps its nearest pixel neighbour. Variants:
  agree_umap: agreed neighbours, heads on the UMAP embedding (as the notebook);
  agree_codes: agreed neighbours, heads on the shifted autoencoder's codes instead of UMAP;
  pixels_codes: the notebook's neighbours, heads on the codes (heads only).
Test ACC beside the notebook's cached fine-tuned row.
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
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
inputs = {
    "umap": (np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")),
    "codes": (encoder.predict(x_train, batch_size=4096, verbose=0), encoder.predict(x_test, batch_size=4096, verbose=0)),
}
pixel_neighbours = helpers.nearest_neighbours(PCA(random_state=seed).fit(x_train).transform(x_train)[:, :50], 20)
code_neighbours = helpers.nearest_neighbours(inputs["codes"][0], 20)
agreed = np.empty_like(pixel_neighbours)
for i, (pixels, codes) in enumerate(zip(pixel_neighbours, code_neighbours)):
    shared = pixels[np.isin(pixels, codes)]
    agreed[i] = np.resize(shared if len(shared) else pixels[:1], 20)
purity = lambda n: round(float((y_train[n] == y_train[:, None]).mean()), 4)
print(json.dumps({"seed": seed, "purity_pixels": purity(pixel_neighbours), "purity_agreed_columns": purity(agreed)}), flush=True)
score = lambda p: {k: round(v, 4) for k, v in helpers.evaluate(y_test, p.argmax(axis=1)).items()}
notebook = keras.models.load_model(f"{ft_entry}/model.keras", compile=False)
print(json.dumps({"seed": seed, "notebook_fine_tuned": score(notebook.predict(x_test, batch_size=4096, verbose=0))}), flush=True)

for variant, neighbours, head_input, fine_tune in [
    ("agree_umap", agreed, "umap", True), ("agree_codes", agreed, "codes", True), ("pixels_codes", pixel_neighbours, "codes", False),
]:
    start = time.perf_counter()
    train, test = inputs[head_input]
    heads = [helpers.train_neighbour_clustering(train, neighbours, 10, epochs=15, seed=seed * 100 + h, log=lambda line: None)[0]
             for h in range(3)]
    soft_train = [m.predict(train, batch_size=4096, verbose=0) for m in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    row = {"seed": seed, "variant": variant,
           "heads": [score(m.predict(test, batch_size=4096, verbose=0))["acc"] for m in heads],
           "consensus": score(helpers.matched_average([m.predict(test, batch_size=4096, verbose=0) for m in heads], permutations))}
    if fine_tune:
        model, _ = helpers.fine_tune_clustering(encoder, x_train, neighbours, helpers.matched_average(soft_train, permutations),
                                                distill_epochs=2, scan_epochs=6, seed=seed, log=lambda line: None)
        row["fine_tuned"] = score(model.predict(x_test, batch_size=4096, verbose=0))
    row["fit_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(row), flush=True)
