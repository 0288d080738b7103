"""Results export: JSON, the LaTeX table, the README block; the remaining plots."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

import helpers


@pytest.fixture
def results():
    return {
        "methods": {
            "kmeans_raw": {"label": "K-Means on raw pixels", "acc": 0.5, "nmi": 0.51, "ari": 0.35,
                           "fit_s": 10.0, "predict_s": 0.1, "representation_s": 0.0, "silhouette": 0.12,
                           "y_pred": np.array([1, 2]), "published": {"acc": "0.48", "nmi": "0.50--0.52"}},
            "ae_gmm": {"label": "AE + GMM_v2 & co", "acc": 0.6, "nmi": np.float64(0.62), "ari": 0.45,
                       "fit_s": 2.0, "predict_s": 0.1, "representation_s": 300.0},
        },
        "parameters": {"n_train": 60000, "n_test": 10000, "SEED": 0},
        "total_s": 480.2, "device": "CPU", "peak_memory_gib": 3.2, "created": "2026-11-23",
    }


def test_write_results_is_json_without_predictions(tmp_path, results):
    path = helpers.write_results(results, tmp_path / "out" / "results.json")
    loaded = json.loads(path.read_text())
    assert "y_pred" not in loaded["methods"]["kmeans_raw"]
    assert loaded["methods"]["ae_gmm"]["nmi"] == 0.62
    assert not list(tmp_path.glob("out/*.tmp"))


def test_write_results_rejects_empty_methods(tmp_path):
    with pytest.raises(ValueError, match="methods"):
        helpers.write_results({"methods": {}}, tmp_path / "r.json")


def test_latex_table_rows_bold_best_and_escaping(results):
    table = helpers.results_table_latex(results)
    assert r"\begin{tabular}" in table and r"\label{tab:results}" in table
    assert r"K-Means on raw pixels & 0.500 & 0.510 & 0.350 & 10.0 & 0.48 & 0.50--0.52 \\" in table
    # Fit time includes the autoencoder; best values in bold; LaTeX specials escaped.
    assert r"AE + GMM\_v2 \& co & \textbf{0.600} & \textbf{0.620} & \textbf{0.450} & 302.0 & -- & -- \\" in table
    assert "10,000 Fashion-MNIST test images" in table and "60,000 training images" in table


def test_readme_block_is_replaced_and_the_rest_kept(tmp_path, results):
    results_path = helpers.write_results(results, tmp_path / "results.json")
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n<!-- results:start -->\nold\n<!-- results:end -->\n\nTail text.\n")
    helpers.update_readme_results(results_path, readme)
    text = readme.read_text()
    assert text.startswith("# Title\n") and text.endswith("\n\nTail text.\n") and "old" not in text
    assert "| K-Means on raw pixels | 0.500 | 0.510 | 0.350 | 0.120 | 10 | 0.48 | 0.50-0.52 |" in text
    assert "480 s on the CPU (processor not recorded)" in text
    helpers.update_readme_results(results_path, readme)  # idempotent
    assert readme.read_text() == text
    assert "cache" not in text
    # A run that loaded models says so: its total time is not the time to train them.
    results_path = helpers.write_results({**results, "cache": {"loaded": ["autoencoder", "umap"]}}, results_path)
    helpers.update_readme_results(results_path, readme)
    assert "2 models loaded from the cache, with the fit times of their training" in readme.read_text()


def test_readme_without_markers_is_an_error(tmp_path, results):
    results_path = helpers.write_results(results, tmp_path / "results.json")
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n")
    with pytest.raises(ValueError, match="results:start"):
        helpers.update_readme_results(results_path, readme)


def test_image_grid_and_reconstructions():
    images = np.random.default_rng(0).integers(0, 255, size=(40, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 4)
    fig = helpers.plot_image_grid(images, labels, per_class=3)
    assert len(fig.axes) == 30
    assert [fig.axes[3 * row].get_ylabel() for row in range(10)] == list(helpers.CLASS_NAMES)
    with pytest.raises(ValueError, match="fewer than per_class"):
        helpers.plot_image_grid(images, labels, per_class=5)
    flat = images.reshape(40, -1) / 255.0
    fig = helpers.plot_reconstructions(flat, flat, n=4)
    assert len(fig.axes) == 8 and fig.axes[0].get_ylabel() == "original" and fig.axes[4].get_ylabel() == "decoded"
    with pytest.raises(ValueError, match="same shape"):
        helpers.plot_reconstructions(flat, flat[:, :10], n=4)
    plt.close("all")


def test_elbow_bic_and_embedding_plots():
    ax = helpers.plot_elbow([2, 3, 4], [30.0, 20.0, 15.0])
    assert ax.get_lines()[0].get_ydata().tolist() == [30.0, 20.0, 15.0]
    with pytest.raises(ValueError):
        helpers.plot_elbow([2, 3], [1.0])
    ax = helpers.plot_bic({"full": {1: 10.0, 3: 9.0}, "diag": {1: 20.0, 3: 19.0}})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["full", "diag"]
    assert sorted(p.get_height() for p in ax.patches) == [9.0, 10.0, 19.0, 20.0]
    embedding = np.random.default_rng(0).normal(size=(20, 2))
    y = np.repeat(np.arange(10), 2)
    fig = helpers.plot_embedding(embedding, y, (y + 1) % 10)
    # Matched clusters take their class's colour: both panels draw the same groups.
    left, right = fig.axes[0].collections, fig.axes[1].collections
    assert [c.get_offsets().tolist() for c in left] == [c.get_offsets().tolist() for c in right]
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        helpers.plot_embedding(embedding[:, :1], y, y)
    plt.close("all")


def test_latex_macro_names_are_letters_only():
    assert helpers.latex_macro_name("ae_gmm") == "AeGmm"
    assert helpers.latex_macro_name("kmeans_raw") == "KmeansRaw"
    assert helpers.latex_macro_name("pca_90_kmeans") == "PcaNineZeroKmeans"
    with pytest.raises(ValueError):
        helpers.latex_macro_name("__")


def test_report_macros_quote_the_results(results):
    results = {**results, "autoencoder": {"epochs_run": 42, "parameters": 1075482}, "stages_s": {"autoencoder_fit": 250.4},
               "gmm_selection": {"covariance_type": "full", "n_init": 3}}
    macros = helpers.report_macros_latex(results)
    for expected in [r"\newcommand{\AccKmeansRaw}{0.500}", r"\newcommand{\NmiAeGmm}{0.620}",
                     r"\newcommand{\FitAeGmm}{302}", r"\newcommand{\NTest}{10,000}", r"\newcommand{\EpochsRun}{42}",
                     r"\newcommand{\AeParams}{1,075,482}", r"\newcommand{\TotalMinutes}{8.0}",
                     r"\newcommand{\GmmCovariance}{full}", r"\newcommand{\AeFitSeconds}{250}"]:
        assert expected in macros
    machine = {"processor": "Test CPU", "instruction_sets": ["avx2"], "logical_cpus": 2}
    assert r"\newcommand{\Machine}{Test CPU, 2 logical CPUs, AVX2, no AVX-512}" in helpers.report_macros_latex({**results, "machine": machine})


def test_report_macros_quote_the_integer_parameters(results):
    parameters = {**results["parameters"], "FINETUNE_SCAN_EPOCHS": 6, "MAX_SHIFT": 0.1, "QUICK": False, "HIDDEN_UNITS": [512]}
    macros = helpers.report_macros_latex({**results, "parameters": parameters})
    assert r"\newcommand{\ParamFinetuneScanEpochs}{6}" in macros and r"\newcommand{\ParamSeed}{0}" in macros
    # Only integers: a fraction, a flag or a list has no single printable count.
    assert "ParamMaxShift" not in macros and "ParamQuick" not in macros and "ParamHiddenUnits" not in macros


def test_report_macros_quote_the_scan_heads_only_when_recorded(results):
    assert "ScanHeads" not in helpers.report_macros_latex(results)
    macros = helpers.report_macros_latex({**results, "scan_heads": {"test_acc": [0.6, 0.7, 0.5], "chosen": 1}})
    for expected in [r"\newcommand{\ScanHeads}{3}", r"\newcommand{\ScanHeadsAccMin}{0.500}",
                     r"\newcommand{\ScanHeadsAccMax}{0.700}", r"\newcommand{\ScanHeadsAccMean}{0.600}"]:
        assert expected in macros


def test_architecture_table_lists_layers_and_total(results):
    layers = [{"name": "image", "type": "InputLayer", "output_shape": [784], "params": 0},
              {"name": "encoder_1", "type": "Dense", "output_shape": [512], "params": 401920}]
    table = helpers.architecture_table_latex({**results, "autoencoder": {"layers": layers}})
    assert r"encoder\_1 & Dense & 512 & 401,920 \\" in table
    assert r"Total & & & 401,920 \\" in table
    with pytest.raises(ValueError, match="layers"):
        helpers.architecture_table_latex(results)


def test_write_report_inputs_writes_the_three_files(tmp_path, results):
    results = {**results, "autoencoder": {"layers": [{"name": "code", "type": "Dense", "output_shape": [10], "params": 2570}],
                                          "epochs_run": 3, "parameters": 2570}}
    results_path = helpers.write_results(results, tmp_path / "results.json")
    written = helpers.write_report_inputs(results_path, tmp_path / "report")
    assert sorted(p.name for p in written) == ["architecture.tex", "macros.tex", "results.tex"]
    assert "0.600" in (tmp_path / "report" / "results.tex").read_text()


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
    main = helpers.results_table_latex(results_with_comparisons)
    assert "PCA 80" not in main
    compact = helpers.comparisons_table_latex(results_with_comparisons)
    assert r"PCA 80\% + K-Means & 0.490 & 0.500 & 0.300 & 0.200 & 1.5 \\" in compact
    assert r"K-Means on raw pixels & 0.500 & 0.510 & 0.350 & 0.120 & 10.0 \\" in compact
    assert r"raw pixels & 0.844 & & & & 24.0 \\" in compact
    assert compact.index("uses labels") < compact.index("raw pixels & 0.844")


def test_comparison_macros_and_files(tmp_path, results_with_comparisons):
    macros = helpers.report_macros_latex(results_with_comparisons)
    assert r"\newcommand{\SilhKmeansRaw}{0.120}" in macros
    assert r"\newcommand{\AccPcaEightZeroKmeans}{0.490}" in macros
    assert r"\newcommand{\SupAccLogregRaw}{0.844}" in macros
    assert r"\newcommand{\EmIterationsPcaEightZeroGmm}{30}" in macros
    assert r"\newcommand{\EmConvergedPcaEightZeroGmm}{not converged}" in macros
    assert r"\newcommand{\ComparisonGmmMaxIter}{30}" in macros
    assert "EmIterationsPcaEightZeroKmeans" not in macros
    results_path = helpers.write_results(results_with_comparisons, tmp_path / "results.json")
    written = helpers.write_report_inputs(results_path, tmp_path / "report")
    assert "comparisons.tex" in [p.name for p in written]
    readme = tmp_path / "README.md"
    readme.write_text("<!-- results:start -->\n<!-- results:end -->\n")
    helpers.update_readme_results(results_path, readme)
    assert "| raw pixels | 0.844 | 24 |" in readme.read_text()


def test_explained_variance_plot_marks_each_level():
    ratios = np.array([0.5, 0.25, 0.15, 0.1])
    ax = helpers.plot_explained_variance(ratios, (0.75, 0.9))
    curve = ax.get_lines()[0]
    assert curve.get_ydata().tolist() == pytest.approx([0.5, 0.75, 0.9, 1.0])
    assert [t.get_text() for t in ax.texts] == ["75%: 2", "90%: 3"]
    plt.close("all")


def test_machine_info_reads_the_first_processor_and_its_recorded_instruction_sets(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni\n\n"
        "processor\t: 1\nmodel name\t: Other CPU\nflags\t\t: fpu\n"
    )
    info = helpers.machine_info(cpuinfo)
    assert info["processor"] == "Test CPU 9000"
    assert info["instruction_sets"] == ["avx2", "fma", "avx512f", "avx512_vnni"]
    assert info["logical_cpus"] >= 1


def test_machine_info_without_a_processor_description_leaves_instruction_sets_unknown(tmp_path):
    info = helpers.machine_info(tmp_path / "missing")
    assert info["instruction_sets"] is None and isinstance(info["processor"], str)


@pytest.mark.parametrize("instruction_sets, expected", [
    (["avx", "avx2", "fma", "avx512f"], "Test CPU, 4 logical CPUs, with AVX-512"),
    (["avx", "avx2", "fma"], "Test CPU, 4 logical CPUs, AVX2, no AVX-512"),
    (["avx"], "Test CPU, 4 logical CPUs, no AVX2"),
    (None, "Test CPU, 4 logical CPUs, instruction sets unknown"),
])
def test_describe_machine_names_the_vector_instructions(instruction_sets, expected):
    machine = {"processor": "Test CPU", "instruction_sets": instruction_sets, "logical_cpus": 4}
    assert helpers.describe_machine(machine) == expected
    assert helpers.describe_machine(None) == "processor not recorded"
