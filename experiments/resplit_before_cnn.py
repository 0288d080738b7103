"""Exploration for issue 5 (kept as run; not part of the study): the local re-splits applied to the heads' consensus,
before the clustering CNN is trained, instead of after it.

Usage: python experiments/resplit_before_cnn.py SPACE SEED [SEED ...]
  SPACE: "pixels" (SCAN's neighbours in the pixels' first 50 principal components, as in the notebook) or "hog"
  (the heads' and the CNN's neighbours in the first 50 principal components of helpers.oriented_gradient_histograms;
  the re-splits always cluster the pixels and judge a split on the pixels' neighbour graph, as in the notebook).
Reads each seed's seeded UMAP embedding from artifacts/ (the newest entry of that seed, i.e. the last notebook run's).
Why: experiments/scan_hog_neighbours.log showed that with the HOG neighbours the CNN reaches 0.715-0.722 test ACC
(NMI 0.705-0.707) on the seeds whose heads cut the footwear along the classes (2 and 4), and about 0.60 on the
others (0, 1, 3), whose footwear the re-splits mend afterwards (0.685), while on seeds 2 and 4 the re-splits
cost 0.03. Mending the footwear first and training the CNN on the mended clusters might keep both gains.
Steps per seed, every setting as in the notebook: three SCAN heads of 15 epochs on the UMAP embedding and their
matched average; helpers.refine_locally on the consensus's training clusters (pixels, pixel neighbour graph);
the clustering CNN distils the re-split clusters (one-hot, 2 epochs) and trains on SCAN's loss (6 epochs, the
SPACE's neighbours); then, as in the notebook, a second round of re-splits of the CNN's clusters and their
training into a copy of the CNN (2 + 2 epochs, learning rate 1e-4, the pixels' neighbours). Labels are used to
read the results only.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
sys.path.insert(0, "experiments")
import helpers
from common import seeded_umap
from sklearn.decomposition import PCA

space, seeds = sys.argv[1], [int(arg) for arg in sys.argv[2:]]
if space not in ("pixels", "hog") or not seeds:
    sys.exit(__doc__)
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
start = time.perf_counter()
pixel_neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)
neighbours = pixel_neighbours
if space == "hog":
    features = helpers.oriented_gradient_histograms(train_images)
    neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(features)[:, :50], 20)
purity = float((y_train[neighbours] == y_train[:, None]).mean())
print(json.dumps({"space": space, "purity": round(purity, 4), "neighbour_s": round(time.perf_counter() - start, 1)}),
      flush=True)


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


def predict(model, x):
    return model.predict(x, batch_size=4096, verbose=0)


quiet = {"log": lambda line: None}
for seed in seeds:
    umap_train, umap_test = seeded_umap(seed)
    row, start = {"space": space, "seed": seed}, time.perf_counter()
    heads = [helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, entropy_weight=5.0,
                                                hidden_units=[256, 256], batch_size=512, learning_rate=1e-3,
                                                seed=seed * 100 + head, **quiet)[0] for head in range(3)]
    soft_train = [predict(head, umap_train) for head in heads]
    _, _, permutations = helpers.align_runs(soft_train)
    consensus_train = helpers.matched_average(soft_train, permutations).argmax(1)
    consensus_test = helpers.matched_average([predict(head, umap_test) for head in heads], permutations).argmax(1)
    row["heads"] = score(consensus_test)
    refined_train, steps = helpers.refine_locally(x_train, consensus_train, pixel_neighbours, 10, max_size=4,
                                                  n_components=50, n_init=10, seed=seed, **quiet)
    row["heads_refined"] = score(helpers.apply_local_refinement(steps, x_test, consensus_test))
    row["heads_steps_accepted"] = sum(bool(step.get("accepted")) for step in steps)
    cnn, _ = helpers.fine_tune_clustering(helpers.build_clustering_cnn(10, seed=seed), x_train, neighbours,
                                          np.eye(10, dtype="float32")[refined_train], distill_epochs=2, scan_epochs=6,
                                          entropy_weight=5.0, max_shift=0.1, batch_size=512, learning_rate=1e-3,
                                          seed=seed, **quiet)
    cnn_train, cnn_test = predict(cnn, x_train).argmax(1), predict(cnn, x_test).argmax(1)
    row["cnn"] = score(cnn_test)
    refined_train, steps = helpers.refine_locally(x_train, cnn_train, pixel_neighbours, 10, max_size=4, n_components=50,
                                                  n_init=10, seed=seed, **quiet)
    row["refined"] = score(helpers.apply_local_refinement(steps, x_test, cnn_test))
    retrained, _ = helpers.fine_tune_clustering(helpers.encoder_of(cnn), x_train, pixel_neighbours,
                                                np.eye(10, dtype="float32")[refined_train], distill_epochs=2,
                                                scan_epochs=2, entropy_weight=5.0, max_shift=0.1, batch_size=512,
                                                learning_rate=1e-4, seed=seed, **quiet)
    row["trained_in"] = score(predict(retrained, x_test).argmax(1))
    row["fit_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(row), flush=True)
