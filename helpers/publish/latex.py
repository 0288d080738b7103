"""The report's LaTeX inputs (tables and macros) generated from the results, checked, and the PDF's build."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._rows import em_state, methods_of
from ..data import TEST_SIZE, TRAIN_SIZE, VALIDATION_FRACTION
from ..metrics import SILHOUETTE_SAMPLE_SIZE
from ..study.environment import describe_machine
from ._tables import latex_row, latex_table, mean_sd, worst_seed
from .reporting import (
    PUBLISHED_DEEP_CLUSTERING, SUBMITTED_FIGURES, SUBMITTED_REPORTS, best_on_every_seed, budget_verdict, describe_confusion,
    PROSE_NAMES, describe_neighbour_purity, describe_run_beside_benchmark, describe_seed_comparison, describe_seeds, describe_stops, submitted_figures_cell,
    total_fit_seconds, describe_benchmark_machines,
)

__all__ = [
    "benchmark_macros_latex", "results_table_latex", "REPRESENTATIONS", "representation_of", "latex_macro_name",
    "report_macros_latex", "architecture_table_latex", "comparisons_table_latex", "write_report_inputs",
    "ReportInputError", "REPORT_METHOD_FIELDS", "REPORT_SECTION_FIELDS", "REPORT_SOURCES", "check_report_results",
    "build_report", "REPORT_RANKINGS",
]

#: The pairs of methods whose ranking over the benchmark's seeds the report states (``\Rank<First>Vs<Second>``).
REPORT_RANKINGS = (
    ("ae_kmeans", "kmeans_raw"), ("ae_gmm", "kmeans_raw"), ("ae_gmm", "ae_kmeans"), ("pca_95_kmeans", "ae_kmeans"),
    ("conv_kmeans", "ae_kmeans"), ("n2d", "ae_gmm"), ("scan", "n2d"), ("scan_finetune", "scan"), ("scan_refined", "scan_finetune"),
    ("scan_retrained", "scan_finetune"), ("dec", "ae_kmeans"), ("idec", "ae_kmeans"),
)


def benchmark_macros_latex(
    benchmark: Mapping[str, Any], labels: Mapping[str, str] | None = None, run: Mapping[str, Any] | None = None
) -> str:
    r"""``\newcommand`` definitions of the benchmark's figures for the report's text.

    Per method: ``\BenchAcc<Name>``, ``\BenchNmi<Name>`` (mean, 3 decimals)
    and ``\BenchAccSd<Name>``, ``\BenchNmiSd<Name>`` (standard deviation),
    ``\BenchAccWorst<Name>`` (the worst seed's) and, where the runs scored the
    validation split, ``\BenchValAcc<Name>`` (its mean);
    run-wide ``\BenchBestMethod`` (the label of the highest mean ACC) and ``\BenchBestKey`` (its
    ``<Name>``), ``\BenchRuns``, ``\BenchSeeds`` (:func:`describe_seeds`), ``\BenchMinutes`` (mean notebook time),
    ``\BenchSlowestMinutes`` (the slowest run's), ``\BenchMachines`` (the runs'
    processors, :func:`describe_machine`) and ``\BenchBudgetVerdict``
    (:func:`budget_verdict` against :data:`TIME_BUDGET_MINUTES`); where
    recorded, the SCAN heads' mean test accuracies ``\BenchScanMostAgreeingAcc``,
    ``\BenchScanMeanHeadAcc``, ``\BenchScanBestHeadAcc``, ``\BenchScanWorstHeadAcc``; ``\BenchMinutesSd``; and
    per pair of :data:`REPORT_RANKINGS` present, ``\Rank<First>Vs<Second>``: a sentence ranking the two by
    accuracy only as far as the seeds agree (:func:`describe_seed_comparison`), the methods named by
    :data:`PROSE_NAMES` (else as in ``labels``, today's results); with ``run`` (one run's results), ``\BenchBesideRun``:
    its three tasks beside the benchmark's run of the same seed, and the two processors.
    """
    lines = [r"% Generated from a benchmark.json by helpers.publish.write_report_inputs; do not edit."]
    for key, row in methods_of(benchmark).items():
        name = latex_macro_name(key)
        for metric in ("acc", "nmi"):
            label = metric.capitalize()
            lines.append(rf"\newcommand{{\Bench{label}{name}}}{{{row[metric]['mean']:.3f}}}")
            lines.append(rf"\newcommand{{\Bench{label}Sd{name}}}{{{row[metric]['std']:.3f}}}")
        lines.append(rf"\newcommand{{\BenchAccWorst{name}}}{{{min(row['acc']['values']):.3f}}}")
        if "validation" in row:
            lines.append(rf"\newcommand{{\BenchValAcc{name}}}{{{row['validation']['acc']['mean']:.3f}}}")
    best_key, best = max(methods_of(benchmark).items(), key=lambda item: item[1]["acc"]["mean"])
    lines.append(rf"\newcommand{{\BenchBestMethod}}{{{_latex_escape(PROSE_NAMES.get(best_key, (labels or {}).get(best_key, best['label'])))}}}")
    lines.append(rf"\newcommand{{\BenchBestKey}}{{{latex_macro_name(best_key)}}}")
    lines.append(rf"\newcommand{{\BenchRuns}}{{{benchmark['n_runs']}}}")
    lines.append(rf"\newcommand{{\BenchSeeds}}{{{_latex_escape(describe_seeds(benchmark['seeds']))}}}")
    lines.append(rf"\newcommand{{\BenchMinutes}}{{{benchmark['total_s']['mean'] / 60:.1f}}}")
    lines.append(rf"\newcommand{{\BenchMinutesSd}}{{{benchmark['total_s']['std'] / 60:.1f}}}")
    if run is not None:
        lines.append(rf"\newcommand{{\BenchBesideRun}}{{{_latex_escape(describe_run_beside_benchmark(run, benchmark))}}}")
    for first, second in REPORT_RANKINGS:
        if first in methods_of(benchmark) and second in methods_of(benchmark):
            sentence = _latex_escape(describe_seed_comparison(benchmark, first, second, labels=PROSE_NAMES))
            lines.append(rf"\newcommand{{\Rank{latex_macro_name(first)}Vs{latex_macro_name(second)}}}{{{sentence}}}")
    run_minutes = [seconds / 60 for seconds in benchmark["total_s"]["values"]]
    lines.append(rf"\newcommand{{\BenchSlowestMinutes}}{{{max(run_minutes):.1f}}}")
    lines.append(rf"\newcommand{{\BenchMachines}}{{{_latex_escape(describe_benchmark_machines(benchmark))}}}")
    lines.append(rf"\newcommand{{\BenchBudgetVerdict}}{{{budget_verdict(run_minutes)}}}")
    for which, summary in (benchmark.get("scan_heads") or {}).items():
        if which != "n_heads":
            name = latex_macro_name(which)
            lines.append(rf"\newcommand{{\BenchScan{name}Acc}}{{{summary['mean']:.3f}}}")
    return "\n".join(lines) + "\n"


def _latex_escape(text: str) -> str:
    for char, replacement in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#")):
        text = text.replace(char, replacement)
    return text.replace("±", r"$\pm$")


def _cite_submission(report: str) -> str:
    return rf"\citep{{{SUBMITTED_REPORTS[report]['cite']}}}"


def _training_images_sentence(results: Mapping[str, Any]) -> str:
    """Which training images fit the models: all of them, the autoencoders those before the validation split."""
    parameters = results.get("parameters") or {}
    n_train = parameters.get("n_train", TRAIN_SIZE)
    n_fit = n_train - round(n_train * VALIDATION_FRACTION)
    return (f"Models are fitted without labels on the {n_train:,} training images; the autoencoders train on the first "
            f"{n_fit:,} of them, the last {VALIDATION_FRACTION:.0%} being the validation split.").replace("%", r"\%")


def results_table_latex(results: Mapping[str, Any], benchmark: Mapping[str, Any] | None = None) -> str:
    """A booktabs LaTeX table of the assignment's methods in ``results["methods"]``.

    Rows whose ``group`` is other than ``"assignment"`` (the default) are left
    to :func:`comparisons_table_latex`.

    Columns: method; with a ``benchmark``, the mean ± sd of ACC, the worst
    seed's ACC and the mean ± sd of NMI over its seeds (the mean ACC in bold
    for a method above each of the others on every seed,
    :func:`best_on_every_seed`, if there is one), else this one run's ACC and
    NMI; then the
    submitted reports' figures (:data:`SUBMITTED_FIGURES`), each under the metric it
    really is, with its citation.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results` (or read back from it).
    benchmark : mapping, optional
        As written by ``benchmark.py`` (:func:`aggregate_benchmark`).

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:results``.
    """
    methods = {k: row for k, row in methods_of(results).items() if row.get("group", "assignment") == "assignment"}
    parameters = results.get("parameters") or {}
    n_test = parameters.get("n_test", TEST_SIZE)
    seeds = _benchmark_seeds(benchmark)
    in_benchmark = bool(benchmark) and all(key in methods_of(benchmark) for key in methods)
    best = best_on_every_seed(benchmark, list(methods)) if in_benchmark else None
    rows = []
    for key, row in methods.items():
        # With a benchmark, its seeds are the figures; one run's are in the comparisons table.
        scores = _benchmark_cells(benchmark, key, ("acc", "nmi"), worst=True) if benchmark else [f"{row['acc']:.3f}", f"{row['nmi']:.3f}"]
        if benchmark and key == best:
            scores[0] = rf"\textbf{{{scores[0]}}}"
        rows.append([
            _latex_escape(row["label"]), *scores, submitted_figures_cell(key, "acc", _cite_submission), submitted_figures_cell(key, "nmi", _cite_submission),
        ])
    spans = [(seeds, 3) if benchmark else ("One run " + _run_seed(results), 2), ("Submitted reports", 2)]
    names = ["Method", *(["ACC", "Worst", "NMI"] if benchmark else ["ACC", "NMI"]), "ACC", "NMI"]
    caption = (
        f"The assignment's three tasks on the {n_test:,} Fashion-MNIST test images. {_training_images_sentence(results)} "
        "ACC is accuracy after Hungarian matching of clusters to classes; Table~\\ref{tab:comparisons} gives one run's scores and fit times."
        + (f" {seeds}: mean\\,$\\pm$\\,standard deviation and the worst seed's ACC (the seed in brackets), every model trained afresh for each seed; "
           + ("bold: above each of the other two tasks on every seed." if best else "no bold: no task is above each of the other two on every seed.")
           if benchmark else "")
        + " Submitted reports: the accuracy after matching printed by " + _cite_submission("C")
        + "; the NMI that " + _cite_submission("B") + " and " + _cite_submission("A")
        + " printed under the name accuracy (for K-Means on the pixels, " + _cite_submission("A") + " printed the adjusted mutual information, AMI)."
    )
    return latex_table("l" + "r" * (len(names) - 3) + "ll", _spanning_header(spans, names), [rows], caption=caption, label="tab:results", size="footnotesize", column_sep="2.5pt", placement="!hb")


def _run_seed(results: Mapping[str, Any]) -> str:
    """``"(seed 10)"``, or ``""`` where the results do not record their seed."""
    seed = (results.get("parameters") or {}).get("SEED")
    return "" if seed is None else f"(seed {seed})"


def _benchmark_seeds(benchmark: Mapping[str, Any] | None) -> str:
    """``"5 seeds (10--14)"``: the benchmark's columns' heading; ``""`` without a benchmark."""
    if not benchmark:
        return ""
    seeds = benchmark["seeds"]
    consecutive = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    listed = f"{seeds[0]}--{seeds[-1]}" if consecutive and len(seeds) > 2 else ", ".join(map(str, seeds))
    return f"{benchmark['n_runs']} seeds ({listed})"


def _benchmark_cells(benchmark: Mapping[str, Any] | None, key: str, metrics: Sequence[str], worst: bool = False) -> list[str]:
    """Mean ± sd of each metric over the benchmark's seeds (after ACC, the worst seed's, if ``worst``); ``--`` where absent."""
    if not benchmark:
        return []
    row = methods_of(benchmark).get(key)
    cells = []
    for metric in metrics:
        cells.append(mean_sd(row[metric], 3, "latex") if row else "--")
        if worst and metric == "acc":
            cells.append(worst_seed(row["acc"], benchmark["seeds"], 3, "latex") if row else "--")
    return cells


def _spanning_header(spans: Sequence[tuple[str, int]], names: Sequence[str]) -> list[str]:
    r"""A two-line header: ``spans`` (title, number of columns) over every column but the first, with ``\cmidrule``\ s, then ``names``."""
    cells, rules, start = [""], [], 2
    for title, width in spans:
        cells.append(rf"\multicolumn{{{width}}}{{c}}{{{title}}}")
        rules.append(rf"\cmidrule(lr){{{start}-{start + width - 1}}}")
        start += width
    return [latex_row(cells), "".join(rules), latex_row(list(names))]


_DIGIT_WORDS = ("Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def latex_macro_name(key: str) -> str:
    """A LaTeX-safe CamelCase name (letters only) for a results key.

    ``"ae_gmm"`` gives ``"AeGmm"``; digits are spelled out (``"pca_90"`` gives
    ``"PcaNineZero"``), since LaTeX command names hold letters only.
    """
    spelled = "".join(_DIGIT_WORDS[int(ch)] + "_" if ch.isdigit() else ch for ch in key)
    name = "".join(part[:1].upper() + part[1:] for part in spelled.split("_") if part)
    name = "".join(ch for ch in name if ch.isascii() and ch.isalpha())
    if not name:
        raise ValueError(f"cannot make a LaTeX macro name from {key!r}")
    return name


def report_macros_latex(results: Mapping[str, Any]) -> str:
    r"""``\newcommand`` definitions of every number the report's text quotes.

    Per method (CamelCase of its key, see :func:`latex_macro_name`):
    ``\Acc<Name>``, ``\Nmi<Name>``, ``\Ari<Name>`` (3 decimals) and
    ``\Fit<Name>`` (seconds, including the autoencoder), ``\Silh<Name>`` where
    a silhouette was computed, ``\EmIterations<Name>`` and ``\EmConverged<Name>``
    where an EM run was recorded (see :func:`em_convergence`), ``\Confusion<Name>`` (a sentence on its
    confusion matrix, :func:`describe_confusion`) where one was stored; ``\SupAcc<Name>`` per supervised reference. Run-wide: ``\NTrain``,
    ``\NTest``, ``\Seed``, ``\Param<Name>`` for each integer notebook parameter
    (``SCAN_EPOCHS`` gives ``\ParamScanEpochs``), ``\Device``, ``\ComparisonGmmMaxIter`` (if set), ``\TotalMinutes``, ``\PeakMemoryGiB``,
    ``\NAutoencoderTrain`` (the training images before the validation split), each submitted report's figures
    ``\Submitted<Metric><Name><Report>`` (:data:`SUBMITTED_FIGURES`) and, where present, the autoencoder's
    ``\EpochsRun``, ``\AeParams``, ``\AeFitSeconds``, ``\AeFinalLoss``, ``\AeFinalValLoss`` and ``\AeBestValLoss``,
    the GMM's ``\GmmCovariance``, ``\GmmNInit``, ``\GmmInitialisations`` (in words) and ``\GmmInit``,
    the deep-clustering runs' ``\DecStopped`` and ``\IdecStopped`` ("converged" or "stopped at its epoch cap") and
    ``\DeepClusteringStops`` (:func:`describe_stops`), the capped comparison GMMs' ``\ComparisonEmStops``,
    ``\NeighbourPurity`` (:func:`describe_neighbour_purity`), and the SCAN heads' ``\ScanHeads`` (count) and
    ``\ScanHeadsAccMin``, ``\ScanHeadsAccMax``, ``\ScanHeadsAccMean`` (the single heads' test accuracies).

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.

    Returns
    -------
    str
    """
    methods = methods_of(results)
    macros: dict[str, str] = {}
    for key, row in methods.items():
        name = latex_macro_name(key)
        macros[f"Acc{name}"] = f"{row['acc']:.3f}"
        macros[f"Nmi{name}"] = f"{row['nmi']:.3f}"
        macros[f"Ari{name}"] = f"{row['ari']:.3f}"
        macros[f"Fit{name}"] = f"{total_fit_seconds(row):.0f}"
        if "silhouette" in row:
            macros[f"Silh{name}"] = f"{row['silhouette']:.3f}"
        if "em_iterations" in row:
            macros[f"EmIterations{name}"] = str(row["em_iterations"])
            macros[f"EmConverged{name}"] = em_state(row)
        if "confusion" in row:
            macros[f"Confusion{name}"] = describe_confusion(row["confusion"])
    for key, row in (results.get("supervised") or {}).items():
        macros[f"SupAcc{latex_macro_name(key)}"] = f"{row['acc']:.3f}"
    for report, key, metric, value in SUBMITTED_FIGURES:  # e.g. \SubmittedAccAeGmmC: what report C printed
        macros[f"Submitted{metric.capitalize()}{latex_macro_name(key)}{report}"] = f"{value:.3f}"
    parameters = results.get("parameters") or {}
    macros["NTrain"] = f"{parameters.get('n_train', TRAIN_SIZE):,}"
    macros["NTest"] = f"{parameters.get('n_test', TEST_SIZE):,}"
    macros["Seed"] = str(parameters.get("SEED", "?"))
    for key, value in parameters.items():  # e.g. SCAN_EPOCHS gives \ParamScanEpochs, so the text follows the run
        if isinstance(value, int) and not isinstance(value, bool):
            macros[f"Param{latex_macro_name(key.lower())}"] = str(value)
    macros["Device"] = str(results.get("device", "?"))
    macros["Machine"] = _latex_escape(describe_machine(results.get("machine")))
    if "COMPARISON_GMM_MAX_ITER" in parameters:
        macros["ComparisonGmmMaxIter"] = str(parameters["COMPARISON_GMM_MAX_ITER"])
    if "total_s" in results:
        macros["TotalMinutes"] = f"{results['total_s'] / 60:.1f}"
    if "peak_memory_gib" in results:
        macros["PeakMemoryGiB"] = f"{results['peak_memory_gib']:.1f}"
    n_train = parameters.get("n_train", TRAIN_SIZE)
    macros["NAutoencoderTrain"] = f"{n_train - round(n_train * VALIDATION_FRACTION):,}"
    autoencoder = results.get("autoencoder") or {}
    if autoencoder:
        macros["EpochsRun"] = str(autoencoder["epochs_run"])
        macros["AeParams"] = f"{autoencoder['parameters']:,}"
        history = autoencoder.get("history") or {}
        if history.get("loss") and history.get("val_loss"):
            macros["AeFinalLoss"] = f"{history['loss'][-1]:.4f}"
            macros["AeFinalValLoss"] = f"{history['val_loss'][-1]:.4f}"
            macros["AeBestValLoss"] = f"{min(history['val_loss']):.4f}"
    stages = results.get("stages_s") or {}
    if "fit_s" in autoencoder:  # the training time, also when this run loaded the model from the cache
        macros["AeFitSeconds"] = f"{autoencoder['fit_s']:.0f}"
    elif "autoencoder" in stages or "autoencoder_fit" in stages:  # the stage's name before and after helpers.study.Study
        macros["AeFitSeconds"] = f"{stages.get('autoencoder', stages.get('autoencoder_fit')):.0f}"
    gmm = results.get("gmm_selection") or {}
    if gmm:
        macros["GmmCovariance"] = str(gmm["covariance_type"])
        macros["GmmNInit"] = str(gmm["n_init"])
        macros["GmmInitialisations"] = "one initialisation" if gmm["n_init"] == 1 else f"{gmm['n_init']} initialisations"
        # Runs before the initialisation became a setting used scikit-learn's default, a whole K-Means.
        macros["GmmInit"] = gmm.get("init_params", "kmeans")
    deep_clustering = results.get("deep_clustering") or {}
    for key, info in deep_clustering.items():
        # DEC and IDEC stop once few assignments change, or at their epoch cap: the text says which.
        macros[f"{latex_macro_name(key)}Stopped"] = "converged" if info["converged"] else "stopped at its epoch cap"
    if deep_clustering and "DEC_MAX_EPOCHS" in parameters:
        stops = {key.upper(): info["converged"] for key, info in deep_clustering.items()}
        macros["DeepClusteringStops"] = describe_stops(stops, f"{parameters['DEC_MAX_EPOCHS']}-epoch cap")
    capped = {key: row for key, row in methods.items() if row.get("group") == "comparison" and "em_converged" in row}
    if capped and "COMPARISON_GMM_MAX_ITER" in parameters:
        # "PCA 80%" for pca_80_gmm, "conv. codes" for conv_gmm: the representation each capped GMM clustered.
        stops = {("PCA " + key.split("_")[1] + "%") if key.startswith("pca_") else "conv. codes" if key.startswith("conv") else row["label"]:
                 row["em_converged"] for key, row in capped.items()}
        macros["ComparisonEmStops"] = describe_stops(stops, f"{parameters['COMPARISON_GMM_MAX_ITER']} EM iterations")
    purity = results.get("neighbour_purity") or {}
    if purity and "SCAN_NEIGHBORS" in parameters:
        macros["NeighbourPurity"] = describe_neighbour_purity(purity, parameters["SCAN_NEIGHBORS"], parameters["SCAN_PCA_COMPONENTS"])
    scan_heads = results.get("scan_heads") or {}
    if scan_heads:
        head_acc = np.asarray(scan_heads["test_acc"], dtype=float)
        macros["ScanHeads"] = str(len(head_acc))
        macros["ScanHeadsAccMin"] = f"{head_acc.min():.3f}"
        macros["ScanHeadsAccMax"] = f"{head_acc.max():.3f}"
        macros["ScanHeadsAccMean"] = f"{head_acc.mean():.3f}"
    lines = ["% Generated from results.json by helpers.publish.write_report_inputs; do not edit."]
    lines += [rf"\newcommand{{\{name}}}{{{_latex_escape(value)}}}" for name, value in macros.items()]
    return "\n".join(lines) + "\n"


def architecture_table_latex(results: Mapping[str, Any]) -> str:
    """A booktabs table of the autoencoder's layers from ``results["autoencoder"]["layers"]``.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`, with the layer list of
        :func:`describe_layers` under ``autoencoder.layers``.

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:architecture``.
    """
    layers = (results.get("autoencoder") or {}).get("layers")
    if not layers:
        raise ValueError("results must hold autoencoder.layers (see describe_layers)")
    total = sum(layer["params"] for layer in layers)
    rows = [
        [_latex_escape(layer["name"]), _latex_escape(layer["type"]), " x ".join(str(d) for d in layer["output_shape"]), f"{layer['params']:,}"]
        for layer in layers
    ]
    caption = "The dense autoencoder's layers (output shapes without the batch dimension)."
    return latex_table(
        "llrr", [latex_row(["Layer", "Type", "Output shape", "Parameters"])], [rows, [["Total", "", "", f"{total:,}"]]],
        caption=caption, label="tab:architecture",
    )


#: The groups of Table 3, by the representation a method clusters (see :func:`representation_of`), in the table's order.
REPRESENTATIONS = {
    "raw": "Raw pixels",
    "pca": "Principal components of the pixels",
    "ae": "Codes of the dense autoencoder",
    "conv": "Codes of a submitted report's convolutional autoencoder (our training budget)",
    "beyond": "Beyond the assignment",
    "other": "Other",
}


def representation_of(key: str, row: Mapping[str, Any]) -> str:
    """Which :data:`REPRESENTATIONS` group a results row belongs to, by the notebook's naming of keys.

    Rows of the ``beyond`` group are grouped as such; otherwise the key's
    prefix says what is clustered (``pca_``, ``conv_``, ``ae_``), a ``_raw``
    suffix the raw pixels, and anything else is ``"other"``.
    """
    if row.get("group") == "beyond":
        return "beyond"
    for prefix in ("pca", "conv", "ae"):
        if key.startswith(prefix + "_"):
            return prefix
    return "raw" if key.endswith("_raw") else "other"


def _seconds(value: float) -> str:
    """A time in whole seconds, or to a tenth below one second (so a fast fit does not read as 0)."""
    return f"{value:.1f}" if value < 1 else f"{value:.0f}"


def comparisons_table_latex(results: Mapping[str, Any], benchmark: Mapping[str, Any] | None = None) -> str:
    """Every clustering method grouped by the representation it clusters, the published figures and the supervised reference.

    Per method (grouped by :func:`representation_of`, a heading per group):
    the run's ACC, NMI, silhouette and fit time and, with a ``benchmark``, the
    mean ± sd of ACC over its seeds, the worst seed's ACC and the mean ± sd of
    NMI. Then the published deep-clustering figures
    (:data:`PUBLISHED_DEEP_CLUSTERING`) and, labelled as using labels, the
    test accuracy of each ``results["supervised"]`` classifier.

    Returns
    -------
    str
        A complete ``table`` environment with the label ``tab:comparisons``.
    """
    names = ["Method", "ACC", "NMI", "Silh.", "Fit (s)", *(["ACC", "Worst", "NMI"] if benchmark else [])]
    extra = len(names) - 5  # the benchmark's columns, empty in the rows that have none

    def heading(text: str) -> list[str]:
        return [rf"\multicolumn{{{len(names)}}}{{@{{}}l}}{{\emph{{{text}}}}}"]

    grouped: dict[str, list[list[str]]] = {group: [] for group in REPRESENTATIONS}
    for key, row in methods_of(results).items():
        grouped[representation_of(key, row)].append([
            _latex_escape(row["label"]), f"{row['acc']:.3f}", f"{row['nmi']:.3f}",
            f"{row.get('silhouette', float('nan')):.3f}", _seconds(total_fit_seconds(row)),
            *_benchmark_cells(benchmark, key, ("acc", "nmi"), worst=True),
        ])
    sections = [[heading(REPRESENTATIONS[group]), *rows] for group, rows in grouped.items() if rows]
    published = [
        [rf"{_latex_escape(name.split(' (')[0])}~\citep{{{row['cite']}}}", row["acc"], row["nmi"].replace("-", "--"), "--", "--", *["--"] * extra]
        for name, row in PUBLISHED_DEEP_CLUSTERING.items()
    ]
    sections.append([heading("Published: fitted and scored on all 70,000 images"), *published])
    supervised = results.get("supervised") or {}
    if supervised:
        sections.append([
            heading("Supervised reference (uses the training labels): logistic regression on"),
            *([_latex_escape(row["label"]), f"{row['acc']:.3f}", "", "", _seconds(row["fit_s"]), *[""] * extra] for row in supervised.values()),
        ])
    spans = [("One run " + _run_seed(results), 4)] + ([(_benchmark_seeds(benchmark), 3)] if benchmark else [])
    caption = (
        "Every method on the test set, grouped by the representation it clusters"
        + (f"; one run and, over the benchmark's {_benchmark_seeds(benchmark)}, mean\\,$\\pm$\\,standard deviation "
           "and the worst seed's ACC (the seed in brackets)" if benchmark else "")
        + ". A clustering's fit time includes the representation's training; a supervised row's is the classifier's alone. "
        "Silh.: the silhouette, computed on a fixed random "
        f"subsample of {SILHOUETTE_SAMPLE_SIZE:,} test points in the space each method clustered."
    )
    return latex_table(
        # The method column wraps its longest labels, so the table keeps to the text width.
        r"@{}>{\raggedright\arraybackslash}p{5.1cm}" + "r" * (len(names) - 1) + "@{}", _spanning_header(spans, names), sections,
        caption=caption, label="tab:comparisons", size="footnotesize", column_sep="2pt", placement="tp",
    )


def write_report_inputs(
    results_path: str | os.PathLike,
    report_dir: str | os.PathLike,
    benchmark_path: str | os.PathLike | None = None,
) -> list[Path]:
    """Generate the report's LaTeX inputs from ``results.json`` (and the benchmark, where there is one).

    Writes ``results.tex`` (:func:`results_table_latex`), ``macros.tex``
    (:func:`report_macros_latex`), ``architecture.tex``
    (:func:`architecture_table_latex`) when the results describe the
    autoencoder's layers, and ``comparisons.tex`` (:func:`comparisons_table_latex`)
    when they hold comparison rows or a supervised reference; with a
    ``benchmark_path`` that exists, the two tables gain its mean and std over
    seeds, and ``benchmark_macros.tex`` (:func:`benchmark_macros_latex`) is written.

    Parameters
    ----------
    results_path : str or path-like
    report_dir : str or path-like
        Created if absent.
    benchmark_path : str or path-like, optional
        ``results/benchmark.json`` as written by ``benchmark.py``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import json

    results = json.loads(Path(results_path).read_text())
    benchmark = None
    if benchmark_path is not None and Path(benchmark_path).is_file():
        benchmark = json.loads(Path(benchmark_path).read_text())
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    outputs = {"results.tex": results_table_latex(results, benchmark), "macros.tex": report_macros_latex(results)}
    if (results.get("autoencoder") or {}).get("layers"):
        outputs["architecture.tex"] = architecture_table_latex(results)
    if results.get("supervised") or any(row.get("group") == "comparison" for row in results["methods"].values()):
        outputs["comparisons.tex"] = comparisons_table_latex(results, benchmark)
    if benchmark is not None:
        labels = {key: row["label"] for key, row in results["methods"].items()}
        outputs["benchmark_macros.tex"] = benchmark_macros_latex(benchmark, labels, results)
    written = []
    for name, text in outputs.items():
        path = report_dir / name
        path.write_text(text)
        written.append(path)
    return written


