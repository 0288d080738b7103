"""Shared by several exploration scripts (not part of the study, and not an exploration itself).

Labels appear here only to score and to diagnose, never to fit.
"""
import glob, json, os, time

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


def seeded_umap(seed):
    """The newest cached UMAP embedding (train, test) of ``seed`` in artifacts/."""
    entries = [e for e in glob.glob("artifacts/umap-*") if json.load(open(f"{e}/meta.json"))["spec"].get("seed") == seed]
    if not entries:
        raise SystemExit(f"no cached UMAP embedding of seed {seed} in artifacts/")
    entry = max(entries, key=lambda e: os.path.getmtime(f"{e}/meta.json"))
    return np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")


def notebook_from_heads(seed, umap_train, umap_test, x_train, x_test, y_test, neighbours, build_cnn=None,
                        max_shift=0.1, resplit_neighbours=None, retrain_neighbours=None):
    """The notebook's steps from the SCAN heads on, every setting as in the notebook unless changed here.

    Three heads of 15 epochs on the UMAP embedding, their matched average, the clustering CNN (``build_cnn(seed)``,
    by default helpers.build_clustering_cnn) trained on it for 2 + 6 epochs with random translations of up to
    ``max_shift``, the local re-splits (their normalised cut on ``resplit_neighbours``) and their training into a copy
    of the CNN for 2 + 2 epochs (on ``retrain_neighbours``); both default to ``neighbours``, which the heads and the
    first training use. Returns the test scores of each stage (labels score only), the time to the end of the
    CNN's first training (cnn_s) and in all (fit_s). Rows logged before this function existed have no cnn_s.
    """
    quiet = {"log": lambda line: None}
    build_cnn = build_cnn or (lambda s: helpers.build_clustering_cnn(10, seed=s))
    resplit_neighbours = neighbours if resplit_neighbours is None else resplit_neighbours
    retrain_neighbours = neighbours if retrain_neighbours is None else retrain_neighbours

    def score(labels):
        return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}

    def predict(model, x):
        return model.predict(x, batch_size=4096, verbose=0)

    row, start = {"seed": seed}, time.perf_counter()
    heads = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, entropy_weight=5.0,
                                                hidden_units=[256, 256], batch_size=512, learning_rate=1e-3,
                                                seed=seed * 100 + head, **quiet)[0] for head in range(3)]
    soft_train = [predict(head, umap_train) for head in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    consensus_train = helpers.matched_average(soft_train, permutations)
    row["heads"] = score(helpers.matched_average([predict(head, umap_test) for head in heads], permutations).argmax(1))
    cnn, _ = helpers.fine_tune_clustering(build_cnn(seed), x_train, neighbours, consensus_train, distill_epochs=2,
                                          scan_epochs=6, entropy_weight=5.0, max_shift=max_shift, batch_size=512,
                                          learning_rate=1e-3, seed=seed, **quiet)
    cnn_train, cnn_test = predict(cnn, x_train).argmax(1), predict(cnn, x_test).argmax(1)
    row["cnn"] = score(cnn_test)
    row["cnn_s"] = round(time.perf_counter() - start, 1)
    refined_train, steps = helpers.refine_locally(x_train, cnn_train, resplit_neighbours, 10, max_size=4,
                                                  n_components=50, n_init=10, seed=seed, **quiet)
    row["refined"] = score(helpers.apply_local_refinement(steps, x_test, cnn_test))
    retrained, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, retrain_neighbours,
                                                np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                scan_epochs=2, entropy_weight=5.0, max_shift=max_shift, batch_size=512,
                                                learning_rate=1e-4, seed=seed, **quiet)
    row["trained_in"] = score(predict(retrained, x_test).argmax(1))
    row["fit_s"] = round(time.perf_counter() - start, 1)
    return row
