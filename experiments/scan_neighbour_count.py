"""Exploration for issue 5 (kept as run; not part of the study): how many neighbours SCAN pulls together.

Usage: python experiments/scan_neighbour_count.py RESULTS_JSON [RESULTS_JSON ...]
  each the results.json of a full notebook run with another SCAN_NEIGHBORS, e.g. from
  papermill main.ipynb OUT/main.ipynb -p SEED 0 -p SCAN_NEIGHBORS 10 -p OUTPUT_DIR OUT
  (models before the SCAN heads loaded from artifacts/, everything from the heads on trained afresh)
The notebook finds each training image's SCAN_NEIGHBORS = 20 nearest training images among the pixels' first 50
principal components; the SCAN heads, the CNN and its re-splits (whose normalised cut is computed on the same graph)
all use them. Fewer neighbours are purer, more give each image more to agree with. For each run this prints the test
ACC and NMI of the rows that use the neighbours beside those of the committed run of the same seed on the same kind
of machine (results/runs-avx512/seed-SEED/results.json, SCAN_NEIGHBORS = 20), and the neighbours' purity (the
share with the image's class; training labels used for this diagnosis only).
"""
import json, sys
sys.path.insert(0, ".")
import helpers
from sklearn.decomposition import PCA

ROWS = ("scan", "scan_finetune", "scan_refined", "scan_retrained")
(train_images, y_train), _ = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
space = None
print(" ".join(["python experiments/scan_neighbour_count.py"] + sys.argv[1:]), flush=True)
for path in sys.argv[1:]:
    run = json.load(open(path))
    seed, count = run["parameters"]["SEED"], run["parameters"]["SCAN_NEIGHBORS"]
    committed = json.load(open(f"results/runs-avx512/seed-{seed}/results.json"))
    if space is None:  # as the notebook: PCA of the training pixels, seeded; its first 50 components
        space = PCA(random_state=run["parameters"]["SEED"]).fit_transform(x_train)[:, :run["parameters"]["SCAN_PCA_COMPONENTS"]]
    neighbours = helpers.nearest_neighbours(space, count)
    purity = float((y_train[neighbours] == y_train[:, None]).mean())
    print(json.dumps({"seed": seed, "scan_neighbors": count, "purity": round(purity, 4), "rows": {
        key: {"20": [round(committed["methods"][key][m], 4) for m in ("acc", "nmi")],
              str(count): [round(run["methods"][key][m], 4) for m in ("acc", "nmi")]} for key in ROWS}}), flush=True)
