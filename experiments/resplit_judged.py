"""Exploration for issue 5 (kept as run; not part of the study): local re-splits that propose splits from several
feature sets and let one neighbour graph judge them.

Usage: python experiments/resplit_judged.py [--variants JUDGE:PROPOSERS ...] [--train-in JUDGE:PROPOSERS ...] [--train-ways]
       [--seeds SEED ...] [--runs-dir DIR]
experiments/resplit_hog.log: the notebook's re-splits on the pixels mend the footwear but lower the accuracy on
pullovers, coats and shirts (0.40 to 0.36-0.37 on the three classes' test images), and on the 7-pixel histograms of
oriented gradients they raise it (to 0.45-0.47) but cut the footwear wrongly. Here each group of
helpers.candidate_groups (on JUDGE's graph, from the CNN's training clusters) gets one K-Means proposal per feature
set in PROPOSERS (comma-separated, each as helpers.refine_locally makes it: the group's first 50 principal
components, K-Means with 10 initialisations), and the proposal with the lowest normalised cut of JUDGE's 20-nearest-
neighbour graph among the group's images replaces the group's split if it lowers that cut; test images follow the
accepted steps. "pixels:pixels" is the notebook's re-split (it reproduces the recorded scan_refined rows). Feature
sets and graphs: pixels, hog4 and hog7 (helpers.oriented_gradient_histograms with 4- and 7-pixel cells; graphs from
their first 50 principal components) and, as a graph only, union (both the pixels' and hog7's neighbours). JUDGE
"least_stable" instead takes the groups of the pixels' graph and, of the proposals, the one whose K-Means runs from
single random starts (random_state 0-4) agree least with it (mean ARI; experiments/resplit_stability.log found the
splits that follow the classes the less stable ones), kept if it lowers the normalised cut of its own features'
graph. From the cached clustering CNNs of results/runs-avx2-2026-12-02, or, with --seeds, of the runs in DIR
(DIR/seed-S/results.json). With --train-in, the listed variants' training clusters are trained into a copy of the
CNN as the notebook does (2 + 2 epochs, learning rate 1e-4, the pixels' neighbours; see --train-ways below).
One line per accepted step, with its group's main classes by the training labels (diagnosis only). Labels score only.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

listed = common.listed_after


variants = listed("--variants") or ["pixels:pixels", "pixels:pixels,hog7", "hog7:pixels,hog7", "union:pixels,hog7",
                                    "hog4:pixels,hog4", "hog7:pixels,hog4,hog7"]
train_in = listed("--train-in")
# How the re-splits are trained in: the notebook's way, and with --train-ways also 2 epochs of distillation alone
# ("distilled_only") and 2 + 2 epochs with the 7-pixel histograms' neighbours for SCAN's loss ("trained_in_hog7").
training = {"trained_in": ("pixels", 2)}
if "--train-ways" in sys.argv:
    training.update(distilled_only=("pixels", 0), trained_in_hog7=("hog7", 2))
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
features, neighbours = common.features_and_neighbours(train_images, test_images)
x_train, x_test = features["pixels"]
pixel_neighbours = neighbours["pixels"]
neighbours["union"] = np.hstack([neighbours["pixels"], neighbours["hog7"]])
graphs = {name: helpers.neighbour_graph(found) for name, found in neighbours.items()}


def propose(feature_name, members, group, labels, seed):
    data = features[feature_name][0][members]
    pca = PCA(min(50, len(members) - 1, data.shape[1]), random_state=seed).fit(data)
    kmeans = KMeans(len(group), n_init=10, random_state=seed).fit(pca.transform(data))
    overlap = np.zeros((len(group), len(group)))
    np.add.at(overlap, (kmeans.labels_, np.searchsorted(group, labels[members])), 1)
    ids = group[linear_sum_assignment(-overlap)[1]]
    return {"features": feature_name, "pca": pca, "kmeans": kmeans, "ids": ids, "proposed": ids[kmeans.labels_]}


def refine(judge, proposers, labels, seed):
    labels, graph, steps = labels.copy(), graphs[judge], []
    for group in helpers.candidate_groups(graph, labels, 10, 4):
        group = np.array(group)
        members = np.flatnonzero(np.isin(labels, group))
        if len(members) < 2 * len(group):
            continue
        sub_graph = graph[members][:, members]
        try:
            before = helpers.normalised_cut(sub_graph, labels[members])
            scored = [(helpers.normalised_cut(sub_graph, p["proposed"]), i, p)
                      for i, p in enumerate(propose(name, members, group, labels, seed) for name in proposers)]
        except ValueError:  # a cluster without neighbour edges in the group, as in helpers.refine_locally
            continue
        after, _, best = min(scored, key=lambda item: item[:2])
        if after < before:
            labels[members] = best["proposed"]
            steps.append({**best, "clusters": group, "ncut": (round(before, 4), round(after, 4))})
    return labels, steps


def start_stability(proposal, members, seed, starts=5):
    """Mean ARI between the proposal and K-Means runs from single random starts (experiments/resplit_stability)."""
    from sklearn.metrics import adjusted_rand_score

    data = proposal["pca"].transform(features[proposal["features"]][0][members])
    k = proposal["kmeans"].n_clusters
    return float(np.mean([adjusted_rand_score(proposal["kmeans"].labels_, KMeans(k, n_init=1, random_state=r).fit_predict(data))
                          for r in range(starts)]))


def refine_least_stable(proposers, labels, seed):
    """The groups of the pixels' graph; of the proposals, the one whose single K-Means starts agree least with it,
    kept if it lowers the normalised cut of its own features' graph."""
    labels, steps = labels.copy(), []
    for group in helpers.candidate_groups(graphs["pixels"], labels, 10, 4):
        group = np.array(group)
        members = np.flatnonzero(np.isin(labels, group))
        if len(members) < 2 * len(group):
            continue
        proposals = [propose(name, members, group, labels, seed) for name in proposers]
        stabilities = [start_stability(p, members, seed) for p in proposals]
        best = proposals[int(np.argmin(stabilities))]
        sub_graph = graphs[best["features"]][members][:, members]
        try:
            before, after = helpers.normalised_cut(sub_graph, labels[members]), helpers.normalised_cut(sub_graph, best["proposed"])
        except ValueError:
            continue
        if after < before:
            labels[members] = best["proposed"]
            steps.append({**best, "clusters": group, "ncut": (round(before, 4), round(after, 4)),
                          "stabilities": [round(v, 3) for v in stabilities]})
    return labels, steps


