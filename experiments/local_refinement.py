"""Exploration for issue 5 (kept as run): the notebook's local re-splits (helpers.refine_locally) on each seed's CNN.

Usage: python experiments/local_refinement.py   (after `make bench`: reads each seed's cached clustering CNN from
artifacts/; about a minute). For each of the benchmark's seeds, the CNN's test scores, then those after the local
re-splits with the groups of clusters taken largest first (the notebook's order) and smallest first (a variant:
pairs are re-split before the groups of three that contain them). Labels are used to read the results only.
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)  # as the notebook
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/scan_finetune-*")}
largest_first = helpers.candidate_groups


def smallest_first(*args, **kwargs):
    return sorted(largest_first(*args, **kwargs), key=len)


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


for seed in [0, 1, 2]:
    (entry,) = [e for e, s in meta.items() if s["seed"] == seed and "architecture" in s]
    cnn = keras.models.load_model(f"{entry}/model.keras", compile=False, safe_mode=False)
    cnn_train, cnn_test = (cnn.predict(x, batch_size=4096, verbose=0).argmax(1) for x in (x_train, x_test))
    print(json.dumps({"seed": seed, "cnn": score(cnn_test)}), flush=True)
    for order, candidates in [("largest_first", largest_first), ("smallest_first", smallest_first)]:
        helpers.candidate_groups = candidates
        lines = []
        _, steps = helpers.refine_locally(x_train, cnn_train, neighbours, 10, seed=seed, log=lines.append)
        print("\n".join(lines))
        print(json.dumps({"seed": seed, "order": order, "refined": score(helpers.apply_local_refinement(steps, x_test, cnn_test))}), flush=True)
