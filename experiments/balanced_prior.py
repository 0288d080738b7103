"""Exploration for issue 5 (kept as run; not part of the study): does a balanced prior on the clusters, fitted
on the training images, help the last row's predictions?

Usage: python experiments/balanced_prior.py SEED [SEED ...]
SCAN's entropy term asks for clusters of equal size, but only on average over a batch. This takes the notebook's
last network of each seed (the newest cached "resplit_finetune" model of that seed) and fits one bias per cluster,
added to the log of its softmax, so that the training images' hard assignments come out equal in size ("soft":
Sinkhorn scaling of the training images' probabilities to equal column sums, then the log of the column scaling;
"hard": the biases raised or lowered step by step until the training images' argmax counts are equal, to within
1%). The same
biases are then added for the test images, which are predicted one by one as before. Prints the clusters' sizes
among the training images, then test ACC / NMI / ARI without and with the biases. Labels score only.
"""
import glob, json, os, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras

seeds = [int(arg) for arg in sys.argv[1:]]
if not seeds:
    sys.exit(__doc__)
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


def balancing_biases(p, iterations=200):
    """Log column scalings that make the rows of p, renormalised, have equal column sums (Sinkhorn)."""
    column = np.ones(p.shape[1])
    for _ in range(iterations):
        scaled = p * column
        scaled /= scaled.sum(axis=1, keepdims=True)
        column *= (len(p) / p.shape[1]) / scaled.sum(axis=0)
    return np.log(column)


def hard_balancing_biases(p, iterations=2000, tolerance=0.01):
    """Biases on log p that make the argmax counts of p's rows equal to within ``tolerance`` of the mean."""
    log_p, bias, target = np.log(p + 1e-12), np.zeros(p.shape[1]), len(p) / p.shape[1]
    for step in range(iterations):
        counts = np.bincount((log_p + bias).argmax(1), minlength=p.shape[1])
        if np.abs(counts / target - 1).max() <= tolerance:
            break
        bias -= 0.5 * np.log(np.maximum(counts, 1) / target) / (1 + step / 100)
    return bias


for seed in seeds:
    entries = [e for e in glob.glob("artifacts/resplit_finetune-*") if json.load(open(f"{e}/meta.json"))["spec"]["seed"] == seed]
    entry = max(entries, key=lambda e: os.path.getmtime(f"{e}/meta.json"))
    model = keras.models.load_model(f"{entry}/model.keras", compile=False)
    p_train = model.predict(x_train, batch_size=4096, verbose=0)
    p_test = model.predict(x_test, batch_size=4096, verbose=0)
    bias, hard_bias = balancing_biases(p_train), hard_balancing_biases(p_train)
    balanced_train = (np.log(p_train + 1e-12) + bias).argmax(1)
    print(json.dumps({"seed": seed, "entry": entry,
                      "train_sizes": np.bincount(p_train.argmax(1), minlength=10).tolist(),
                      "balanced_train_sizes": np.bincount(balanced_train, minlength=10).tolist(),
                      "test": score(p_test.argmax(1)),
                      "test_balanced": score((np.log(p_test + 1e-12) + bias).argmax(1)),
                      "hard_balanced_train_sizes": np.bincount((np.log(p_train + 1e-12) + hard_bias).argmax(1), minlength=10).tolist(),
                      "test_hard_balanced": score((np.log(p_test + 1e-12) + hard_bias).argmax(1))}), flush=True)
