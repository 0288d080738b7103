"""Exploration for issue 5 (kept as run; not part of the study): is a slower benchmark the code or the machine?

Usage: python experiments/stage_ratios.py RUNS_DIR_A RUNS_DIR_B
For each seed in both directories (seed-N/results.json, as benchmark.py writes them), prints the notebook's total
time in each and, stage by stage (results.json's stages_s), the time in B divided by the time in A, then the median
and range of those ratios over the stages that took at least 5 s in A (except those whose meaning changed between
versions, NOT_COMPARABLE), and whether every ACC, NMI and ARI of B is bit for bit that of A. Where the scores are
identical, the two ran the same computations, and ratios that are alike over stages as different as scikit-learn's
K-Means and mixtures and Keras's trainings point to the machine's speed.
"""
import json, pathlib, statistics, sys

METRICS = ("acc", "nmi", "ari")
# Since UMAP fits in a background process (the version after commit 70a7e9c), "umap" is only the wait for it and DEC
# and IDEC share the CPU with it, so these stages are not comparable with runs of earlier versions.
NOT_COMPARABLE = ("umap", "dec", "idec")
dir_a, dir_b = map(pathlib.Path, sys.argv[1:3])
for path_a in sorted(dir_a.glob("seed-*/results.json")):
    path_b = dir_b / path_a.parent.name / "results.json"
    if not path_b.is_file():
        continue
    run_a, run_b = (json.loads(path.read_text()) for path in (path_a, path_b))
    stages_a, stages_b = run_a["stages_s"], run_b["stages_s"]
    ratios = {stage: round(stages_b[stage] / seconds, 2)
              for stage, seconds in stages_a.items() if stage in stages_b and seconds >= 5 and stage not in NOT_COMPARABLE}
    same_scores = all(run_a["methods"][key][metric] == run_b["methods"].get(key, {}).get(metric)
                      for key in run_a["methods"] for metric in METRICS)
    print(json.dumps({
        "seed": run_a["parameters"]["SEED"],
        "total_min": [round(run_a["total_s"] / 60, 1), round(run_b["total_s"] / 60, 1)],
        "total_ratio": round(run_b["total_s"] / run_a["total_s"], 2),
        "stage_ratio_median": statistics.median(ratios.values()),
        "stage_ratio_range": [min(ratios.values()), max(ratios.values())],
        "scores_identical": same_scores,
        "stage_ratios": ratios,
    }))
