"""Results export: results.json without predictions, and the README's generated blocks."""

import json

import numpy as np
import pytest

import helpers


def test_write_results_is_json_without_predictions(tmp_path, results):
    path = helpers.publish.write_results(results, tmp_path / "out" / "results.json")
    loaded = json.loads(path.read_text())
    assert "y_pred" not in loaded["methods"]["kmeans_raw"]
    assert loaded["methods"]["ae_gmm"]["nmi"] == 0.62
    assert not list(tmp_path.glob("out/*.tmp"))


def test_write_results_rejects_empty_methods(tmp_path):
    with pytest.raises(ValueError, match="methods"):
        helpers.publish.write_results({"methods": {}}, tmp_path / "r.json")


def test_readme_block_is_replaced_and_the_rest_kept(tmp_path, results):
    results_path = helpers.publish.write_results(results, tmp_path / "results.json")
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n<!-- results:start -->\nold\n<!-- results:end -->\n\nTail text.\n")
    helpers.publish.update_readme_results(results_path, readme)
    text = readme.read_text()
    assert text.startswith("# Title\n") and text.endswith("\n\nTail text.\n") and "old" not in text
    assert "| K-Means on raw pixels | 0.500 | 0.510 | 0.350 | 0.120 | 10 | 0.483 (C) | 0.516 (B), AMI 0.500 (A) |" in text
    assert "C: Thayanithi (University at Buffalo)" in text and "A and B printed NMI under the name accuracy" in text
    assert "480 s on the CPU (processor not recorded)" in text
    assert "seed 0 (a development seed: settings were chosen looking at its runs);" in text
    helpers.publish.update_readme_results(results_path, readme)  # idempotent
    assert readme.read_text() == text
    assert "cache" not in text
    # A run that loaded models says so: its total time is not the time to train them.
    results_path = helpers.publish.write_results({**results, "cache": {"loaded": ["autoencoder", "umap"]}}, results_path)
    helpers.publish.update_readme_results(results_path, readme)
    assert "2 models loaded from the cache, with the fit times of their training" in readme.read_text()
    results_path = helpers.publish.write_results({**results, "parameters": {**results["parameters"], "SEED": 12}}, results_path)
    helpers.publish.update_readme_results(results_path, readme)
    assert "seed 12 (one run; read it beside the benchmark);" in readme.read_text() and "development" not in readme.read_text()


def test_readme_without_markers_is_an_error(tmp_path, results):
    results_path = helpers.publish.write_results(results, tmp_path / "results.json")
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    with pytest.raises(ValueError, match="results:start"):
        helpers.publish.update_readme_results(results_path, readme)


def test_the_summary_compares_the_best_method_with_the_baseline_and_the_submitted_figures(results):
    text = helpers.publish.compare_with_baseline_and_published(results)
    lines = text.splitlines()
    assert lines[0].startswith("Best method of this run by test ACC: AE + GMM_v2 & co, ACC 0.600 and NMI 0.620")
    assert "+0.100 ACC, +0.110 NMI" in lines[0]
    assert any("N2D" in line and "ACC 0.600, below 0.672" in line for line in lines)
    # Each submitted figure against this run's figure of the same metric, the report named.
    assert "K-Means on raw pixels, accuracy after matching: this run 0.500, above 0.483, the figure of report C (Thayanithi)." in lines
    assert ("K-Means on raw pixels, NMI: this run 0.510, below 0.516, the figure of report B (Ghosh) (printed as accuracy)."
            in lines)
    with pytest.raises(ValueError, match="baseline"):
        helpers.publish.compare_with_baseline_and_published(results, baseline="missing")


def _benchmark(**values):
    def summary(acc):
        return {"mean": sum(acc) / len(acc), "std": 0.01, "values": acc}

    return {"seeds": [10, 11, 12, 13, 14], "n_runs": 5, "total_s": summary([600.0, 610.0, 620.0, 630.0, 640.0]),
            "machines": ["Test CPU"], "device": "CPU",
            "methods": {key: {"label": key.upper(), "acc": summary(acc), "nmi": summary(acc)} for key, acc in values.items()}}


def test_a_ranking_follows_each_seed_and_changes_with_one_seed():
    benchmark = _benchmark(a=[0.60, 0.61, 0.62, 0.63, 0.64], b=[0.50, 0.51, 0.52, 0.53, 0.54])
    assert helpers.publish.seed_comparison(benchmark, "a", "b") == {"higher": 5, "lower": 0, "n": 5, "mean_difference": pytest.approx(0.1)}
    assert helpers.publish.describe_seed_comparison(benchmark, "a", "b") == "A has a higher accuracy than B on all 5 seeds (by 0.100 on average)"
    assert helpers.publish.describe_seed_comparison(benchmark, "b", "a").startswith("A has a higher accuracy than B on all 5 seeds")
    benchmark["methods"]["b"]["acc"]["values"][3] = 0.70  # one seed reverses: no ranking any more
    sentence = helpers.publish.describe_seed_comparison(benchmark, "a", "b", labels={"a": "Method a"})
    assert sentence.startswith("Method a and B are not ranked by accuracy: Method a is ahead on 4 of 5 seeds and B on 1")
    assert helpers.publish.best_on_every_seed(benchmark, ["a", "b"]) is None
    benchmark["methods"]["b"]["acc"]["values"][3] = 0.53
    assert helpers.publish.best_on_every_seed(benchmark, ["a", "b"]) == "a"
    with pytest.raises(ValueError, match="no method 'c'"):
        helpers.publish.seed_comparison(benchmark, "a", "c")


