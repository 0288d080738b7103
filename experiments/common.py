"""Shared by the kept exploration scripts (not part of the study, and not an exploration itself).

Labels appear here only to score and to diagnose, never to fit. The functions that the removed explorations
shared are in git at 656b290 (`git show 656b290:experiments/common.py`).
"""
import json, time

import helpers


def split_scores(name, features, labels):
    """Print the accuracy of K-Means and of a full-covariance GMM, k = 3, on ``features`` against ``labels``."""
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture

    for method, estimator in (("kmeans", KMeans(3, n_init=10, random_state=0)),
                              ("gmm_full", GaussianMixture(3, covariance_type="full", n_init=2, random_state=0))):
        start = time.perf_counter()
        predicted = estimator.fit(features).predict(features)
        print(json.dumps({"features": name, "method": method, "acc": round(helpers.cluster_accuracy(labels, predicted), 3),
                          "s": round(time.perf_counter() - start, 1)}), flush=True)
