"""Exploration for issue 5 (kept as run; not part of the study): do shift-tolerant pixel distances give SCAN purer
neighbours?

Usage: python experiments/neighbour_purity_shifts.py
For 20 nearest neighbours per training image, prints the fraction that share the image's class (training labels,
used here for this diagnosis only) and the time, for cosine similarity in the pixels' first 50 / 100 principal
components where each image is compared with the others under the best of a set of small translations of itself
(zero-padded, in whole pixels): none (the notebook's space), the 4 one-pixel moves, the 8 one-pixel moves, and
the moves of up to 2 pixels.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
from sklearn.decomposition import PCA

(train_images, y_train), _ = helpers.load_fashion_mnist()
images = train_images.astype("float32") / 255
x_train = images.reshape(len(images), -1)


def normalised(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def shift_tolerant_neighbours(pca, moves, k=20, chunk=2000):
    database = normalised(pca.transform(x_train)).astype("float32")
    found = np.empty((len(x_train), k), int)
    for lo in range(0, len(x_train), chunk):
        rows = np.arange(lo, min(lo + chunk, len(x_train)))
        best = np.full((len(rows), len(x_train)), -np.inf, "float32")
        for dy, dx in moves:
            queries = normalised(pca.transform(helpers.translate_images(images[rows], dy, dx).reshape(len(rows), -1))).astype("float32")
            np.maximum(best, queries @ database.T, out=best)
        best[np.arange(len(rows)), rows] = -np.inf
        top = np.argpartition(-best, k, axis=1)[:, :k]
        found[rows] = top
    return found


one_cross = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]
one_square = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
two_square = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
for components in (50, 100):
    pca = PCA(components, random_state=0).fit(x_train)
    for name, moves in (("none", [(0, 0)]), ("one_cross", one_cross), ("one_square", one_square), ("two_square", two_square)):
        start = time.perf_counter()
        neighbours = shift_tolerant_neighbours(pca, moves)
        purity = float((y_train[neighbours] == y_train[:, None]).mean())
        print(json.dumps({"components": components, "moves": name, "purity": round(purity, 4),
                          "s": round(time.perf_counter() - start, 1)}), flush=True)
