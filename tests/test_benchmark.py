"""The multi-seed benchmark's aggregation and tables, the confidence figure, the shift augmentation."""

import json
from pathlib import Path

import pytest

import helpers
from helpers.publish._tables import worst_seed

REPO = Path(__file__).resolve().parent.parent


def run(seed, acc, fit_s, total_s=600.0):
    return {
        "methods": {
            "kmeans_raw": {"label": "K-Means on raw pixels", "acc": acc, "nmi": 0.5, "ari": 0.3, "fit_s": fit_s},
            "n2d": {"label": "Shifted AE + UMAP + GMM (N2D)", "acc": acc + 0.1, "nmi": 0.6, "ari": 0.4,
                    "fit_s": 1.0, "representation_s": 100.0, "group": "beyond"},
        },
        "parameters": {"SEED": seed}, "total_s": total_s, "device": "CPU",
    }


def test_aggregate_gives_mean_and_sample_std_per_method():
    benchmark = helpers.publish.aggregate_benchmark([run(0, 0.4, 10.0), run(1, 0.5, 20.0), run(2, 0.6, 30.0)])
    assert benchmark["seeds"] == [0, 1, 2] and benchmark["n_runs"] == 3
    acc = benchmark["methods"]["kmeans_raw"]["acc"]
    assert acc["mean"] == pytest.approx(0.5) and acc["std"] == pytest.approx(0.1) and acc["values"] == [0.4, 0.5, 0.6]
    # The fit time includes the representation's (the autoencoder's training).
    assert benchmark["methods"]["n2d"]["fit_s"]["mean"] == pytest.approx(101.0)
    assert benchmark["methods"]["n2d"]["group"] == "beyond"
    assert helpers.publish.aggregate_benchmark([run(0, 0.4, 10.0)])["methods"]["kmeans_raw"]["acc"]["std"] == 0.0


def test_the_seeds_say_whether_they_chose_settings():
    assert helpers.publish.describe_seeds([10, 11]) == "seeds 10, 11, none used in choosing a setting"
    assert "development seeds" in helpers.publish.describe_seeds([0, 1]) and "2, 3 are development" in helpers.publish.describe_seeds([2, 3, 12])


def test_the_worst_seed_and_the_validation_scores_follow_the_runs():
    runs = [run(10, 0.6, 1.0), run(11, 0.5, 1.0), run(12, 0.7, 1.0)]
    for value, current in zip((0.61, 0.52, 0.72), runs):
        for row in current["methods"].values():
            row["validation"] = {"acc": value, "nmi": 0.6, "ari": 0.4}
    benchmark = helpers.publish.aggregate_benchmark(runs)
    assert benchmark["methods"]["kmeans_raw"]["validation"]["acc"]["values"] == [0.61, 0.52, 0.72]
    markdown = helpers.publish.benchmark_table_markdown(benchmark)
    assert "| K-Means on raw pixels | 0.600 ± 0.100 | 0.500 (seed 11) | 0.500 ± 0.000 | 0.300 ± 0.000 | 0.617 |" in markdown
    macros = helpers.publish.benchmark_macros_latex(benchmark)
    assert r"\newcommand{\BenchAccWorstKmeansRaw}{0.500}" in macros and r"\newcommand{\BenchValAccKmeansRaw}{0.617}" in macros
    assert r"\newcommand{\BenchSeeds}{seeds 10, 11, 12, none used in choosing a setting}" in macros
    # The best method named for sentences (helpers.publish.PROSE_NAMES), not by its table label.
    assert r"\newcommand{\BenchBestMethod}{N2D's step}" in macros and r"\newcommand{\BenchBestKey}{NTwoD}" in macros
    # One run without validation scores: the column goes, rather than averaging over fewer runs.
    del runs[0]["methods"]["kmeans_raw"]["validation"]
    assert "validation" not in helpers.publish.aggregate_benchmark(runs)["methods"]["kmeans_raw"]
    with pytest.raises(ValueError, match="one seed per value"):
        worst_seed({"values": [0.1, 0.2]}, [10], 3)


def test_aggregate_names_each_distinct_processor_of_its_runs():
    fast = {"processor": "CPU A", "instruction_sets": ["avx2", "avx512f"], "logical_cpus": 2}
    slow = {"processor": "CPU A", "instruction_sets": ["avx2"], "logical_cpus": 2}
    runs = [{**run(0, 0.4, 1.0), "machine": fast}, {**run(1, 0.5, 1.0), "machine": fast}]
    assert helpers.publish.aggregate_benchmark(runs)["machines"] == ["CPU A, 2 logical CPUs, with AVX-512"]
    mixed = helpers.publish.aggregate_benchmark(runs + [{**run(2, 0.6, 1.0), "machine": slow}, run(3, 0.6, 1.0)])
    assert mixed["machines"] == ["CPU A, 2 logical CPUs, AVX2, no AVX-512", "CPU A, 2 logical CPUs, with AVX-512",
                                 "processor not recorded"]