class ReportInputError(ValueError):
    """``results.json`` (or a benchmark) lacks something the report quotes, or holds a number that is not finite."""


#: What every method row must hold: the tables print them all.
REPORT_METHOD_FIELDS = ("label", "acc", "nmi", "ari", "fit_s")

#: Fields of the run-wide sections that the report's macros read, where the section is present.
REPORT_SECTION_FIELDS = {
    "autoencoder": ("epochs_run", "parameters"),
    "gmm_selection": ("covariance_type", "n_init"),
    "scan_heads": ("test_acc",),
}

#: The per-method macro families (see :func:`report_macros_latex`) and the row field each reads.
_METHOD_MACRO_FIELDS = {
    "EmIterations": "em_iterations", "EmConverged": "em_iterations", "Silh": "silhouette", "Confusion": "confusion",
    "Acc": "acc", "Nmi": "nmi", "Ari": "ari", "Fit": "fit_s",
}

#: Capitalised commands in main.tex that come from LaTeX, or from the benchmark files (checked on their own).
_REPORT_OTHER_COMMANDS = ("IfFileExists",)

_BENCHMARK_MACRO_PREFIX = ("Bench", "Rank")  # macros of benchmark_macros.tex, checked against the benchmark

#: The report's sources, copied into the build folder.
REPORT_SOURCES = ("main.tex", "neurips.sty", "references.bib")


