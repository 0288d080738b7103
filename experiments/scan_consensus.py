"""Exploration for issue 5 (kept as run; not part of the study): making the SCAN head stable, label-free.

Usage: python experiments/scan_consensus.py   (reads the UMAP embeddings cached in artifacts/; in the logged
run seeds 1 and 2 came from `make bench` and seed 0 from the committed notebook run)
The five heads per embedding of experiments/scan_variants.py (same seeds), combined without labels:
  consensus: each head's clusters matched to the reference head's (Hungarian on their agreement
      over the training images), soft assignments averaged, argmax;
  most-agreeing: the head whose training partition has the highest mean NMI with the other four.
The reference head for the consensus is the most-agreeing one. Scored on the test set.
Output: experiments/scan_consensus.log (TensorFlow start-up lines removed).
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import PCA
from sklearn.metrics import confusion_matrix, normalized_mutual_info_score

(x_train, _), (x_test, y_test) = helpers.load_fashion_mnist()
pixels_train = x_train.reshape(len(x_train), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(50, random_state=0).fit_transform(pixels_train), 20)

for entry in sorted(glob.glob("artifacts/umap-*")):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    train, test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    heads = [helpers.train_neighbour_clustering(train, neighbours, 10, seed=seed * 100 + i, log=lambda line: None)[0] for i in range(5)]
    soft_train = [h.predict(train, batch_size=4096, verbose=0) for h in heads]
    soft_test = [h.predict(test, batch_size=4096, verbose=0) for h in heads]
    hard_train = [p.argmax(axis=1) for p in soft_train]
    agreement = [np.mean([normalized_mutual_info_score(hard_train[i], hard_train[j]) for j in range(5) if j != i]) for i in range(5)]
    reference = int(np.argmax(agreement))
    aligned = []
    for p_train, p_test in zip(soft_train, soft_test):
        overlap = confusion_matrix(hard_train[reference], p_train.argmax(axis=1), labels=range(10))
        _, columns = linear_sum_assignment(-overlap)
        aligned.append(p_test[:, columns])
    for method, y_pred in (("consensus of 5", np.mean(aligned, axis=0).argmax(axis=1)),
                           (f"most-agreeing head ({reference}; mean NMI {np.round(agreement, 3).tolist()})", soft_test[reference].argmax(axis=1))):
        print(json.dumps({"seed": seed, "method": method, **helpers.evaluate(y_test, y_pred)}), flush=True)
    for i, p in enumerate(soft_test):
        print(json.dumps({"seed": seed, "method": f"head {i}", **helpers.evaluate(y_test, p.argmax(axis=1))}), flush=True)
