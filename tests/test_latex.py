"""The report's LaTeX inputs: tables and macros generated from results.json."""


import pytest

import helpers


def test_latex_table_rows_one_run_without_a_benchmark_and_the_submitted_reports_cited(results):
    table = helpers.publish.results_table_latex(results)
    assert r"\begin{tabular}" in table and r"\label{tab:results}" in table
    # Each submitted figure under the metric it is, cited to its report; AMI named as such.
    assert (r"K-Means on raw pixels & 0.500 & 0.510 & 0.483 \citep{thayanithi_submission} & "
            r"0.516 \citep{ghosh_submission}, AMI 0.500 \citep{raykar_submission} \\") in table
    assert r"\multicolumn{2}{c}{One run (seed 0)}" in table
    # Without a benchmark nothing is in bold: one run ranks nothing. LaTeX specials escaped.
    assert r"AE + GMM\_v2 \& co & 0.600 & 0.620 & 0.540 \citep{thayanithi_submission}" in table and r"\textbf" not in table
    assert "10,000 Fashion-MNIST test images" in table and "60,000 training images" in table and "first 54,000" in table


def test_bold_marks_only_a_method_above_the_others_on_every_seed(results):
    def summary(values):
        return {"mean": sum(values) / len(values), "std": 0.01, "values": values}

    benchmark = {"seeds": [10, 11, 12], "n_runs": 3, "methods": {
        "kmeans_raw": {"label": "K-Means on raw pixels", "acc": summary([0.5, 0.45, 0.55]), "nmi": summary([0.5, 0.5, 0.5])},
        "ae_gmm": {"label": "AE + GMM", "acc": summary([0.6, 0.5, 0.56]), "nmi": summary([0.6, 0.6, 0.6])},
    }}
    table = helpers.publish.results_table_latex(results, benchmark)
    assert r"AE + GMM\_v2 \& co & \textbf{0.553\,$\pm$\,0.010}" in table and "bold: above each of the other two tasks on every seed" in table
    benchmark["methods"]["ae_gmm"]["acc"] = summary([0.6, 0.44, 0.56])  # behind the baseline on seed 11
    table = helpers.publish.results_table_latex(results, benchmark)
    assert r"\textbf" not in table and "no task is above each of the other two on every seed" in table


def test_latex_macro_names_are_letters_only():
    assert helpers.publish.latex_macro_name("ae_gmm") == "AeGmm"
    assert helpers.publish.latex_macro_name("kmeans_raw") == "KmeansRaw"
    assert helpers.publish.latex_macro_name("pca_90_kmeans") == "PcaNineZeroKmeans"
    with pytest.raises(ValueError):
        helpers.publish.latex_macro_name("__")


def test_report_macros_quote_the_results(results):
    results = {**results, "autoencoder": {"epochs_run": 42, "parameters": 1075482}, "stages_s": {"autoencoder_fit": 250.4},
               "gmm_selection": {"covariance_type": "full", "n_init": 3},
               "deep_clustering": {"dec": {"converged": False}, "idec": {"converged": True}}}
    macros = helpers.publish.report_macros_latex(results)
    assert r"\newcommand{\DecStopped}{stopped at its epoch cap}" in macros and r"\newcommand{\IdecStopped}{converged}" in macros
    assert r"\newcommand{\GmmInitialisations}{3 initialisations}" in macros and r"\newcommand{\GmmInit}{kmeans}" in macros
    for expected in [r"\newcommand{\AccKmeansRaw}{0.500}", r"\newcommand{\NmiAeGmm}{0.620}",
                     r"\newcommand{\FitAeGmm}{302}", r"\newcommand{\NTest}{10,000}", r"\newcommand{\EpochsRun}{42}",
                     r"\newcommand{\AeParams}{1,075,482}", r"\newcommand{\TotalMinutes}{8.0}",
                     r"\newcommand{\GmmCovariance}{full}", r"\newcommand{\AeFitSeconds}{250}"]:
        assert expected in macros
    machine = {"processor": "Test CPU", "instruction_sets": ["avx2"], "logical_cpus": 2}
    assert r"\newcommand{\Machine}{Test CPU, 2 logical CPUs, AVX2, no AVX-512}" in helpers.publish.report_macros_latex({**results, "machine": machine})


