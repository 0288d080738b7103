"""Multi-seed benchmark: run main.ipynb headless for several seeds and aggregate the scores.

Usage (from the repository root; `make bench` runs the default):
    .venv/bin/python benchmark.py                 # the headline: seeds 10-14, every model trained afresh
    .venv/bin/python benchmark.py --seeds 0 1 2 --use-cache -p EPOCHS 40
    .venv/bin/python benchmark.py --aggregate-only  # re-aggregate the runs already in results/runs/
    .venv/bin/python benchmark.py --aggregate-only --split validation --output /tmp/v.json --readme ""
                                                    # their scores on the validation split, which may judge settings

Each run writes results/runs/seed-<N>/ (executed notebook, results.json, figures); the
aggregate (mean and standard deviation of ACC, NMI, ARI and fit time per method) goes to
results/benchmark.json, and the README's benchmark table is regenerated from it.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import papermill
from tqdm.auto import tqdm

import helpers

REPO = Path(__file__).resolve().parent
HEADLINE_SEEDS = [10, 11, 12, 13, 14]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The headline's seeds: none of them is one of helpers.publish.DEVELOPMENT_SEEDS, on whose runs settings were chosen.
    parser.add_argument("--seeds", type=int, nargs="+", default=HEADLINE_SEEDS)
    parser.add_argument("--output", type=Path, default=REPO / "results" / "benchmark.json")
    parser.add_argument("--runs-dir", type=Path, default=REPO / "results" / "runs")
    parser.add_argument("--use-cache", action="store_true", help="load cached models (default: RETRAIN, so times are real)")
    parser.add_argument("--aggregate-only", action="store_true",
                        help="run nothing; aggregate the results.json already in the runs directory for these seeds")
    # A str, not a Path: Path("") is ".", which would make '' impossible to tell from a real path.
    parser.add_argument("--readme", default=str(REPO / "README.md"), help="README to update ('' to skip)")
    parser.add_argument("--split", choices=("test", "validation"), default="test",
                        help="aggregate the test scores (default) or the validation split's, which may judge settings")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="extra notebook parameter, e.g. -p EPOCHS 40")
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        parser.error("seeds must be distinct non-negative integers")
    extra = {}
    for name, value in args.parameter:
        try:
            extra[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            extra[name] = value

    if args.aggregate_only:
        if extra:
            parser.error("--aggregate-only runs nothing, so it takes no notebook parameters")
        missing = [seed for seed in args.seeds if not (args.runs_dir / f"seed-{seed}" / "results.json").is_file()]
        if missing:
            parser.error(f"no results.json in {args.runs_dir} for seeds {missing}; run them first")
        runs = [json.loads((args.runs_dir / f"seed-{seed}" / "results.json").read_text()) for seed in args.seeds]
        retrained = all(run["cache"]["retrain"] for run in runs)
        return write_benchmark(runs, {"retrain": retrained}, args)

    runs = []
    for seed in tqdm(args.seeds, desc="benchmark seeds", unit="run", file=sys.stdout):
        run_dir = args.runs_dir / f"seed-{seed}"
        run_dir.mkdir(parents=True, exist_ok=True)
        parameters = {**extra, "SEED": seed, "OUTPUT_DIR": str(run_dir), "RETRAIN": not args.use_cache}
        papermill.execute_notebook(
            str(REPO / "main.ipynb"), str(run_dir / "main.ipynb"), parameters=parameters,
            cwd=str(REPO), progress_bar=False, kernel_name="python3",
        )
        results = json.loads((run_dir / "results.json").read_text())
        runs.append(results)
        best = max(results["methods"].values(), key=lambda row: row["acc"])
        tqdm.write(f"seed {seed}: {results['total_s'] / 60:.1f} min; best test ACC {best['acc']:.3f} ({best['label']})")

    return write_benchmark(runs, {**extra, "retrain": not args.use_cache}, args)


def write_benchmark(runs: list[dict], parameters: dict, args: argparse.Namespace) -> int:
    """Aggregate the runs into the benchmark file and, unless skipped, the README's table."""
    benchmark = helpers.publish.aggregate_benchmark(runs, split=args.split)
    benchmark["parameters"] = parameters
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(benchmark, indent=2) + "\n")
    print(f"Wrote {args.output}")
    print(helpers.publish.benchmark_table_markdown(benchmark))
    if args.readme:
        helpers.publish.update_readme_benchmark(args.output, args.readme, REPO / "results.json")
        helpers.publish.update_readme_headline(args.output, args.readme, REPO / "results.json")
        print(f"Updated the benchmark table in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
