"""Exploration for issue 5 (kept as run; not part of the study): cosine neighbours among 100 principal components.

Usage: python experiments/scan_cosine_neighbours.py SEED   (after `make bench`: reads that seed's cached shifted
autoencoder, seeded UMAP embedding and fine-tuned network from artifacts/)
experiments/neighbour_purity_pixels.log: cosine neighbours among the first 100 components share the class for 81%
against 80% for the notebook's Euclidean ones among 50. Here the notebook's SCAN part is rerun with them: three
heads of 15 epochs (seeds as in the notebook), their consensus (helpers.align_runs + matched_average), the
fine-tuning (2 + 6 epochs); test ACC beside the notebook's cached rows.
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
umap_train, umap_test = np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")
(ae_entry,) = [e for e, s in meta.items() if "/shift_autoencoder-" in e and s["seed"] == seed]
(ft_entry,) = [e for e, s in meta.items() if "/scan_finetune-" in e and s["seed"] == seed and s["scan_epochs"] == 6 and s["learning_rate"] == 1e-4]
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
components = PCA(random_state=seed).fit(x_train).transform(x_train)[:, :100]
neighbours = helpers.nearest_neighbours(components / np.linalg.norm(components, axis=1, keepdims=True), 20)
start = time.perf_counter()
heads = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, seed=seed * 100 + h, log=lambda line: None)[0]
         for h in range(3)]
soft_train = [m.predict(umap_train, batch_size=4096, verbose=0) for m in heads]
_, _, permutations = helpers.align_runs(soft_train)
consensus_test = helpers.matched_average([m.predict(umap_test, batch_size=4096, verbose=0) for m in heads], permutations)
model, _ = helpers.fine_tune_clustering(encoder, x_train, neighbours, helpers.matched_average(soft_train, permutations),
                                        distill_epochs=2, scan_epochs=6, seed=seed, log=lambda line: None)
notebook = keras.models.load_model(f"{ft_entry}/model.keras", compile=False)
score = lambda p: {k: round(v, 4) for k, v in helpers.evaluate(y_test, p.argmax(axis=1)).items()}
print(json.dumps({"seed": seed, "consensus": score(consensus_test), "fine_tuned": score(model.predict(x_test, batch_size=4096, verbose=0)),
                  "notebook_fine_tuned": score(notebook.predict(x_test, batch_size=4096, verbose=0)),
                  "fit_s": round(time.perf_counter() - start, 1)}), flush=True)