def _non_finite_numbers(value: Any, where: str = "") -> list[str]:
    """Paths (``methods.ae_gmm.acc = nan``) of every NaN or infinite number inside ``value``."""
    if isinstance(value, Mapping):
        return [path for key, item in value.items() for path in _non_finite_numbers(item, f"{where}.{key}".lstrip("."))]
    if isinstance(value, (list, tuple)):
        return [path for i, item in enumerate(value) for path in _non_finite_numbers(item, f"{where}[{i}]")]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where} = {value}"]
    return []


def _method_key_guess(macro_name: str) -> str:
    """The results key that :func:`latex_macro_name` turns into ``macro_name`` (``PcaNineFiveGmm`` -> ``pca_95_gmm``)."""
    import re

    parts = []
    for word in re.findall(r"[A-Z][a-z]*", macro_name):
        digit = str(_DIGIT_WORDS.index(word)) if word in _DIGIT_WORDS else None
        text = digit or word.lower()
        # Digits join each other, and single letters join digits (n2d); words are separated by '_'.
        if parts and (digit or len(text) == 1) and (parts[-1][-1].isdigit() or (digit and len(parts[-1]) == 1)):
            parts[-1] += text
        else:
            parts.append(text)
    return "_".join(parts)


def check_report_results(results: Any, tex_source: str, source: str = "results.json") -> None:
    r"""Check that ``results`` holds everything the report quotes, before any file is written.

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.
    tex_source : str
        The report's ``main.tex``; every capitalised command it uses that the
        results provide (``\AccAeGmm``, ``\TotalMinutes``) must be defined by
        :func:`report_macros_latex`.
    source : str
        The results' file name, for messages.

    Raises
    ------
    ReportInputError
        Naming the method and key (or the section and key, or the macro) that
        is missing, or every number that is NaN or infinite.
    """
    import re

    if not isinstance(results, Mapping) or not isinstance(results.get("methods"), Mapping) or not results["methods"]:
        raise ReportInputError(f"{source} holds no 'methods' mapping of method rows")
    bad = _non_finite_numbers(results)
    if bad:
        raise ReportInputError(f"{source} holds numbers that are not finite: {'; '.join(bad)}")
    methods = results["methods"]
    for key, row in methods.items():
        missing = [field for field in REPORT_METHOD_FIELDS if field not in row]
        if missing:
            raise ReportInputError(f"{source}: method {key!r} has no {', '.join(map(repr, missing))}")
    for section, fields in REPORT_SECTION_FIELDS.items():
        missing = [field for field in fields if results.get(section) and field not in results[section]]
        if missing:
            raise ReportInputError(f"{source}: section {section!r} has no {', '.join(map(repr, missing))}")
    for key, row in (results.get("supervised") or {}).items():
        if "acc" not in row:
            raise ReportInputError(f"{source}: supervised reference {key!r} has no 'acc'")
    defined = set(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", report_macros_latex(results)))
    methods_by_name = {latex_macro_name(key): key for key in methods}
    supervised_by_name = {latex_macro_name(key): key for key in results.get("supervised") or {}}
    for name in sorted(set(re.findall(r"(?<!\\)\\([A-Z][A-Za-z]*)", tex_source))):
        if name in defined or name in _REPORT_OTHER_COMMANDS or name.startswith(_BENCHMARK_MACRO_PREFIX):
            continue
        if name.startswith("SupAcc"):
            guess = supervised_by_name.get(name[6:], _method_key_guess(name[6:]))
            raise ReportInputError(f"{source} has no supervised reference {guess!r} (report/main.tex quotes \\{name})")
        prefix = next((p for p in _METHOD_MACRO_FIELDS if name.startswith(p) and name[len(p):][:1].isupper()), None)
        if prefix is None:
            raise ReportInputError(f"report/main.tex quotes \\{name}, which {source} does not provide")
        method = name[len(prefix):]
        if method in methods_by_name:
            raise ReportInputError(
                f"{source}: method {methods_by_name[method]!r} has no {_METHOD_MACRO_FIELDS[prefix]!r} (report/main.tex quotes \\{name})"
            )
        raise ReportInputError(f"{source} has no method {_method_key_guess(method)!r} (report/main.tex quotes \\{name})")


def _read_json_input(path: Path) -> Any:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ReportInputError(f"cannot read {path}: {error}") from error


def build_report(
    report_dir: str | os.PathLike,
    results_path: str | os.PathLike,
    benchmark_path: str | os.PathLike | None = None,
) -> Path:
    """Check the results, then build ``main.pdf`` in a fresh folder and move it and its inputs in.

    Nothing in ``report_dir`` changes unless the build succeeds: the results
    (and the benchmark, where given and present) are checked first
    (:func:`check_report_results`), the LaTeX inputs are generated
    (:func:`write_report_inputs`) and LaTeX runs in a temporary folder beside
    them, and only then do ``main.pdf``, its log and the generated ``.tex``
    files replace those in ``report_dir``. A failed LaTeX run leaves its log
    as ``report_dir/main.log``.

    Parameters
    ----------
    report_dir : str or path-like
        Holds ``main.tex``, ``neurips.sty``, ``references.bib`` and ``figures/``.
    results_path, benchmark_path
        As for :func:`write_report_inputs`.

    Returns
    -------
    pathlib.Path
        The new ``main.pdf``.

    Raises
    ------
    ReportInputError
        If the results or the benchmark are unreadable, incomplete or hold a
        number that is not finite (nothing is written).
    RuntimeError
        If LaTeX fails; the message holds the log's error lines.
    """
    import shutil
    import subprocess
    import tempfile

    report_dir = Path(report_dir).resolve()
    results_path = Path(results_path)
    check_report_results(_read_json_input(results_path), (report_dir / "main.tex").read_text(), source=str(results_path))
    if benchmark_path is not None and Path(benchmark_path).is_file():
        bad = _non_finite_numbers(_read_json_input(Path(benchmark_path)))
        if bad:
            raise ReportInputError(f"{benchmark_path} holds numbers that are not finite: {'; '.join(bad)}")
    build_dir = Path(tempfile.mkdtemp(prefix=".build-", dir=report_dir))
    try:
        for name in REPORT_SOURCES:
            shutil.copy(report_dir / name, build_dir / name)
        (build_dir / "figures").symlink_to(report_dir / "figures", target_is_directory=True)
        inputs = write_report_inputs(results_path, build_dir, benchmark_path)
        latex = subprocess.run(
            ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "main.tex"],
            cwd=build_dir, capture_output=True, text=True,
        )
        if (build_dir / "main.log").is_file():
            os.replace(build_dir / "main.log", report_dir / "main.log")
        if latex.returncode != 0:
            log = (report_dir / "main.log").read_text(errors="replace") if (report_dir / "main.log").is_file() else latex.stdout
            errors = [line for line in log.splitlines() if line.startswith("!")] or log.splitlines()[-20:]
            raise RuntimeError(
                f"LaTeX failed (log: {report_dir / 'main.log'}); report/main.pdf and its inputs are unchanged:\n" + "\n".join(errors)
            )
        for path in [*inputs, build_dir / "main.pdf"]:
            os.replace(path, report_dir / path.name)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return report_dir / "main.pdf"
