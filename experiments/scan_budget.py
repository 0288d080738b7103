"""Exploration for issue 5 (kept as run; not part of the study): cheaper SCAN settings to fit the time budget.

Usage: python experiments/scan_budget.py SEED   (after `make bench`: reads that seed's shifted autoencoder,
seeded UMAP embedding, five 30-epoch SCAN heads and fine-tuned network from artifacts/)
The notebook (SCAN_HEADS 5, SCAN_EPOCHS 30, FINETUNE_SCAN_EPOCHS 12) ran 14.4-15.5 min per seed. Variants,
each a consensus of heads (helpers.align_runs + matched_average on the training images, as in the notebook)
and the fine-tuned encoder started from it (helpers.fine_tune_clustering with the notebook's settings):
  5x30: the notebook's (cached);  3x30: the first three cached heads;
  5x15 / 3x15: five (three) heads trained for 15 epochs instead of 30, seeds as in the notebook;
  5x30-ft6: the notebook's consensus, fine-tuned with 6 SCAN epochs instead of 12.
Scored on the test set. Output: experiments/scan_budget.log (TensorFlow start-up lines removed).
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
encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
heads30 = sorted((s["seed"], e) for e, s in meta.items()
                 if "/scan-" in e and s["features"] == helpers.array_checksum(umap_train) and s["epochs"] == 30)
heads30 = [keras.models.load_model(f"{e}/model.keras", compile=False) for _, e in heads30]
assert len(heads30) == 5, len(heads30)
scan_space = PCA(random_state=seed).fit(x_train).transform(x_train)[:, :50]
neighbours = helpers.nearest_neighbours(scan_space, 20)
settings = {"entropy_weight": 5.0, "hidden_units": [256, 256], "batch_size": 512, "learning_rate": 1e-3}
start = time.perf_counter()
heads15 = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, **settings, seed=seed * 100 + h,
                                              log=lambda line: None)[0] for h in range(5)]
heads15_s = time.perf_counter() - start
print(json.dumps({"seed": seed, "heads15_s": round(heads15_s, 1)}), flush=True)


def consensus(heads):
    soft_train = [m.predict(umap_train, batch_size=4096, verbose=0) for m in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    soft_test = [m.predict(umap_test, batch_size=4096, verbose=0) for m in heads]
    return helpers.matched_average(soft_train, permutations), helpers.matched_average(soft_test, permutations)


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


for name, heads, scan_epochs in [("5x30", heads30, 12), ("5x30-ft6", heads30, 6), ("3x30", heads30[:3], 12),
                                 ("5x15", heads15, 12), ("3x15", heads15[:3], 12)]:
    targets, soft_test = consensus(heads)
    t = time.perf_counter()
    model, _ = helpers.fine_tune_clustering(encoder, x_train, neighbours, targets, distill_epochs=2, scan_epochs=scan_epochs,
                                            seed=seed, log=lambda line: None)
    fine_s = time.perf_counter() - t
    fine = model.predict(x_test, batch_size=4096, verbose=0).argmax(axis=1)
    print(json.dumps({"seed": seed, "variant": name, "consensus": score(soft_test.argmax(axis=1)),
                      "head_acc": [round(helpers.cluster_accuracy(y_test, m.predict(umap_test, batch_size=4096, verbose=0).argmax(axis=1)), 4) for m in heads],
                      "fine_tuned": score(fine), "fine_tune_s": round(fine_s, 1)}), flush=True)
