"""Exploration for issue 5 (kept as run; not part of the study): which features the local re-splits cluster on.

Usage: python experiments/resplit_features.py  (after `make bench` or the AVX-512 benchmark: reads each seed's cached
clustering CNN from artifacts/, the one whose test predictions give the `scan_finetune` ACC recorded in
results/runs-avx512/seed-S/results.json; a few minutes per seed)

The notebook re-splits groups of similar clusters (helpers.refine_locally) by K-Means on the group's own principal
components of the pixels, keeping a split when it lowers the normalised cut of SCAN's neighbour graph (the pixels'
first 50 components, 20 neighbours). Its remaining errors are pullovers, coats and shirts, which K-Means or a GMM on
the gradient magnitude's components split better than on the pixels' when given those three classes alone
(experiments/upper_body_split.log: 0.51-0.52 against 0.44-0.45). Here the same re-splits run on other features
(the graph unchanged): the gradient magnitude, and the pixels and gradient magnitude side by side; each variant's
re-split training clusters are then trained back into the CNN as in the notebook (2 + 2 epochs, learning rate 1e-4).
Labels are used to read the results only.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from sklearn.decomposition import PCA

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)  # as the notebook


def gradient_magnitude(images):
    gradient_y, gradient_x = np.gradient(images.astype("float32") / 255, axis=(1, 2))
    return np.hypot(gradient_x, gradient_y).reshape(len(images), -1)


features = {
    "pixels": (x_train, x_test),
    "gradient_magnitude": (gradient_magnitude(train_images), gradient_magnitude(test_images)),
}
features["pixels_and_gradient"] = tuple(np.concatenate([features["pixels"][i], features["gradient_magnitude"][i]], axis=1)
                                        for i in range(2))


def score(labels):
    return common.scores_with_upper_body(y_test, labels)


predict = common.predict_clusters


print("python experiments/resplit_features.py", flush=True)
for seed in [0, 1, 2]:
    cnn = common.cached_clustering_cnn(seed, "results/runs-avx512", x_test, y_test)
    cnn_train, cnn_test = predict(cnn, x_train), predict(cnn, x_test)
    print(json.dumps({"seed": seed, "cnn": score(cnn_test)}), flush=True)
    for name, (train_features, test_features) in features.items():
        start = time.perf_counter()
        refined_train, steps = helpers.refine_locally(train_features, cnn_train.copy(), neighbours, 10, seed=seed,
                                                      log=lambda line: None)
        refine_s = time.perf_counter() - start
        refined_test = helpers.apply_local_refinement(steps, test_features, cnn_test)
        start = time.perf_counter()
        model, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, neighbours,
                                                np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                scan_epochs=2, learning_rate=1e-4, seed=seed, log=lambda line: None)
        print(json.dumps({
            "seed": seed, "features": name, "accepted": sum(bool(step.get("accepted")) for step in steps),
            "train_changed": int((refined_train != cnn_train).sum()), "refine_s": round(refine_s, 1),
            "refined": score(refined_test), "train_s": round(time.perf_counter() - start, 1),
            "trained_in": score(predict(model, x_test)),
        }), flush=True)
