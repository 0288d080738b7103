"""Exploration for issue 5 (kept as run; not part of the study): what the shifted autoencoder reconstructs.

Usage: python experiments/shift_target.py SEED [RESULTS_JSON]
  (after a notebook run of SEED with each SHIFT_TARGET, both left in artifacts/; RESULTS_JSON: the results.json of
  the run with SHIFT_TARGET="original", e.g. from
  papermill main.ipynb OUT/main.ipynb -p SEED 0 -p SHIFT_TARGET original -p OUTPUT_DIR OUT)
The notebook's shifted autoencoder reconstructs the shifted image itself (SHIFT_TARGET="shifted"); with
SHIFT_TARGET="original" it must reconstruct the image as it was before the shift, i.e. undo the shift, which
should make its codes more shift-invariant. Here: how pure each one's code neighbours are (the share of each
training image's 20 nearest neighbours in the 10-d codes that have its class; all classes, and pullover, coat
and shirt alone). Training labels are used for this diagnosis only. With RESULTS_JSON, it also prints the test
scores of the rows built on the shifted autoencoder in that run beside those of the committed run of the same seed
on the same kind of machine (results/runs-avx512/seed-SEED/results.json, SHIFT_TARGET="shifted").
"""
import json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
from cached_codes import shifted_autoencoder_codes

seed = int(sys.argv[1])
(_, y_train), _ = helpers.load_fashion_mnist()
upper_body = np.isin(y_train, [2, 4, 6])  # pullover, coat, shirt
print(" ".join(["python experiments/shift_target.py"] + sys.argv[1:]), flush=True)
for target in ("shifted", "original"):
    codes, _, _, _ = shifted_autoencoder_codes(seed, target=target)
    same_class = y_train[helpers.nearest_neighbours(codes, 20)] == y_train[:, None]
    print(json.dumps({"seed": seed, "target": target, "purity": round(float(same_class.mean()), 4),
                      "purity_pullover_coat_shirt": round(float(same_class[upper_body].mean()), 4)}), flush=True)

if len(sys.argv) > 2:
    runs = {"shifted": json.load(open(f"results/runs-avx512/seed-{seed}/results.json")), "original": json.load(open(sys.argv[2]))}
    for key in ("shift_ae_gmm", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained"):
        print(json.dumps({"seed": seed, "row": key, **{target: {metric: round(run["methods"][key][metric], 4) for metric in ("acc", "nmi")}
                                                      for target, run in runs.items()}}), flush=True)
