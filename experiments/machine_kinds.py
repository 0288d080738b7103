"""Exploration for issue 5 (kept as run; not part of the study): the same code on a second kind of machine.

Usage: python experiments/machine_kinds.py RUNS_DIR [RUNS_DIR ...]
The committed benchmark (results/runs/, results/benchmark.json) ran on 2-core AMD EPYC machines with AVX2 but no
AVX-512. On 2026-12-01 this session's machine (2-core AMD EPYC) had AVX-512, and commit 86ab46f's benchmark was
run there, every model trained afresh (40 min 15 s wall clock, 3.33 GB max. RSS), with
    /usr/bin/time -v .venv/bin/python benchmark.py --seeds 0 1 2 --output /tmp/avx512/benchmark.json \
        --runs-dir /tmp/avx512/runs --readme ""
and its benchmark.json and per-seed results.json copied to results/benchmark-avx512.json and results/runs-avx512/.
results/runs-earlier-machine/ holds an older version's runs on an earlier session's machine.
For each runs directory, seed by seed, this prints the notebook's total time, its slowest stages and the test ACC
and NMI of the assignment rows and the last rows of the beyond part, so that the machines can be compared.
"""
import json, pathlib, sys

ROWS = ("ae_kmeans", "ae_gmm", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained")
STAGES = ("autoencoder_fit", "conv_autoencoder_fit", "shift_autoencoder_fit", "umap", "scan_finetune")

for runs_dir in map(pathlib.Path, sys.argv[1:]):
    for path in sorted(runs_dir.glob("seed-*/results.json")):
        run = json.loads(path.read_text())
        print(json.dumps({
            "runs": str(runs_dir), "seed": run["parameters"]["SEED"], "total_min": round(run["total_s"] / 60, 1),
            "stages_s": {stage: round(run["stages_s"][stage]) for stage in STAGES if stage in run["stages_s"]},
            # Older runs lack the rows added since; they are left out.
            "acc": {row: run["methods"][row]["acc"] for row in ROWS if row in run["methods"]},
            "nmi": {row: round(run["methods"][row]["nmi"], 4) for row in ROWS if row in run["methods"]},
        }))