def test_report_macros_quote_the_integer_parameters(results):
    parameters = {**results["parameters"], "FINETUNE_SCAN_EPOCHS": 6, "MAX_SHIFT": 0.1, "QUICK": False, "HIDDEN_UNITS": [512]}
    macros = helpers.publish.report_macros_latex({**results, "parameters": parameters})
    assert r"\newcommand{\ParamFinetuneScanEpochs}{6}" in macros and r"\newcommand{\ParamSeed}{0}" in macros
    # Only integers: a fraction, a flag or a list has no single printable count.
    assert "ParamMaxShift" not in macros and "ParamQuick" not in macros and "ParamHiddenUnits" not in macros


def test_report_macros_quote_the_scan_heads_only_when_recorded(results):
    assert "ScanHeads" not in helpers.publish.report_macros_latex(results)
    macros = helpers.publish.report_macros_latex({**results, "scan_heads": {"test_acc": [0.6, 0.7, 0.5], "chosen": 1}})
    for expected in [r"\newcommand{\ScanHeads}{3}", r"\newcommand{\ScanHeadsAccMin}{0.500}",
                     r"\newcommand{\ScanHeadsAccMax}{0.700}", r"\newcommand{\ScanHeadsAccMean}{0.600}"]:
        assert expected in macros


def test_architecture_table_lists_layers_and_total(results):
    layers = [{"name": "image", "type": "InputLayer", "output_shape": [784], "params": 0},
              {"name": "encoder_1", "type": "Dense", "output_shape": [512], "params": 401920}]
    table = helpers.publish.architecture_table_latex({**results, "autoencoder": {"layers": layers}})
    assert r"encoder\_1 & Dense & 512 & 401,920 \\" in table
    assert r"Total & & & 401,920 \\" in table
    with pytest.raises(ValueError, match="layers"):
        helpers.publish.architecture_table_latex(results)


@pytest.fixture
def results_with_comparisons(results):
    methods = dict(results["methods"])
    methods["pca_80_kmeans"] = {"label": "PCA 80% + K-Means", "acc": 0.49, "nmi": 0.5, "ari": 0.3, "silhouette": 0.2,
                                "fit_s": 1.0, "predict_s": 0.1, "representation_s": 0.5, "group": "comparison"}
    methods["pca_80_gmm"] = {"label": "PCA 80% + GMM", "acc": 0.52, "nmi": 0.55, "ari": 0.36, "silhouette": 0.1,
                             "fit_s": 9.0, "predict_s": 0.1, "representation_s": 0.5, "group": "comparison",
                             "em_iterations": 30, "em_converged": False}
    supervised = {"logreg_raw": {"label": "raw pixels", "acc": 0.844, "fit_s": 24.0}}
    parameters = {**results.get("parameters", {}), "COMPARISON_GMM_MAX_ITER": 30}
    return {**results, "methods": methods, "supervised": supervised, "parameters": parameters}


def test_main_table_keeps_comparisons_out_and_comparison_table_has_them(results_with_comparisons):
    main = helpers.publish.results_table_latex(results_with_comparisons)
    assert "PCA 80" not in main
    compact = helpers.publish.comparisons_table_latex(results_with_comparisons)
    assert r"PCA 80\% + K-Means & 0.490 & 0.500 & 0.200 & 2 \\" in compact
    assert r"K-Means on raw pixels & 0.500 & 0.510 & 0.120 & 10 \\" in compact
    assert r"raw pixels & 0.844 & & & 24 \\" in compact
    assert compact.index("uses the training labels") < compact.index("raw pixels & 0.844")
    # Grouped by representation, each group under its heading, in the order of REPRESENTATIONS; the published figures cited.
    headings = [compact.index(helpers.publish.REPRESENTATIONS[group]) for group in ("raw", "pca")]
    assert headings == sorted(headings) and compact.index("PCA 80") > headings[1] > compact.index("K-Means on raw pixels")
    assert r"N2D~\citep{mcconville2021n2d} & 0.672 & 0.684" in compact and r"DEC, as quoted by N2D~\citep{mcconville2021n2d}" in compact
    assert "Worst" not in compact  # no benchmark given: the run's columns only


