"""Exploration for issue 5 (kept as run; not part of the study): the consensus of the notebook's own SCAN heads.

Usage: python experiments/scan_consensus_bench.py   (after `make bench`: reads its UMAP embeddings and
its five SCAN heads per seed from artifacts/; trains nothing)
experiments/scan_consensus.log found, on three earlier embeddings, that keeping the most agreeing head
and averaging the five heads' matched soft assignments scored alike. The notebook keeps the most
agreeing head; on the benchmark's seeds that gained little over the average head. This asks whether
the average of the five (each head's clusters Hungarian-matched to the kept head's on the training
images, soft assignments averaged, argmax) would have done better on the same heads. Scored on the test set.
Output: experiments/scan_consensus_bench.log (TensorFlow start-up lines removed).
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import confusion_matrix

(_, _), (_, y_test) = helpers.load_fashion_mnist()
heads_by_features = {}
for entry in glob.glob("artifacts/scan-*"):
    spec = json.load(open(f"{entry}/meta.json"))["spec"]
    heads_by_features.setdefault(spec["features"], []).append((spec["seed"], entry))

for entry in sorted(glob.glob("artifacts/umap-*")):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    train, test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    heads = sorted(heads_by_features.get(helpers.array_checksum(train), []))
    if len(heads) < 2:  # older entries of this cache hold one head per embedding
        continue
    models = [keras.models.load_model(f"{path}/model.keras", compile=False) for _, path in heads]
    soft_train = [model.predict(train, batch_size=4096, verbose=0) for model in models]
    soft_test = [model.predict(test, batch_size=4096, verbose=0) for model in models]
    hard_train = [p.argmax(axis=1) for p in soft_train]
    kept, agreement = helpers.most_agreeing_partition(hard_train)
    aligned = []
    for p_train, p_test in zip(soft_train, soft_test):
        overlap = confusion_matrix(hard_train[kept], p_train.argmax(axis=1), labels=range(10))
        _, columns = linear_sum_assignment(-overlap)
        aligned.append(p_test[:, columns])
    head_acc = [helpers.cluster_accuracy(y_test, p.argmax(axis=1)) for p in soft_test]
    consensus = helpers.evaluate(y_test, np.mean(aligned, axis=0).argmax(axis=1))
    print(json.dumps({"seed": seed, "head_seeds": [s for s, _ in heads], "kept": kept,
                      "kept_acc": head_acc[kept], "mean_head_acc": round(float(np.mean(head_acc)), 4),
                      "head_acc": head_acc, "consensus": consensus}), flush=True)