def test_the_headline_leads_with_the_seeds_and_ranks_only_what_they_support():
    benchmark = _benchmark(kmeans_raw=[0.48, 0.49, 0.50, 0.47, 0.49], ae_kmeans=[0.57, 0.58, 0.57, 0.58, 0.56],
                           ae_gmm=[0.60, 0.55, 0.57, 0.56, 0.58])
    text = helpers.publish.benchmark_headline(benchmark, {"kmeans_raw": "K-Means on raw pixels"})
    assert "seeds 10, 11, 12, 13, 14, none used in choosing a setting" in text
    assert "- K-Means on raw pixels: **0.486 ± 0.010** (worst seed 0.470 (seed 13)" in text
    assert "AE_GMM and AE_KMEANS are not ranked by accuracy: AE_GMM is ahead on 2 of 5 seeds and AE_KMEANS on 2" in text
    assert "AE_KMEANS has a higher accuracy than K-Means on raw pixels on all 5 seeds" in text
    assert "10.3 ± 0.0 min per run on the CPU (Test CPU)" in text


def test_stops_and_neighbour_purity_are_told_in_words():
    assert helpers.publish.describe_stops({"DEC": False, "IDEC": False}, "5-epoch cap") == "DEC and IDEC both stopped at the 5-epoch cap without converging"
    assert helpers.publish.describe_stops({"DEC": True, "IDEC": False}, "5-epoch cap") == (
        "DEC converged within the 5-epoch cap; IDEC stopped at it without converging")
    assert helpers.publish.describe_stops({"a": True, "b": True, "c": True}, "cap") == "a, b and c all converged within the cap"
    with pytest.raises(ValueError):
        helpers.publish.describe_stops({}, "cap")
    purity = helpers.neighbour_purity(np.array([[1, 2], [0, 2], [0, 1], [2, 0]]), np.array([0, 0, 1, 1]), n_classes=2)
    assert purity.tolist() == [0.5, 0.25]
    with pytest.raises(ValueError, match="outside"):
        helpers.neighbour_purity(np.array([[4]]), np.array([0]), n_classes=2)
    sentence = helpers.publish.describe_neighbour_purity({"Shirt": 0.39, "Coat": 0.51, "Bag": 0.84, "Trouser": 0.92}, 20, 50)
    assert sentence.endswith("lowest for Shirt 39%, Coat 51%, Bag 84% and highest for Trouser 92%, Bag 84%, Coat 51%")


def test_the_submitted_figures_are_kept_under_the_metric_each_really_is():
    assert helpers.publish.submitted_figures("kmeans_raw", "acc") == [("C", 0.483)]
    assert helpers.publish.submitted_figures("kmeans_raw", "nmi") == [("B", 0.516)] and helpers.publish.submitted_figures("kmeans_raw", "ami") == [("A", 0.5)]
    assert helpers.publish.submitted_figures("ae_gmm", "nmi") == [("A", 0.636), ("B", 0.591)]
    assert set(helpers.publish.SUBMITTED_REPORTS) == {"A", "B", "C", "D"} and helpers.publish.SUBMITTED_REPORTS["D"]["affiliation"] == "Unicamp"


def test_the_shared_table_layout_aligns_columns_and_refuses_ragged_rows():
    from helpers.publish._tables import latex_row, latex_table, markdown_table, mean_sd

    assert markdown_table(["a", "b"], "lr", [["x", "1"]]) == ["| a | b |", "|---|---:|", "| x | 1 |"]
    with pytest.raises(ValueError, match="2 cells"):
        markdown_table(["a", "b"], "lr", [["x"]])
    assert latex_row(["Total", "", "", "7"]) == r"Total & & & 7 \\"
    assert mean_sd({"mean": 0.61234, "std": 0.0101}, 3, "markdown") == "0.612 ± 0.010"
    table = latex_table("lr", [latex_row(["a", "b"])], [[["x", "1"]], [["y", "2"]]], caption="C", label="tab:x", size="small",
                        column_sep="3pt", placement="tbp")
    assert table.splitlines() == [
        r"\begin{table}[tbp]", r"\centering", r"\caption{C}", r"\label{tab:x}", r"\small", r"\setlength{\tabcolsep}{3pt}",
        r"\begin{tabular}{lr}",
        r"\toprule", r"a & b \\", r"\midrule", r"x & 1 \\", r"\midrule", r"y & 2 \\", r"\bottomrule", r"\end{tabular}",
        r"\end{table}",
    ]


