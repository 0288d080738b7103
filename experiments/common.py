"""Shared by several exploration scripts (not part of the study, and not an exploration itself).

Labels appear here only to score and to diagnose, never to fit.
"""
import glob, json, time

import numpy as np

import helpers

UPPER_BODY = [list(helpers.CLASS_NAMES).index(name) for name in ("Pullover", "Coat", "Shirt")]


def normalised(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def purity_report(space, features, y_train, **extra):
    """Print the fraction of each image's 20 nearest neighbours (cosine) sharing its class, overall and for the upper body."""
    neighbours = helpers.nearest_neighbours(normalised(features), 20)
    same = (y_train[neighbours] == y_train[:, None]).mean(axis=1)
    print(json.dumps({"space": space, **extra, "purity": round(float(same.mean()), 4),
                      "purity_pullover_coat_shirt": round(float(same[np.isin(y_train, UPPER_BODY)].mean()), 4)}),
          flush=True)


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


def scores_with_upper_body(y_test, labels):
    """ACC, NMI, ARI and the accuracy on the upper-body classes' images under the matching of all ten clusters."""
    scores = {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}
    mapping = helpers.match_clusters(y_test, labels)
    matched = np.array([mapping.get(label, -1) for label in labels])
    upper_body = np.isin(y_test, UPPER_BODY)
    scores["upper_body_acc"] = round(float((matched[upper_body] == y_test[upper_body]).mean()), 4)
    return scores


def predict_clusters(model, x):
    return model.predict(x, batch_size=4096, verbose=0).argmax(1)


def cached_clustering_cnn(seed, runs_dir, x_test, y_test):
    """The cached clustering CNN of ``seed`` whose test predictions give the ``scan_finetune`` ACC recorded in runs_dir."""
    import keras

    recorded = json.load(open(f"{runs_dir}/seed-{seed}/results.json"))["methods"]["scan_finetune"]["acc"]
    for entry in sorted(glob.glob("artifacts/scan_finetune-*")):
        if json.load(open(f"{entry}/meta.json"))["spec"].get("seed") != seed:
            continue
        candidate = keras.models.load_model(f"{entry}/model.keras", compile=False, safe_mode=False)
        if round(helpers.cluster_accuracy(y_test, predict_clusters(candidate, x_test)), 4) == recorded:
            return candidate
    raise SystemExit(f"no cached CNN of seed {seed} scores the recorded {recorded}")


def listed_after(flag):
    """The command-line arguments after ``flag`` up to the next option, or [] without it."""
    import sys

    if flag not in sys.argv:
        return []
    rest = sys.argv[sys.argv.index(flag) + 1:]
    return rest[: next((i for i, arg in enumerate(rest) if arg.startswith("--")), len(rest))]


def features_and_neighbours(train_images, test_images, cells=(4, 7)):
    """The pixels and the histograms of oriented gradients with each of ``cells``, with their 20-nearest neighbours.

    Returns ``features`` (name -> (train, test)) and ``neighbours`` (name -> training neighbours): the pixels'
    among their first 50 principal components as the notebook finds them, "hogC"'s among the first 50 of those.
    """
    from sklearn.decomposition import PCA

    x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
    x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
    features = {"pixels": (x_train, x_test)}
    neighbours = {"pixels": helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)}
    for cell in cells:
        hog_train = helpers.oriented_gradient_histograms(train_images, cell=cell)
        features[f"hog{cell}"] = (hog_train, helpers.oriented_gradient_histograms(test_images, cell=cell))
        neighbours[f"hog{cell}"] = helpers.nearest_neighbours(PCA(50, random_state=0).fit_transform(hog_train), 20)
    return features, neighbours
