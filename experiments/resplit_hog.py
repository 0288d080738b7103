"""Exploration for issue 5 (kept as run; not part of the study): local re-splits on histograms of oriented gradients.

Usage: python experiments/resplit_hog.py [--variants VARIANT ...] [--train-in VARIANT ...]
Given exactly the training images of pullover, coat and shirt (an oracle, for diagnosis only), K-Means on the first
50 principal components of helpers.oriented_gradient_histograms with 7-pixel cells split them at 0.592 accuracy and
a GMM on those with 4-pixel cells at 0.543, against 0.441 and 0.451 on the pixels' components
(experiments/upper_body_features.log). experiments/resplit_features.py tried the gradient magnitude for the notebook's
local re-splits, not these. Here, from each seed's cached clustering CNN of results/runs-avx2-2026-12-02 (the one whose
test predictions give its recorded `scan_finetune` ACC), helpers.refine_locally re-splits on FEATURES, judged by the
normalised cut of GRAPH's 20-nearest-neighbour graph, for the variants
  pixels/pixels (the notebook), hog4/pixels, hog7/pixels, hog4/hog4, hog7/hog7  (FEATURES/GRAPH; hogC = the
  histograms with C-pixel cells, their first 50 principal components for the graph), or those given after
  --variants, where "A+B" applies the re-splits of A and then, to its result, those of B, "pixels_hog7" are the
  pixels and the 7-pixel histograms side by side (each scaled to a total variance of 1) and "union" is the graph
  of both neighbour lists (40 edges per image), and "A>B" applies B's accepted re-splits only to groups none of
  whose clusters A's accepted re-splits touched (one line per accepted group, with its main classes by the training
  labels, for diagnosis only),
and prints the re-split row's test scores, with the accuracy on the three classes' test images under the matching of
all ten clusters. With --train-in, the listed variants' re-split training clusters are also trained into a copy of the
CNN as the notebook does (2 + 2 epochs, learning rate 1e-4, SCAN's pixel neighbours). Labels score only.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import common

listed = common.listed_after
train_in = listed("--train-in")
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
features, neighbours = common.features_and_neighbours(train_images, test_images)
x_train, x_test = features["pixels"]
pixel_neighbours = neighbours["pixels"]
# Side by side: both feature sets, each scaled to a total variance of 1; the union of both neighbour graphs.
scales = {name: np.sqrt(features[name][0].var(axis=0).sum()) for name in ("pixels", "hog7")}
features["pixels_hog7"] = tuple(np.hstack([features["pixels"][i] / scales["pixels"], features["hog7"][i] / scales["hog7"]])
                                for i in range(2))
neighbours["union"] = np.hstack([neighbours["pixels"], neighbours["hog7"]])
variants = listed("--variants") or ["pixels/pixels", "hog4/pixels", "hog7/pixels", "hog4/hog4", "hog7/hog7"]


def score(labels):
    return common.scores_with_upper_body(y_test, labels)


predict = common.predict_clusters


for seed in [0, 1, 2]:
    cnn = common.cached_clustering_cnn(seed, "results/runs-avx2-2026-12-02", x_test, y_test)
    cnn_train, cnn_test = predict(cnn, x_train), predict(cnn, x_test)
    print(json.dumps({"seed": seed, "cnn": score(cnn_test)}), flush=True)
    for variant in variants:
        refined_train, refined_test, accepted, start = cnn_train.copy(), cnn_test.copy(), [], time.perf_counter()
        touched = set()  # clusters of the groups whose re-split an earlier stage accepted
        for stage in variant.replace(">", "+>").split("+"):
            untouched_only, stage = stage.startswith(">"), stage.lstrip(">")
            feature_name, graph_name = stage.split("/")
            train_features, test_features = features[feature_name]
            start_train = refined_train
            refined_train, steps = helpers.refine_locally(train_features, refined_train, neighbours[graph_name], 10, seed=seed,
                                                          log=lambda line: None)
            if untouched_only:  # keep only the accepted steps on untouched groups, replayed on the training images too
                steps = [step for step in steps if step["accepted"] and not touched & set(step["clusters"])]
                refined_train = helpers.apply_local_refinement(steps, train_features, start_train)
            refined_test = helpers.apply_local_refinement(steps, test_features, refined_test)
            accepted.append(sum(bool(step.get("accepted")) for step in steps))
            for step in steps:
                if step["accepted"]:
                    touched |= set(step["clusters"])
                    classes = np.bincount(y_train[np.isin(refined_train, step["clusters"])], minlength=10)
                    print(json.dumps({"seed": seed, "variant": variant, "stage": stage, "clusters": step["clusters"],
                                      "main_classes": [helpers.CLASS_NAMES[c] for c in np.argsort(-classes)[:len(step["clusters"])]]}),
                          flush=True)
        row = {"seed": seed, "variant": variant, "accepted": accepted if len(accepted) > 1 else accepted[0],
               "train_changed": int((refined_train != cnn_train).sum()), "refine_s": round(time.perf_counter() - start, 1),
               "refined": score(refined_test)}
        if variant in train_in:
            model, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, pixel_neighbours,
                                                    np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                    scan_epochs=2, learning_rate=1e-4, seed=seed, log=lambda line: None)
            row["trained_in"] = score(predict(model, x_test))
        print(json.dumps(row), flush=True)