def test_aggregate_rejects_no_runs_and_mismatched_methods():
    with pytest.raises(ValueError, match="at least one"):
        helpers.publish.aggregate_benchmark([])
    other = run(1, 0.5, 1.0)
    del other["methods"]["n2d"]
    with pytest.raises(ValueError, match="same methods"):
        helpers.publish.aggregate_benchmark([run(0, 0.4, 1.0), other])


def test_benchmark_tables_show_mean_std_and_the_published_figures(tmp_path):
    benchmark = helpers.publish.aggregate_benchmark([run(0, 0.4, 10.0), run(1, 0.5, 20.0, total_s=840.0)])
    markdown = helpers.publish.benchmark_table_markdown(benchmark)
    assert "| K-Means on raw pixels | 0.450 ± 0.071 | 0.400 (seed 0) |" in markdown
    assert "validation ACC" not in markdown  # these runs did not score the validation split
    assert "| N2D (McConville et al., 2021) | 0.672 | 0.684 |" in markdown
    assert "| DEC, as quoted by N2D (McConville et al., 2021) | 0.518 |" in markdown
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(benchmark))
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- benchmark:start -->\nold\n<!-- benchmark:end -->\nrest\n")
    helpers.publish.update_readme_benchmark(path, readme)
    text = readme.read_text()
    assert "old" not in text and "2 runs (seeds 0, 1, development seeds" in text and text.startswith("intro\n") and text.endswith("rest\n")
    assert "0.450 ± 0.071" in text
    assert "12.0 ± 2.8 min on the CPU (by seed: 10.0, 14.0); processor not recorded." in text
    written = helpers.publish.write_report_inputs(_results_file(tmp_path), tmp_path / "report", path)
    # The benchmark's columns join the run's in the tables: mean ± sd beside the run shown.
    assert tmp_path / "report" / "benchmark_macros.tex" in written and not (tmp_path / "report" / "benchmark.tex").exists()
    assert r"0.450\,$\pm$\,0.071" in (tmp_path / "report" / "results.tex").read_text()
    macros = (tmp_path / "report" / "benchmark_macros.tex").read_text()
    assert r"\newcommand{\BenchAccKmeansRaw}{0.450}" in macros and r"\newcommand{\BenchAccSdKmeansRaw}{0.071}" in macros
    assert r"\newcommand{\BenchRuns}{2}" in macros and r"\newcommand{\BenchMinutes}{12.0}" in macros
    assert r"\newcommand{\BenchSlowestMinutes}{14.0}" in macros
    assert r"\newcommand{\BenchMachines}{processor not recorded}" in macros
    assert r"\newcommand{\BenchBudgetVerdict}{within}" in macros


def test_budget_verdict_says_whether_every_run_kept_to_the_budget():
    assert helpers.publish.TIME_BUDGET_MINUTES == 15.0
    assert helpers.publish.budget_verdict([13.1, 15.0]) == "within"
    assert helpers.publish.budget_verdict([13.0, 15.5]) == "over on some seeds"
    assert helpers.publish.budget_verdict([14.9, 16.2, 15.5]) == "over"
    assert helpers.publish.budget_verdict([20.0], budget_minutes=25.0) == "within"
    for bad in ([], [12.0, float("nan")], [0.0]):
        with pytest.raises(ValueError, match="positive, finite"):
            helpers.publish.budget_verdict(bad)


def test_the_report_macros_name_the_benchmark_machines():
    fast = {"processor": "CPU_A", "instruction_sets": ["avx2", "avx512f"], "logical_cpus": 2}
    runs = [{**run(0, 0.4, 1.0, total_s=780.0), "machine": fast}, {**run(1, 0.5, 1.0, total_s=960.0), "machine": fast}]
    macros = helpers.publish.benchmark_macros_latex(helpers.publish.aggregate_benchmark(runs))
    assert r"\newcommand{\BenchMachines}{CPU\_A, 2 logical CPUs, with AVX-512}" in macros
    assert r"\newcommand{\BenchSlowestMinutes}{16.0}" in macros
    assert r"\newcommand{\BenchBudgetVerdict}{over on some seeds}" in macros