def test_the_tables_put_the_benchmark_beside_the_run(results_with_comparisons):
    def summary(values):
        return {"mean": sum(values) / len(values), "std": 0.01, "values": values}

    benchmark = {
        "seeds": [10, 11, 12], "n_runs": 3,
        "methods": {"kmeans_raw": {"label": "K-Means on raw pixels", "acc": summary([0.5, 0.45, 0.55]), "nmi": summary([0.5, 0.5, 0.5])}},
    }
    main = helpers.publish.results_table_latex(results_with_comparisons, benchmark)
    assert r"\multicolumn{3}{c}{3 seeds (10--12)}" in main
    assert r"K-Means on raw pixels & 0.500\,$\pm$\,0.010 & 0.450\,(11) & 0.500\,$\pm$\,0.010 & 0.483" in main
    compact = helpers.publish.comparisons_table_latex(results_with_comparisons, benchmark)
    assert r"10 & 0.500\,$\pm$\,0.010 & 0.450\,(11) & 0.500\,$\pm$\,0.010 \\" in compact
    assert r"PCA 80\% + K-Means & 0.490 & 0.500 & 0.200 & 2 & -- & -- & -- \\" in compact  # not in the benchmark


def test_each_row_is_grouped_by_the_representation_it_clusters():
    assert [helpers.publish.representation_of(key, {}) for key in ("kmeans_raw", "pca_95_gmm", "ae_ward", "conv_gmm", "umap")] == [
        "raw", "pca", "ae", "conv", "other"]
    assert helpers.publish.representation_of("ae_kmeans", {"group": "beyond"}) == "beyond"


def test_comparison_macros_and_files(tmp_path, results_with_comparisons):
    macros = helpers.publish.report_macros_latex(results_with_comparisons)
    assert r"\newcommand{\SilhKmeansRaw}{0.120}" in macros
    assert r"\newcommand{\AccPcaEightZeroKmeans}{0.490}" in macros
    assert r"\newcommand{\SupAccLogregRaw}{0.844}" in macros
    assert r"\newcommand{\EmIterationsPcaEightZeroGmm}{30}" in macros
    assert r"\newcommand{\EmConvergedPcaEightZeroGmm}{not converged}" in macros
    assert r"\newcommand{\ComparisonGmmMaxIter}{30}" in macros
    assert "EmIterationsPcaEightZeroKmeans" not in macros
    results_path = helpers.publish.write_results(results_with_comparisons, tmp_path / "results.json")
    written = helpers.publish.write_report_inputs(results_path, tmp_path / "report")
    assert "comparisons.tex" in [p.name for p in written]
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results:start -->\n<!-- results:end -->\n")
    helpers.publish.update_readme_results(results_path, readme)
    assert "| raw pixels | 0.844 | 24 |" in readme.read_text()


def test_write_report_inputs_writes_the_three_files(tmp_path, results):
    results = {**results, "autoencoder": {"layers": [{"name": "code", "type": "Dense", "output_shape": [10], "params": 2570}],
                                          "epochs_run": 3, "parameters": 2570}}
    results_path = helpers.publish.write_results(results, tmp_path / "results.json")
    written = helpers.publish.write_report_inputs(results_path, tmp_path / "report")
    assert sorted(p.name for p in written) == ["architecture.tex", "macros.tex", "results.tex"]
    assert "0.600" in (tmp_path / "report" / "results.tex").read_text()
