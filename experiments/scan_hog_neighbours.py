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
Its loop has since moved to experiments/common.notebook_from_heads (the same calls in the same order); rows printed
since then also carry cnn_s, the time to the end of the CNN's first training.
"""
import json, sys, time

sys.path.insert(0, ".")
sys.path.insert(0, "experiments")
import helpers
from common import notebook_from_heads, seeded_umap
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

for seed in seeds:
    row = notebook_from_heads(seed, *seeded_umap(seed), x_train, x_test, y_test, neighbours,
                              resplit_neighbours=resplit_neighbours,
                              retrain_neighbours=resplit_neighbours if space == "hog_heads_cnn" else neighbours)
    print(json.dumps({"space": space, **row}), flush=True)
