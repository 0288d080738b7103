"""Exploration for issue 5 (kept as run; not part of the study): the same code on a second kind of machine.

Usage: python experiments/machine_kinds.py RUNS_DIR [RUNS_DIR ...]
The committed benchmark (results/runs/, results/benchmark.json) ran on 2-core AMD EPYC machines with AVX2 but no
AVX-512. On 2026-12-01 a session's machine (2-core AMD EPYC) had AVX-512, and commit 86ab46f's benchmark ran there in
40 min 15 s (`git show 5adf132:results/benchmark-avx512.json`; 13.0 / 14.0 / 13.0 min per seed). On 2026-12-02, on a
machine of the same kind, this notebook (commits fbca132 and 2070885: the same computations, and each results.json
records its processor) was run for seed 0 as the committed notebook (/usr/bin/time -v make run NOTEBOOK_PARAMS="-p RETRAIN True": 14 min 40 s,
2.93 GB max. RSS) and for seeds 1 and 2 with
    /usr/bin/time -v .venv/bin/python benchmark.py --seeds 1 2 --runs-dir /tmp/avx512new/runs \
        --output /tmp/avx512new/benchmark.json --readme ""
(29 min 32 s, 2.92 GB); the three results.json are results/runs-avx512/seed-{0,1,2}/, aggregated into
results/benchmark-avx512.json by benchmark.py --aggregate-only --runs-dir results/runs-avx512 --output
results/benchmark-avx512.json --readme "". Every score came out bit for bit as on 2026-12-01. Later that day, seed 0 was
run again as the next committed notebook (the same computations; the same make run command: 13 min 22 s, 2.93 GB),
with every score bit for bit the same again, and its results.json replaced seed 0's. The next version (commit after
70a7e9c) fits UMAP in a background process while DEC and IDEC train, with the same computations; its runs replaced
all three (seed 0 its committed notebook, seeds 1 and 2 the same benchmark.py command), the previous ones are in
git history (git show 70a7e9c:results/runs-avx512/seed-N/results.json).
results/runs-earlier-machine/ holds an older version's runs on an earlier session's machine.
On 2026-12-02 a later session's machine had AVX2 and no AVX-512 (2-core AMD EPYC, family 25 model 1), the kind of the
committed benchmark; this version (the commit after f6cc165: the same computations as the benchmark's) was run there
for all three seeds with every model retrained,
    /usr/bin/time -v .venv/bin/python benchmark.py --seeds 0 1 2
and its three results.json were moved to results/runs-avx2-2026-12-02/ and aggregated with benchmark.py
--aggregate-only --runs-dir results/runs-avx2-2026-12-02 --output results/benchmark-avx2-2026-12-02.json --readme "".
For each runs directory, seed by seed, this prints the notebook's total time, its slowest stages and the test ACC
and NMI of the assignment rows and the last rows of the beyond part, so that the machines can be compared.
"""
import json, pathlib, sys
sys.path.insert(0, ".")
import helpers

ROWS = ("ae_kmeans", "ae_gmm", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained")
STAGES = ("autoencoder_fit", "conv_autoencoder_fit", "shift_autoencoder_fit", "umap", "scan_finetune")

for runs_dir in map(pathlib.Path, sys.argv[1:]):
    for path in sorted(runs_dir.glob("seed-*/results.json")):
        run = json.loads(path.read_text())
        print(json.dumps({
            "runs": str(runs_dir), "seed": run["parameters"]["SEED"], "total_min": round(run["total_s"] / 60, 1),
            "machine": helpers.describe_machine(run.get("machine")),
            "stages_s": {stage: round(run["stages_s"][stage]) for stage in STAGES if stage in run["stages_s"]},
            # Since UMAP runs in a background process, the "umap" stage is only the wait for it; its own fit time is
            # the N2D row's representation time less the shifted autoencoder's.
            "umap_fit_s": round(run["methods"]["n2d"]["representation_s"] - run["methods"]["shift_ae_gmm"]["representation_s"]),
            # Older runs lack the rows added since; they are left out.
            "acc": {row: run["methods"][row]["acc"] for row in ROWS if row in run["methods"]},
            "nmi": {row: round(run["methods"][row]["nmi"], 4) for row in ROWS if row in run["methods"]},
        }))
