"""Exploration for issue 5 (kept as run; not part of the study): SCAN's neighbours found in HOG features.

Usage: python experiments/scan_hog_neighbours.py SPACE SEED [SEED ...]
  SPACE: "pixels" (the notebook's neighbours: the pixels' first 50 principal components; a check that this script
  reproduces the notebook), "hog" (helpers.oriented_gradient_histograms, 4-pixel cells, 9 orientations; its first
  50 principal components), "hog_pixel_resplits" (HOG neighbours for the heads and both trainings, the
  pixels' for the re-splits' normalised cut) or "hog_heads_cnn" (HOG neighbours for the heads and the first
  training only, the pixels' for the re-splits and their training). Reads each seed's seeded UMAP embedding from artifacts/ (the newest entry of that seed,
  i.e. the last notebook run's); a few minutes per seed.
Of each training image's 20 nearest neighbours, 84% share its class in the HOG features' 50 components against 80%
in the pixels', and 68% against 62% for pullovers, coats and shirts (experiments/neighbour_purity_oriented.log).
Here the notebook's steps from the SCAN heads on (three heads of 15 epochs on the UMAP embedding, their matched
average, the clustering CNN trained on it for 2 + 6 epochs, the local re-splits and their training for 2 + 2 epochs,
all with the notebook's settings) run with either neighbours, which the heads, both trainings and the re-splits'
normalised cut all use; the re-splits still cluster the pixels. Labels are used to read the results only.
"""
import glob, json, os, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
from sklearn.decomposition import PCA

space, seeds = sys.argv[1], [int(arg) for arg in sys.argv[2:]]
if space not in ("pixels", "hog", "hog_pixel_resplits", "hog_heads_cnn") or not seeds:
    sys.exit(__doc__)
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
start = time.perf_counter()
features = x_train if space == "pixels" else helpers.oriented_gradient_histograms(train_images)
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(features)[:, :50], 20)
neighbour_s = time.perf_counter() - start
resplit_neighbours = neighbours
if space in ("hog_pixel_resplits", "hog_heads_cnn"):
    resplit_neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)
purity = float((y_train[neighbours] == y_train[:, None]).mean())
print(json.dumps({"space": space, "purity": round(purity, 4), "neighbour_s": round(neighbour_s, 1)}), flush=True)


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


def predict(model, x):
    return model.predict(x, batch_size=4096, verbose=0)


quiet = {"log": lambda line: None}
for seed in seeds:
    entries = [e for e in glob.glob("artifacts/umap-*") if json.load(open(f"{e}/meta.json"))["spec"].get("seed") == seed]
    entry = max(entries, key=lambda e: os.path.getmtime(f"{e}/meta.json"))
    umap_train, umap_test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    row, start = {"space": space, "seed": seed}, time.perf_counter()
    heads = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, entropy_weight=5.0,
                                                hidden_units=[256, 256], batch_size=512, learning_rate=1e-3,
                                                seed=seed * 100 + head, **quiet)[0] for head in range(3)]
    soft_train = [predict(head, umap_train) for head in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    consensus_train = helpers.matched_average(soft_train, permutations)
    row["heads"] = score(helpers.matched_average([predict(head, umap_test) for head in heads], permutations).argmax(1))
    cnn, _ = helpers.fine_tune_clustering(helpers.build_clustering_cnn(10, seed=seed), x_train, neighbours, consensus_train,
                                          distill_epochs=2, scan_epochs=6, entropy_weight=5.0, max_shift=0.1,
                                          batch_size=512, learning_rate=1e-3, seed=seed, **quiet)
    cnn_train, cnn_test = predict(cnn, x_train).argmax(1), predict(cnn, x_test).argmax(1)
    row["cnn"] = score(cnn_test)
    refined_train, steps = helpers.refine_locally(x_train, cnn_train, resplit_neighbours, 10, max_size=4, n_components=50,
                                                  n_init=10, seed=seed, **quiet)
    row["refined"] = score(helpers.apply_local_refinement(steps, x_test, cnn_test))
    retrained, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train,
                                                resplit_neighbours if space == "hog_heads_cnn" else neighbours,
                                                np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                scan_epochs=2, entropy_weight=5.0, max_shift=0.1, batch_size=512,
                                                learning_rate=1e-4, seed=seed, **quiet)
    row["trained_in"] = score(predict(retrained, x_test).argmax(1))
    row["fit_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(row), flush=True)
