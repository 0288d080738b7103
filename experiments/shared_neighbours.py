"""Exploration for issue 5 (kept as run; not part of the study): does re-ranking SCAN's pixel neighbours by their
shared neighbours (as re-identification methods do) make them purer?

Usage: python experiments/shared_neighbours.py
Finds each training image's 100 nearest neighbours (Euclidean) in the pixels' first 50 principal components, then
keeps 20: the 20 nearest (the notebook's neighbours), or of the K nearest (K = 30, 50, 100) the 20 that share the
most of their own K nearest with the image (ties: the nearer first). Prints the fraction of kept neighbours that
share the image's class, overall and for pullovers, coats and shirts (training labels, used here for this
diagnosis only).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, ".")
import helpers  # noqa: E402

(train_images, y_train), _ = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
start = time.perf_counter()
components = PCA(50, random_state=0).fit_transform(x_train)
nearest = NearestNeighbors(n_neighbors=101).fit(components).kneighbors(components, return_distance=False)[:, 1:]
upper_body = np.isin(y_train, [2, 4, 6])  # pullover, coat, shirt
n = len(y_train)


def report(name, neighbours):
    same = y_train[neighbours] == y_train[:, None]
    print(json.dumps({"neighbours": name, "purity": round(float(same.mean()), 4),
                      "pullover_coat_shirt": round(float(same[upper_body].mean()), 4),
                      "s": round(time.perf_counter() - start, 1)}), flush=True)


report("20 nearest", nearest[:, :20])
for k in (30, 50, 100):
    rows = np.repeat(np.arange(n), k)
    graph = sp.csr_matrix((np.ones(n * k, np.float32), (rows, nearest[:, :k].ravel())), shape=(n, n))
    graph = graph + sp.identity(n, format="csr", dtype=np.float32)
    shared = np.asarray((graph @ graph.T).tocsr()[rows, nearest[:, :k].ravel()]).reshape(n, k)
    order = np.argsort(-shared, axis=1, kind="stable")[:, :20]
    report(f"20 of {k} by shared neighbours", np.take_along_axis(nearest[:, :k], order, axis=1))
