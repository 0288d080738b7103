"""Exploration for issue 5 (kept as run; not part of the study): the end-to-end SCAN network beside the SCAN heads.

Usage: python experiments/scan_end_to_end_combined.py   (after running, for seeds 0-2,
  python experiments/scan_end_to_end.py SEED 1e-4 12 ae pca /tmp/exp/e2e_soft_SEED.npz)
On the benchmark's seeds the end-to-end network (experiments/scan_end_to_end.log) and the notebook's
consensus of five SCAN heads on the UMAP embedding did well on different seeds. This combines them
without labels, as the notebook combines its heads: the six runs' clusters are matched to the most
agreeing run's on the training images (helpers.align_runs) and their soft test assignments averaged;
also the end-to-end network with equal weight to the heads' consensus (two runs, matched to the consensus).
Scored on the test set.
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras

(_, _), (_, y_test) = helpers.load_fashion_mnist()
specs = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/scan-*")}
for seed in (0, 1, 2):
    (umap_entry,) = [e for e in glob.glob("artifacts/umap-*") if json.load(open(f"{e}/meta.json"))["spec"]["seed"] == seed
                     and json.load(open(f"{e}/meta.json"))["spec"].get("seeded")]
    train, test = np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")
    heads = sorted((spec["seed"], e) for e, spec in specs.items() if spec["features"] == helpers.array_checksum(train))
    models = [keras.models.load_model(f"{e}/model.keras", compile=False) for _, e in heads]
    soft_train = [m.predict(train, batch_size=4096, verbose=0) for m in models]
    soft_test = [m.predict(test, batch_size=4096, verbose=0) for m in models]
    e2e = np.load(f"/tmp/exp/e2e_soft_{seed}.npz")
    _, _, permutations = helpers.align_runs(soft_train)
    consensus_train = helpers.matched_average(soft_train, permutations)
    consensus_test = helpers.matched_average(soft_test, permutations)
    record = {"seed": seed, "heads": [s for s, _ in heads],
              "end_to_end": helpers.evaluate(y_test, e2e["test"].argmax(axis=1)),
              "heads_consensus": helpers.evaluate(y_test, consensus_test.argmax(axis=1))}
    reference, agreement, permutations = helpers.align_runs(soft_train + [e2e["train"]])
    record["six_runs"] = {"reference": reference, "agreement_of_end_to_end": round(float(agreement[-1]), 3),
                          **helpers.evaluate(y_test, helpers.matched_average(soft_test + [e2e["test"]], permutations).argmax(axis=1))}
    _, _, permutations = helpers.align_runs([consensus_train, e2e["train"]])  # reference: the first, on the tie
    record["consensus_and_end_to_end"] = helpers.evaluate(y_test, helpers.matched_average([consensus_test, e2e["test"]], permutations).argmax(axis=1))
    print(json.dumps(record), flush=True)
