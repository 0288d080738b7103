"""Exploration for issue 5 (kept as run; not part of the study): what the SCAN heads see.

Usage: python experiments/scan_head_inputs.py SEED   (after `make bench`: reads that seed's cached shifted autoencoder
and seeded UMAP embedding from artifacts/)
The heads of all three seeds' UMAP layouts split the sandals between the sneakers and the ankle boots as a GMM on
that layout does; on seeds 0 and 2 the pixel neighbours pull them back together, on seed 1 they do not
(experiments/footwear_confusion.log). Here the notebook's heads (three of 15 epochs, the notebook's neighbours:
PCA 50 of the pixels, Euclidean) and their consensus are retrained on other inputs, so the heads can see the pixels:
  umap: the notebook's input (the 10-dimensional UMAP embedding), as a control;
  pca50: the pixels' first 50 principal components alone;
  umap_pca20: UMAP beside the first 20 components;
  umap_codes: UMAP beside the shifted autoencoder's 10 codes.
Test ACC of each head and of the consensus (helpers.align_runs + matched_average).
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

seed = int(sys.argv[1])
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*")}
(umap_entry,) = [e for e, s in meta.items() if "/umap-" in e and s["seed"] == seed and s.get("seeded")]
(ae_entry,) = [e for e, s in meta.items() if "/shift_autoencoder-" in e and s["seed"] == seed]
umap = np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
codes = tuple(encoder.predict(x, batch_size=4096, verbose=0) for x in (x_train, x_test))
pca = PCA(50, random_state=seed).fit(x_train)
components = pca.transform(x_train), pca.transform(x_test)
neighbours = helpers.nearest_neighbours(components[0], 20)
inputs = {
    "umap": umap,
    "pca50": components,
    "umap_pca20": tuple(np.hstack([u, c[:, :20]]) for u, c in zip(umap, components)),
    "umap_codes": tuple(np.hstack([u, c]) for u, c in zip(umap, codes)),
}
score = lambda p: {k: round(v, 4) for k, v in helpers.evaluate(y_test, p.argmax(axis=1)).items()}
for variant, (train, test) in inputs.items():
    start = time.perf_counter()
    heads = [helpers.train_neighbour_clustering(train, neighbours, 10, epochs=15, seed=seed * 100 + h, log=lambda line: None)[0]
             for h in range(3)]
    soft_train = [m.predict(train, batch_size=4096, verbose=0) for m in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    soft_test = [m.predict(test, batch_size=4096, verbose=0) for m in heads]
    print(json.dumps({"seed": seed, "variant": variant, "heads": [score(p)["acc"] for p in soft_test],
                      "consensus": score(helpers.matched_average(soft_test, permutations)),
                      "fit_s": round(time.perf_counter() - start, 1)}), flush=True)