def replay(steps, labels):
    labels = labels.copy()
    for step in steps:
        members = np.flatnonzero(np.isin(labels, step["clusters"]))
        if len(members):
            data = features[step["features"]][1][members]
            labels[members] = step["ids"][step["kmeans"].predict(step["pca"].transform(data))]
    return labels


seeds = [int(seed) for seed in listed("--seeds")] or [0, 1, 2]
runs_dir = (listed("--runs-dir") or ["results/runs-avx2-2026-12-02"])[0]
for seed in seeds:
    cnn = common.cached_clustering_cnn(seed, runs_dir, x_test, y_test)
    cnn_train, cnn_test = common.predict_clusters(cnn, x_train), common.predict_clusters(cnn, x_test)
    print(json.dumps({"seed": seed, "cnn": common.scores_with_upper_body(y_test, cnn_test)}), flush=True)
    for variant in variants:
        judge, proposers = variant.split(":")
        start = time.perf_counter()
        if judge == "least_stable":
            refined_train, steps = refine_least_stable(proposers.split(","), cnn_train, seed)
        else:
            refined_train, steps = refine(judge, proposers.split(","), cnn_train, seed)
        refine_s = time.perf_counter() - start
        for step in steps:
            classes = np.bincount(y_train[np.isin(refined_train, step["clusters"])], minlength=10)
            print(json.dumps({"seed": seed, "variant": variant, "clusters": step["clusters"].tolist(),
                              "features": step["features"], "ncut": step["ncut"],
                              **({"stabilities": step["stabilities"]} if "stabilities" in step else {}),
                              "main_classes": [helpers.CLASS_NAMES[c] for c in np.argsort(-classes)[:len(step["clusters"])]]}),
                  flush=True)
        row = {"seed": seed, "variant": variant, "accepted": len(steps), "refine_s": round(refine_s, 1),
               "refined": common.scores_with_upper_body(y_test, replay(steps, cnn_test))}
        if variant in train_in:
            for name, (train_neighbours, scan_epochs) in training.items():
                model, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, neighbours[train_neighbours],
                                                        np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                        scan_epochs=scan_epochs, learning_rate=1e-4, seed=seed,
                                                        log=lambda line: None)
                row[name] = common.scores_with_upper_body(y_test, common.predict_clusters(model, x_test))
        print(json.dumps(row), flush=True)