def test_the_scan_heads_are_summarised_when_every_run_records_them(tmp_path):
    first, second = run(0, 0.4, 10.0), run(1, 0.5, 20.0)
    first["scan_heads"] = {"test_acc": [0.5, 0.7, 0.6], "chosen": 1}
    second["scan_heads"] = {"test_acc": [0.4, 0.5, 0.9], "chosen": 0}
    assert "scan_heads" not in helpers.publish.aggregate_benchmark([first, run(1, 0.5, 20.0)])
    benchmark = helpers.publish.aggregate_benchmark([first, second])
    heads = benchmark["scan_heads"]
    assert heads["n_heads"] == [3]
    assert heads["most_agreeing"]["values"] == [0.7, 0.4] and heads["best_head"]["values"] == [0.7, 0.9]
    assert heads["worst_head"]["values"] == [0.5, 0.4]
    assert heads["mean_head"]["mean"] == pytest.approx(0.6)
    assert "the most agreeing head 0.550 ± 0.212, the average head 0.600 ± 0.000" in (
        helpers.publish.benchmark_table_markdown(benchmark))
    macros = helpers.publish.benchmark_macros_latex(benchmark)
    assert r"\newcommand{\BenchScanMostAgreeingAcc}{0.550}" in macros and r"\newcommand{\BenchScanBestHeadAcc}{0.800}" in macros


def test_the_headline_benchmark_runs_seeds_that_chose_nothing():
    import benchmark as benchmark_script

    assert len(benchmark_script.HEADLINE_SEEDS) >= 5
    assert not set(benchmark_script.HEADLINE_SEEDS) & set(helpers.publish.DEVELOPMENT_SEEDS)
    committed = json.loads((REPO / "results" / "benchmark.json").read_text())
    assert committed["seeds"] == benchmark_script.HEADLINE_SEEDS and committed["parameters"]["retrain"] is True


def test_aggregate_only_reads_the_saved_runs_and_trains_nothing(tmp_path):
    import benchmark as benchmark_script

    runs_dir = tmp_path / "runs"
    for seed, acc in ((0, 0.4), (1, 0.5)):
        (runs_dir / f"seed-{seed}").mkdir(parents=True)
        helpers.publish.write_results({**run(seed, acc, 10.0), "cache": {"retrain": True}}, runs_dir / f"seed-{seed}" / "results.json")
    output = tmp_path / "benchmark.json"
    common = ["--aggregate-only", "--runs-dir", str(runs_dir), "--output", str(output), "--readme", ""]
    assert benchmark_script.main([*common, "--seeds", "0", "1"]) == 0
    written = json.loads(output.read_text())
    assert written["methods"]["kmeans_raw"]["acc"]["values"] == [0.4, 0.5]
    assert written["parameters"] == {"retrain": True}
    with pytest.raises(SystemExit):  # seed 2 was never run
        benchmark_script.main([*common, "--seeds", "0", "2"])
    with pytest.raises(SystemExit):  # notebook parameters would be silently ignored
        benchmark_script.main([*common, "-p", "EPOCHS", "3"])


def _results_file(tmp_path):
    path = tmp_path / "results.json"
    helpers.publish.write_results(run(0, 0.4, 10.0), path)
    return path


def test_readme_without_benchmark_markers_is_an_error(tmp_path):
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(helpers.publish.aggregate_benchmark([run(0, 0.4, 10.0)])))
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n")
    with pytest.raises(ValueError, match="benchmark:start"):
        helpers.publish.update_readme_benchmark(path, readme)


@pytest.mark.parametrize("benchmark_name, runs_name", [
    ("benchmark.json", "runs"), ("benchmark-development-seeds.json", "runs-development-seeds"), ("benchmark-avx512.json", "runs-avx512"),
    ("benchmark-avx2-2026-12-02.json", "runs-avx2-2026-12-02"),
])
def test_committed_benchmarks_are_the_aggregates_of_their_committed_runs(benchmark_name, runs_name):
    """Nothing typed in: each committed benchmark file is what aggregating its committed runs gives."""
    results_dir = REPO / "results"
    committed = json.loads((results_dir / benchmark_name).read_text())
    runs = [json.loads((results_dir / runs_name / f"seed-{seed}" / "results.json").read_text())
            for seed in committed["seeds"]]
    aggregated = json.loads(json.dumps(helpers.publish.aggregate_benchmark(runs)))  # as written: tuples become lists
    assert committed["parameters"]["retrain"] is all(run["cache"]["retrain"] for run in runs)
    del committed["parameters"]
    assert committed == aggregated


def test_readme_benchmark_and_headline_blocks_are_the_committed_benchmark(tmp_path):
    """Both blocks are generated from the committed benchmark, the methods named as the committed results name them."""
    readme = tmp_path / "README.md"
    readme.write_text((REPO / "README.md").read_text())
    helpers.publish.update_readme_benchmark(REPO / "results" / "benchmark.json", readme, REPO / "results.json")
    helpers.publish.update_readme_headline(REPO / "results" / "benchmark.json", readme, REPO / "results.json")
    assert readme.read_text() == (REPO / "README.md").read_text()
    helpers.publish.update_readme_benchmark(REPO / "results" / "benchmark.json", readme)  # without results: the benchmark's own labels
    assert readme.read_text() != (REPO / "README.md").read_text()