def test_the_benchmark_aggregates_the_split_asked_for(results):
    import copy

    runs = []
    for seed, shift in ((0, 0.0), (1, 0.1)):
        run = copy.deepcopy(results)
        run["parameters"]["SEED"] = seed
        for row in run["methods"].values():
            row["validation"] = {"acc": 0.3 + shift, "nmi": 0.2, "ari": 0.1}
        runs.append(run)
    validation = helpers.publish.aggregate_benchmark(runs, split="validation")
    assert validation["split"] == "validation" and validation["methods"]["ae_gmm"]["acc"]["values"] == [0.3, 0.4]
    assert helpers.publish.aggregate_benchmark(runs)["methods"]["ae_gmm"]["acc"]["values"] == [0.6, 0.6]
    del runs[1]["methods"]["kmeans_raw"]["validation"]
    with pytest.raises(ValueError, match="kmeans_raw"):
        helpers.publish.aggregate_benchmark(runs, split="validation")
    with pytest.raises(ValueError, match="split"):
        helpers.publish.aggregate_benchmark(runs, split="train")


def test_the_results_table_shows_the_validation_acc_only_for_runs_that_scored_it(results):
    assert "validation ACC" not in helpers.publish.results_table_markdown(results)
    results["methods"]["ae_gmm"]["validation"] = {"acc": 0.5871, "nmi": 0.6, "ari": 0.4}
    table = helpers.publish.results_table_markdown(results).splitlines()
    assert table[0].startswith("| method | ACC | validation ACC | NMI |")
    assert table[2].startswith("| K-Means on raw pixels | 0.500 | - | 0.510 |")
    assert table[3].startswith("| AE + GMM_v2 & co | 0.600 | 0.587 | 0.620 |")


def test_the_confusion_sentence_follows_the_matrix():
    names = ["A", "B", "C"]
    confusion = {"clusters": [4, 7, 9], "classes": [0, 1, 2], "counts": [[90, 10, 0], [30, 60, 10], [0, 70, 30]]}
    assert helpers.publish.describe_confusion(confusion, names) == (
        "A is recovered best (90% of its images in its cluster) and C worst (30%); the largest confusion puts "
        "70% of the C images in the cluster named B, and the cluster named B holds more C images (70) than B images (60)."
    )
    confusion["counts"][2] = [0, 10, 90]  # C now mostly in its own cluster
    sentence = helpers.publish.describe_confusion(confusion, names)
    assert sentence.startswith("A is recovered best (90%") and "B worst (60%)" in sentence and "holds more" not in sentence
    # A class without a cluster of its own recovers 0%; an unmatched cluster is named as such.
    unmatched = {"clusters": [4, 7], "classes": [0, None], "counts": [[10, 0], [2, 8]]}
    assert helpers.publish.describe_confusion(unmatched, ["A", "B"]) == (
        "A is recovered best (100% of its images in its cluster) and B worst (0%); "
        "the largest confusion puts 80% of the B images in the cluster named unmatched cluster 7."
    )
    with pytest.raises(ValueError, match="counts"):
        helpers.publish.describe_confusion({"classes": [0]}, names)


def test_one_run_is_set_beside_the_benchmarks_run_of_its_seed(tmp_path, results):
    benchmark = _benchmark(kmeans_raw=[0.48, 0.49, 0.50, 0.47, 0.49], ae_kmeans=[0.57, 0.58, 0.57, 0.58, 0.56],
                           ae_gmm=[0.60, 0.55, 0.57, 0.56, 0.58])
    run = {**results, "parameters": {**results["parameters"], "SEED": 11},
           "machine": {"processor": "Other CPU", "instruction_sets": ["avx2", "avx512f"], "logical_cpus": 2}}
    sentence = helpers.publish.describe_run_beside_benchmark(run, benchmark)
    # The benchmark's seed-11 scores (second of each list), then this run's, each processor named.
    assert sentence.startswith("The benchmark ran seed 11 on another processor (Test CPU), where the three tasks scored 0.490, 0.550;")
    assert "on this one (Other CPU, 2 logical CPUs, with AVX-512) they score 0.500, 0.600" in sentence
    assert "is not one of the benchmark's" in helpers.publish.describe_run_beside_benchmark({**run, "parameters": {"SEED": 3}}, benchmark)
    results_path = helpers.publish.write_results(run, tmp_path / "results.json")
    benchmark_path = tmp_path / "benchmark.json"
    benchmark_path.write_text(json.dumps(benchmark))
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results:start -->\n<!-- results:end -->\n")
    helpers.publish.update_readme_results(results_path, readme, benchmark_path)
    assert sentence in readme.read_text() and "seed 11 (one run; read it beside the benchmark)" in readme.read_text()


def test_seeds_are_described_in_the_singular_and_the_plural():
    assert helpers.publish.describe_seeds([10]) == "seed 10, not used in choosing a setting"
    assert helpers.publish.describe_seeds([2]) == "seed 2, a development seed, looked at when settings were chosen"
    assert helpers.publish.describe_seeds([10, 11]) == "seeds 10, 11, none used in choosing a setting"
