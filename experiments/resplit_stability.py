"""Exploration for issue 5 (kept as run; not part of the study): is a re-split proposal that matches the classes
more stable than one that does not?

Usage: python experiments/resplit_stability.py
experiments/resplit_judged.log: no normalised cut tells which feature set splits a group well (the pixels the
footwear, the 7-pixel histograms of oriented gradients pullovers, coats and shirts). A label-free alternative: a
split that follows real structure might come out the same from different K-Means starts and from half the
group's images. For each seed's cached clustering CNN (results/runs-avx2-2026-12-02) and each group the notebook's
re-splits try (helpers.candidate_groups on the pixels' graph), and for each feature set: K-Means on the group's
first 50 principal components with random_state 0-4 (n_init 1), and on 5 random halves of the group (n_init 10,
scored on the half), each against the split with n_init 10 on all of it: mean ARI, the stability. Also the accuracy
of each feature set's split on the group's own images against their classes (labels for this diagnosis only).
"""
import json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
features, neighbours = common.features_and_neighbours(train_images, test_images, cells=(7,))
x_train, x_test = features["pixels"]
graph = helpers.neighbour_graph(neighbours["pixels"])
for seed in [0, 1, 2]:
    cnn = common.cached_clustering_cnn(seed, "results/runs-avx2-2026-12-02", x_test, y_test)
    labels = common.predict_clusters(cnn, x_train)
    for group in helpers.candidate_groups(graph, labels, 10, 4):
        members = np.flatnonzero(np.isin(labels, group))
        classes = np.bincount(y_train[members], minlength=10)
        row = {"seed": seed, "clusters": group,
               "main_classes": [helpers.CLASS_NAMES[c] for c in np.argsort(-classes)[:len(group)]]}
        for name in ("pixels", "hog7"):
            data = PCA(50, random_state=seed).fit_transform(features[name][0][members])
            reference = KMeans(len(group), n_init=10, random_state=seed).fit_predict(data)
            starts = [adjusted_rand_score(reference, KMeans(len(group), n_init=1, random_state=r).fit_predict(data))
                      for r in range(5)]
            rng = np.random.default_rng(seed)
            halves = []
            for _ in range(5):
                half = rng.choice(len(members), len(members) // 2, replace=False)
                halves.append(adjusted_rand_score(reference[half],
                                                  KMeans(len(group), n_init=10, random_state=seed).fit_predict(data[half])))
            row[name] = {"start_stability": round(float(np.mean(starts)), 3), "half_stability": round(float(np.mean(halves)), 3),
                         "acc_on_group": round(helpers.cluster_accuracy(y_train[members], reference), 3)}
        print(json.dumps(row), flush=True)
