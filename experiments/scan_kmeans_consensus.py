"""Exploration for issue 5 (kept as run; not part of the study): K-Means consensus of the SCAN heads.

Usage: python experiments/scan_kmeans_consensus.py   (after `make bench`: reads the UMAP embeddings and
the SCAN heads of every seed from artifacts/; trains no network)
The notebook combines its five SCAN heads by matching each head's clusters to the most agreeing head's
and averaging the soft assignments. When heads disagree in *structure* (one merges two classes that
another splits), the matched average blends them. Consensus clustering by K-Means on the heads'
concatenated assignments (Wu et al., "K-means-based consensus clustering", 2015) instead finds the
partition that agrees best with all heads at once, and predicts a test image from its concatenated
assignments. Fitted on the training images only; scored on the test set.
Output: experiments/scan_kmeans_consensus.log (TensorFlow start-up lines removed).
"""
import glob, json, os, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.cluster import KMeans

(_, _), (_, y_test) = helpers.load_fashion_mnist()
heads_by_features = {}
for entry in glob.glob("artifacts/scan-*"):
    spec = json.load(open(f"{entry}/meta.json"))["spec"]
    heads_by_features.setdefault(spec["features"], []).append((spec["seed"], entry))

for entry in sorted(glob.glob("artifacts/umap-*"), key=os.path.getmtime):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    train, test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    heads = sorted(heads_by_features.get(helpers.array_checksum(train), []))
    if len(heads) < 2:
        continue
    models = [keras.models.load_model(f"{path}/model.keras", compile=False) for _, path in heads]
    soft_train = [model.predict(train, batch_size=4096, verbose=0) for model in models]
    soft_test = [model.predict(test, batch_size=4096, verbose=0) for model in models]
    record = {"umap": os.path.basename(entry), "seed": seed, "head_seeds": [s for s, _ in heads],
              "head_acc": [helpers.cluster_accuracy(y_test, p.argmax(axis=1)) for p in soft_test]}
    _, _, permutations = helpers.align_runs(soft_train)
    record["matched_average"] = helpers.evaluate(y_test, helpers.matched_average(soft_test, permutations).argmax(axis=1))
    for name, encode in {
        "kmeans_soft": lambda runs: np.hstack(runs),
        "kmeans_onehot": lambda runs: np.hstack([np.eye(10)[p.argmax(axis=1)] for p in runs]),
    }.items():
        start = time.perf_counter()
        kmeans = KMeans(10, n_init=10, random_state=seed).fit(encode(soft_train))
        record[name] = {**helpers.evaluate(y_test, kmeans.predict(encode(soft_test))), "fit_s": round(time.perf_counter() - start, 1)}
    print(json.dumps(record), flush=True)
