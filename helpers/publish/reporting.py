"""results.json, the README's generated tables and the multi-seed benchmark's aggregation."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._tables import markdown_table, mean_sd, worst_seed

from ..data import CLASS_NAMES
from ..study.environment import describe_machine
from .._json import json_ready
from .._rows import methods_of

__all__ = [
    "total_fit_seconds", "write_results", "PUBLISHED_DEEP_CLUSTERING", "aggregate_benchmark",
    "benchmark_table_markdown", "TIME_BUDGET_MINUTES", "budget_verdict", "README_MARKERS",
    "results_table_markdown", "BENCHMARK_MARKERS", "update_readme_benchmark", "update_readme_results", "compare_with_baseline_and_published",
    "DEVELOPMENT_SEEDS", "describe_seeds", "describe_confusion", "SUBMITTED_REPORTS", "SUBMITTED_FIGURES",
    "submitted_figures", "seed_comparison", "describe_seed_comparison", "best_on_every_seed", "benchmark_headline",
    "describe_neighbour_purity", "describe_stops", "HEADLINE_METHODS", "update_readme_headline", "HEADLINE_MARKERS",
    "submitted_reports_markdown", "PROSE_NAMES", "describe_run_beside_benchmark", "submitted_figures_cell",
    "describe_benchmark_machines", "describe_heads", "read_benchmark",
]


def total_fit_seconds(row: Mapping[str, Any]) -> float:
    """A method's whole fit time: its clusterer (``fit_s``) plus its representation
    (``representation_s``: training the autoencoder and encoding), if any."""
    return row["fit_s"] + row.get("representation_s", 0.0)


def write_results(results: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write the study's results as indented JSON, atomically.

    Each method's ``y_pred`` and ``estimator`` are dropped (predictions and
    fitted models are not results).

    Parameters
    ----------
    results : mapping
        Must hold a ``"methods"`` mapping of method key to metrics.
    path : str or path-like

    Returns
    -------
    pathlib.Path
    """
    import json

    methods_of(results)
    cleaned = dict(results)
    cleaned["methods"] = {
        key: {k: v for k, v in row.items() if k not in ("y_pred", "estimator")}
        for key, row in results["methods"].items()
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(json_ready(cleaned), indent=2) + "\n")
    temporary.replace(path)
    return path


def describe_confusion(confusion: Mapping[str, Any], class_names: Sequence[str] = CLASS_NAMES) -> str:
    """One sentence on a matched confusion matrix: the best and worst recovered class, the largest confusion.

    Shares are of each class's images (a row of the matrix). A class's own
    share is the part of it in the cluster matched to it (0 if none was).
    Where a cluster holds more images of another class than of the class it
    was matched to, the sentence names the first such cluster too.

    Parameters
    ----------
    confusion : mapping
        As :func:`~helpers.metrics.matched_confusion` returns it (and
        ``results.json`` stores it under each method's ``confusion``).
    class_names : sequence of str
        The name of each class id (row).

    Returns
    -------
    str
        Plain text (percent signs unescaped), ending with a full stop.

    Raises
    ------
    ValueError
        If ``confusion`` lacks ``counts`` or ``classes``, its columns
        disagree, or it has more rows than ``class_names``.
    """
    try:
        counts = np.asarray(confusion["counts"], dtype=float)
        matched = list(confusion["classes"])
        clusters = list(confusion.get("clusters", range(len(matched))))
    except (KeyError, TypeError) as error:
        raise ValueError(f"confusion must hold 'counts' and 'classes' lists: {error}") from error
    if counts.ndim != 2 or counts.shape[1] != len(matched) or counts.shape[0] > len(class_names):
        raise ValueError(f"confusion: {counts.shape} counts for {len(matched)} columns and {len(class_names)} classes")
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    own = [shares[c, matched.index(c)] if c in matched else 0.0 for c in range(len(counts))]
    best, worst = int(np.argmax(own)), int(np.argmin(own))

    def column_name(j: int) -> str:
        return class_names[matched[j]] if matched[j] is not None else f"unmatched cluster {clusters[j]}"

    off = [(shares[c, j], c, j) for c in range(len(counts)) for j in range(len(matched)) if matched[j] != c]
    sentence = (
        f"{class_names[best]} is recovered best ({own[best]:.0%} of its images in its cluster) and "
        f"{class_names[worst]} worst ({own[worst]:.0%})"
    )
    if off:
        share, c, j = max(off)
        sentence += f"; the largest confusion puts {share:.0%} of the {class_names[c]} images in the cluster named {column_name(j)}"
    misnamed = [j for j in range(len(matched)) if matched[j] is not None and counts[:, j].max() > counts[matched[j], j]]
    if misnamed:
        j = misnamed[0]
        holds = int(np.argmax(counts[:, j]))
        sentence += (
            f", and the cluster named {column_name(j)} holds more {class_names[holds]} images "
            f"({counts[holds, j]:,.0f}) than {class_names[matched[j]]} images ({counts[matched[j], j]:,.0f})"
        )
    return sentence + "."


#: Published deep-clustering figures on Fashion-MNIST (accuracy, NMI), with their protocol and where they were printed.
#: DEC and IDEC predate Fashion-MNIST: their figures are those N2D's paper reports for them. ``cite`` is the report's BibTeX key.
PUBLISHED_DEEP_CLUSTERING: dict[str, dict[str, str]] = {
    "DEC, as quoted by N2D (McConville et al., 2021)": {
        "acc": "0.518", "nmi": "-", "protocol": "fitted and scored on the same images", "cite": "mcconville2021n2d",
    },
    "IDEC, as quoted by N2D (McConville et al., 2021)": {
        "acc": "0.529", "nmi": "-", "protocol": "fitted and scored on the same images", "cite": "mcconville2021n2d",
    },
    "N2D (McConville et al., 2021)": {
        "acc": "0.672", "nmi": "0.684", "protocol": "1,000 pretraining epochs; fitted and scored on all 70,000 images",
        "cite": "mcconville2021n2d",
    },
}

_BENCHMARK_METRICS = ("acc", "nmi", "ari")


def aggregate_benchmark(runs: Sequence[Mapping[str, Any]], split: str = "test") -> dict[str, Any]:
    """Mean and standard deviation over seeds of each method's scores and time.

    Parameters
    ----------
    runs : sequence of mapping
        The ``results.json`` of each seed's run (same methods in each).
    split : {"test", "validation"}
        Which scores to aggregate: the test images' (the report's), or the
        validation split's (the training images that may judge a setting;
        rows without them, such as runs before the split was scored, are an error).

    Returns
    -------
    dict
        ``{"seeds": [...], "n_runs": n, "methods": {key: {"label", "group",
        "acc": {"mean", "std", "values"}, "nmi": ..., "ari": ...,
        "fit_s": ..., "validation": {"acc": ..., "nmi": ...}}}, "machines": [...]}``;
        ``values`` are in the order of ``seeds``; ``validation`` (test split only, where
        every run scored the validation split) summarises the validation scores;
        ``machines`` are the runs' distinct processors
        (:func:`describe_machine`); ``fit_s`` is the method's whole fit time
        (:func:`total_fit_seconds`); ``std`` is the sample standard deviation
        (``ddof=1``; 0 for a single run). Where every run records
        ``scan_heads`` (each SCAN head's test accuracy, and which agreed most
        with the others), also ``"scan_heads": {"n_heads", "most_agreeing",
        "mean_head", "best_head", "worst_head"}``, the last four summaries
        over the runs of that head's (or the heads' mean) test accuracy.

    Raises
    ------
    ValueError
        If ``runs`` is empty, the runs do not hold the same methods, ``split``
        is unknown, or a row has no scores on the validation split asked for.
    """
    if not runs:
        raise ValueError("need at least one run to aggregate")
    if split not in ("test", "validation"):
        raise ValueError(f"split must be 'test' or 'validation', got {split!r}")

    def scores(key: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
        if split == "test":
            return row
        if "validation" not in row:
            raise ValueError(f"method {key!r} has no scores on the validation split")
        return row["validation"]

    keys = list(methods_of(runs[0]))
    for run in runs[1:]:
        if list(methods_of(run)) != keys:
            raise ValueError("every run must hold the same methods, in the same order")

    def summary(values: list[float]) -> dict[str, Any]:
        return {
            "mean": float(np.mean(values)),
            "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "values": [float(v) for v in values],
        }

    methods = {}
    for key in keys:
        rows = [run["methods"][key] for run in runs]
        methods[key] = {
            "label": rows[0]["label"],
            "group": rows[0].get("group", "assignment"),
            **{metric: summary([scores(key, row)[metric] for row in rows]) for metric in _BENCHMARK_METRICS},
            "fit_s": summary([total_fit_seconds(row) for row in rows]),
        }
        # Beside the test scores, the validation split's: the figure a setting may be judged by.
        if split == "test" and all("validation" in row for row in rows):
            methods[key]["validation"] = {metric: summary([row["validation"][metric] for row in rows]) for metric in ("acc", "nmi")}
    benchmark = {
        "split": split,
        "seeds": [run.get("parameters", {}).get("SEED") for run in runs],
        "n_runs": len(runs),
        "total_s": summary([run.get("total_s", float("nan")) for run in runs]),
        "device": runs[0].get("device", "?"),
        # Scores and times depend on the processor, so the benchmark says which ones its runs had.
        "machines": sorted({describe_machine(run.get("machine")) for run in runs}),
        "methods": methods,
    }
    if all("scan_heads" in run for run in runs):
        head_acc = [np.asarray(run["scan_heads"]["test_acc"], dtype=float) for run in runs]
        benchmark["scan_heads"] = {
            "n_heads": sorted({len(acc) for acc in head_acc}),
            "most_agreeing": summary([acc[run["scan_heads"]["chosen"]] for acc, run in zip(head_acc, runs)]),
            "mean_head": summary([acc.mean() for acc in head_acc]),
            "best_head": summary([acc.max() for acc in head_acc]),
            "worst_head": summary([acc.min() for acc in head_acc]),
        }
    return benchmark


def benchmark_table_markdown(benchmark: Mapping[str, Any]) -> str:
    """The benchmark as a Markdown table, published figures below it.

    Each row gives the mean ± sd over seeds of ACC, NMI and ARI, the worst
    seed's ACC (and which seed), the fit time, and, where the runs scored
    it, the mean ACC on the validation split.
    """
    seeds = benchmark["seeds"]
    has_validation = all("validation" in row for row in methods_of(benchmark).values())
    rows = [
        [
            row["label"], mean_sd(row["acc"], 3, "markdown"), worst_seed(row["acc"], seeds, 3),
            *(mean_sd(row[metric], 3, "markdown") for metric in ("nmi", "ari")),
            *([f"{row['validation']['acc']['mean']:.3f}"] if has_validation else []),
            mean_sd(row["fit_s"], 0, "markdown"),
        ]
        for row in methods_of(benchmark).values()
    ]
    header = ["method", "ACC", "worst seed: ACC", "NMI", "ARI", *(["validation ACC"] if has_validation else []), "fit (s)"]
    lines = markdown_table(header, "lrrrr" + "r" * has_validation + "r", rows)
    heads = benchmark.get("scan_heads")
    if heads:
        cell = lambda summary: mean_sd(summary, 3, "markdown")
        lines += [
            "",
            f"SCAN heads ({'/'.join(map(str, heads['n_heads']))} per run), test ACC, mean ± sd over the runs: "
            f"the most agreeing head {cell(heads['most_agreeing'])}, the average head {cell(heads['mean_head'])}, "
            f"the best head {cell(heads['best_head'])}, the worst head {cell(heads['worst_head'])}.",
        ]
    published = [[name, row["acc"], row["nmi"], row["protocol"]] for name, row in PUBLISHED_DEEP_CLUSTERING.items()]
    lines += ["", *markdown_table(["published", "ACC", "NMI", "protocol"], "lrrl", published)]
    return "\n".join(lines) + "\n"


# The goal for the whole notebook, every method included, on a 2-core CPU.
TIME_BUDGET_MINUTES = 15.0


def budget_verdict(run_minutes: Sequence[float], budget_minutes: float = TIME_BUDGET_MINUTES) -> str:
    """Whether the notebook's runs kept to the time budget, as words for a sentence.

    Parameters
    ----------
    run_minutes : sequence of float
        Each run's whole-notebook time, in minutes.
    budget_minutes : float
        The budget per run.

    Returns
    -------
    str
        ``"within"`` when every run took at most the budget, ``"over on some seeds"``
        when some did and the mean is within it, otherwise ``"over"``.

    Raises
    ------
    ValueError
        If there are no runs or a time is not a positive finite number.
    """
    minutes = np.asarray(run_minutes, dtype=float)
    if minutes.size == 0 or not np.all(np.isfinite(minutes)) or np.any(minutes <= 0):
        raise ValueError(f"need at least one positive, finite run time; got {list(run_minutes)}")
    if np.all(minutes <= budget_minutes):
        return "within"
    return "over on some seeds" if minutes.mean() <= budget_minutes else "over"


#: The four submitted reports of this assignment (none states a year).
SUBMITTED_REPORTS: dict[str, dict[str, str]] = {
    "A": {"authors": "Raykar", "title": "Analyzing Clustering Algorithms on Fashion MNIST dataset",
          "affiliation": "University at Buffalo", "cite": "raykar_submission"},
    "B": {"authors": "Ghosh", "title": "Clustering Analysis using K-Means and Gaussian Mixture Models",
          "affiliation": "University at Buffalo", "cite": "ghosh_submission"},
    "C": {"authors": "Thayanithi", "title": "Clustering of Fashion Apparels in their condensed form using AutoEncoder, "
          "K-Means and Gaussian Mixture Model", "affiliation": "University at Buffalo", "cite": "thayanithi_submission"},
    "D": {"authors": "Avelar and Chaves", "title": "Exploring Unsupervised Learning Techniques with the Fashion MNIST Dataset",
          "affiliation": "Unicamp", "cite": "avelar_submission"},
}

#: What each submitted report printed, under the metric its code really computed: (report, method key, metric, value).
#: A and B printed NMI (A's baseline: AMI) under the name accuracy; only C printed accuracy after matching; D printed ARI.
SUBMITTED_FIGURES: tuple[tuple[str, str, str, float], ...] = (
    ("C", "kmeans_raw", "acc", 0.483), ("C", "ae_kmeans", "acc", 0.484), ("C", "ae_gmm", "acc", 0.540),
    ("B", "kmeans_raw", "nmi", 0.516), ("B", "ae_kmeans", "nmi", 0.546), ("B", "ae_gmm", "nmi", 0.591),
    ("A", "kmeans_raw", "ami", 0.500), ("A", "ae_kmeans", "nmi", 0.544), ("A", "ae_gmm", "nmi", 0.636),
    ("D", "pca_90_kmeans", "ari", 0.373), ("D", "pca_80_kmeans", "ari", 0.346),
)


def submitted_figures(key: str, metric: str) -> list[tuple[str, float]]:
    """The submitted reports' figures of ``metric`` for method ``key``: ``[(report id, value), ...]`` in report order."""
    return sorted((report, value) for report, method, kind, value in SUBMITTED_FIGURES if method == key and kind == metric)


def submitted_figures_cell(key: str, metric: str, cite: Any = None) -> str:
    """``"0.516 (B), 0.544 (A)"``: the submitted figures of a metric for a method, or ``"-"``; ``cite`` maps an id to its citation."""
    figures = [("", report, value) for report, value in submitted_figures(key, metric)]
    if metric == "nmi":  # one report printed AMI, a variant of NMI, as its accuracy: shown beside the NMI, named
        figures += [("AMI ", report, value) for report, value in submitted_figures(key, "ami")]
    if not figures:
        return "-"
    return ", ".join(f"{prefix}{value:.3f} {cite(report) if cite else f'({report})'}" for prefix, report, value in figures)


def submitted_reports_markdown() -> str:
    """One line naming the submitted reports behind the letters of the published columns, and what each printed."""
    named = "; ".join(f"{report}: {info['authors']} ({info['affiliation']}), *{info['title']}*" for report, info in SUBMITTED_REPORTS.items())
    return (f"Submitted reports of this assignment: {named}. Only C printed accuracy after matching clusters to classes; "
            "A and B printed NMI under the name accuracy (A's K-Means figure is the adjusted mutual information, AMI); "
            "D printed ARI and silhouette only.")


def _against(value: float, published: float) -> str:
    where = "above" if value > published else "below" if value < published else "equal to"
    return f"{value:.3f}, {where} {published:.3f}"


def compare_with_baseline_and_published(results: Mapping[str, Any], baseline: str = "kmeans_raw") -> str:
    """Sentences that compare the best method with the baseline and the published figures, and each method with the submitted reports'.

    Parameters
    ----------
    results : mapping
        With ``methods``.
    baseline : str
        The key of the baseline row.

    Returns
    -------
    str
        One line for the best method by test ACC against the baseline, one
        per published deep-clustering figure (:data:`PUBLISHED_DEEP_CLUSTERING`)
        against the best method, then one per figure of a submitted report
        (:data:`SUBMITTED_FIGURES`) against this run's figure of the same metric.

    Raises
    ------
    ValueError
        If ``baseline`` is not a method of ``results``.
    """
    methods = methods_of(results)
    if baseline not in methods:
        raise ValueError(f"baseline: no method {baseline!r} in the results")
    base = methods[baseline]
    best = max(methods.values(), key=lambda row: row["acc"])
    lines = [
        f"Best method of this run by test ACC: {best['label']}, ACC {best['acc']:.3f} and NMI {best['nmi']:.3f}, "
        f"against the baseline's ({base['label']}) {base['acc']:.3f} and {base['nmi']:.3f}: "
        f"{best['acc'] - base['acc']:+.3f} ACC, {best['nmi'] - base['nmi']:+.3f} NMI."
    ]
    for name, figures in PUBLISHED_DEEP_CLUSTERING.items():
        scored = [f"{metric.upper()} {_against(best[metric], float(figures[metric]))}" for metric in ("acc", "nmi") if figures[metric] != "-"]
        lines.append(f"The best method against {name} ({figures['protocol']}): {'; '.join(scored)}.")
    names = {"acc": "accuracy after matching", "nmi": "NMI", "ami": "AMI", "ari": "ARI"}
    for report, key, metric, value in SUBMITTED_FIGURES:
        if key in methods and metric in methods[key]:
            printed = " (printed as accuracy)" if metric in ("nmi", "ami") else ""
            lines.append(
                f"{methods[key]['label']}, {names[metric]}: this run {_against(methods[key][metric], value)}, "
                f"the figure of report {report} ({SUBMITTED_REPORTS[report]['authors']}){printed}."
            )
    return "\n".join(lines)


def describe_benchmark_machines(benchmark: Mapping[str, Any]) -> str:
    """The processors a benchmark's runs recorded, ``"; "``-joined, or ``"processor not recorded"``."""
    return "; ".join(benchmark.get("machines") or ["processor not recorded"])


def seed_comparison(benchmark: Mapping[str, Any], first: str, second: str, metric: str = "acc") -> dict[str, Any]:
    """Paired, seed by seed: how often ``first`` scores higher than ``second`` in a benchmark.

    Parameters
    ----------
    benchmark : mapping
        As written by :func:`aggregate_benchmark` (each metric's ``values`` in seed order).
    first, second : str
        Method keys.
    metric : str

    Returns
    -------
    dict
        ``higher`` and ``lower`` (seeds on which ``first`` is above or below),
        ``n`` (seeds), ``mean_difference`` (``first`` minus ``second``).

    Raises
    ------
    ValueError
        If a key is missing or the two hold different numbers of seeds.
    """
    methods = methods_of(benchmark)
    for key in (first, second):
        if key not in methods:
            raise ValueError(f"no method {key!r} in the benchmark")
    a, b = (np.asarray(methods[key][metric]["values"], dtype=float) for key in (first, second))
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"{first} and {second} must hold the same, non-zero number of seeds")
    difference = a - b
    return {"higher": int((difference > 0).sum()), "lower": int((difference < 0).sum()), "n": int(a.size),
            "mean_difference": float(difference.mean())}


def _label(benchmark: Mapping[str, Any], key: str, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(key) or methods_of(benchmark)[key]["label"]


def describe_seed_comparison(
    benchmark: Mapping[str, Any], first: str, second: str, metric: str = "acc", labels: Mapping[str, str] | None = None
) -> str:
    """A sentence (without its full stop) that ranks two methods only as far as the seeds agree.

    One method is said to score higher only where it does on every seed;
    otherwise the sentence says the two are not ranked and on how many seeds
    each was ahead. :func:`seed_comparison` gives the counts.

    Parameters
    ----------
    benchmark : mapping
    first, second : str
        Method keys.
    metric : str
        ``"acc"`` (named "accuracy") or another metric (named in capitals).
    labels : mapping, optional
        Names to use instead of the benchmark's labels.

    Returns
    -------
    str
    """
    counts = seed_comparison(benchmark, first, second, metric)
    n, name = counts["n"], "accuracy" if metric == "acc" else metric.upper()
    a, b = _label(benchmark, first, labels), _label(benchmark, second, labels)
    every = "both" if n == 2 else f"all {n}"
    if counts["higher"] == n or counts["lower"] == n:
        winner, loser = (a, b) if counts["higher"] == n else (b, a)
        return (f"{winner} has a higher {name} than {loser} on {every} seeds "
                f"(by {abs(counts['mean_difference']):.3f} on average)")
    return (f"{a} and {b} are not ranked by {name}: {a} is ahead on {counts['higher']} of {n} seeds and "
            f"{b} on {counts['lower']} (mean difference {counts['mean_difference']:+.3f})")


def best_on_every_seed(benchmark: Mapping[str, Any], keys: Sequence[str], metric: str = "acc") -> str | None:
    """The key among ``keys`` that scores higher than each of the others on every seed, or None if no method does."""
    def ahead_on_every_seed(key: str, other: str) -> bool:
        counts = seed_comparison(benchmark, key, other, metric)
        return counts["higher"] == counts["n"]

    return next((key for key in keys if all(ahead_on_every_seed(key, other) for other in keys if other != key)), None)


#: The assignment's three tasks, as the headline lists them.
HEADLINE_METHODS = ("kmeans_raw", "ae_kmeans", "ae_gmm")

#: Short names of the methods for sentences (the results' labels name the settings too, for tables).
PROSE_NAMES = {
    "kmeans_raw": "K-Means on the pixels", "ae_kmeans": "autoencoder + K-Means", "ae_gmm": "autoencoder + GMM",
    "pca_95_kmeans": "K-Means on 95% of the PCA variance", "conv_kmeans": "K-Means on the convolutional codes",
    "shift_ae_gmm": "the GMM on the shift-trained codes", "dec": "DEC", "idec": "IDEC", "n2d": "N2D's step",
    "scan": "the SCAN-head consensus", "scan_finetune": "the CNN", "scan_refined": "the re-split step",
    "scan_retrained": "the CNN with the re-splits trained in",
}


def describe_run_beside_benchmark(run: Mapping[str, Any], benchmark: Mapping[str, Any]) -> str:
    """A sentence setting one run's three tasks beside the benchmark's run of the same seed, naming both processors.

    Parameters
    ----------
    run : mapping
        One run's results (``parameters.SEED``, ``machine`` and the three tasks' rows).
    benchmark : mapping
        As written by :func:`aggregate_benchmark`.

    Returns
    -------
    str
    """
    seed = (run.get("parameters") or {}).get("SEED")
    keys = [key for key in HEADLINE_METHODS if key in methods_of(run) and key in methods_of(benchmark)]
    if seed not in benchmark["seeds"] or not keys:
        return f"The seed of this run, {seed}, is not one of the benchmark's."
    index = benchmark["seeds"].index(seed)
    here = describe_machine(run.get("machine"))
    there = describe_benchmark_machines(benchmark)
    ours = ", ".join(f"{methods_of(run)[key]['acc']:.3f}" for key in keys)
    theirs = ", ".join(f"{methods_of(benchmark)[key]['acc']['values'][index]:.3f}" for key in keys)
    if here == there:
        return f"The run of seed {seed} is the benchmark's, on the same processor: the three tasks score {ours}."
    return (f"The benchmark ran seed {seed} on another processor ({there}), where the three tasks scored {theirs}; "
            f"on this one ({here}) they score {ours}: TensorFlow and the linear-algebra libraries choose other kernels "
            "on each, and the networks they train differ.")


def benchmark_headline(benchmark: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """The study's headline in Markdown: each task's test accuracy over the benchmark's seeds, the rankings the seeds support, the time.

    Parameters
    ----------
    benchmark : mapping
        As written by :func:`aggregate_benchmark`.
    labels : mapping, optional
        Method names to use instead of the benchmark's.

    Returns
    -------
    str
        A bullet per task (mean ± sd and the worst seed), one for the
        highest mean of the whole benchmark, the paired rankings of the
        tasks, and the notebook's time per run on the benchmark's processor.
    """
    methods = methods_of(benchmark)
    seeds = benchmark["seeds"]
    lines = [f"Test accuracy after Hungarian matching, mean ± sd over {benchmark['n_runs']} runs "
             f"({describe_seeds(seeds)}), every model trained afresh in each:", ""]
    for key in HEADLINE_METHODS:
        row = methods[key]
        lines.append(f"- {_label(benchmark, key, labels)}: **{mean_sd(row['acc'], 3, 'markdown')}** "
                     f"(worst seed {worst_seed(row['acc'], seeds, 3)}; NMI {mean_sd(row['nmi'], 3, 'markdown')})")
    best_key, best = max(methods.items(), key=lambda item: item[1]["acc"]["mean"])
    lines.append(f"- the highest mean of all methods: {_label(benchmark, best_key, labels)}, "
                 f"{mean_sd(best['acc'], 3, 'markdown')} (worst seed {worst_seed(best['acc'], seeds, 3)})")
    pairs = [("ae_kmeans", "kmeans_raw"), ("ae_gmm", "kmeans_raw"), ("ae_gmm", "ae_kmeans")]
    lines += ["", "; ".join(describe_seed_comparison(benchmark, a, b, labels=labels) for a, b in pairs) + "."]
    total = benchmark["total_s"]
    lines += ["", f"The whole notebook took {total['mean'] / 60:.1f} ± {total['std'] / 60:.1f} min per run on the "
                  f"{benchmark.get('device', 'CPU')} ({describe_benchmark_machines(benchmark)})."]
    return "\n".join(lines) + "\n"


def describe_neighbour_purity(purity: Mapping[str, float], n_neighbours: int, n_components: int) -> str:
    """A sentence on the classes whose neighbours agree least and most (see :func:`neighbour_purity`).

    Parameters
    ----------
    purity : mapping
        Class name to the mean fraction of neighbours sharing the class.
    n_neighbours, n_components : int
        How the neighbours were found, for the sentence.

    Returns
    -------
    str
    """
    if len(purity) < 2:
        raise ValueError("purity needs at least two classes")
    ranked = sorted(purity.items(), key=lambda item: item[1])
    low, high = ranked[:3], ranked[-3:][::-1]
    cited = lambda items: ", ".join(f"{name} {value:.0%}" for name, value in items)
    return (f"Of each training image's {n_neighbours} nearest neighbours in the pixels' first {n_components} principal "
            f"components, the share of its own class is lowest for {cited(low)} and highest for {cited(high)}")


def describe_stops(stops: Mapping[str, bool], cap: str) -> str:
    """``"DEC and IDEC both stopped at the 5-epoch cap without converging"``, or which converged and which did not.

    Parameters
    ----------
    stops : mapping
        Method name to whether it converged (``True``) or stopped at its cap.
    cap : str
        The cap, as words: ``"5-epoch cap"`` or ``"30 EM iterations"``.

    Returns
    -------
    str
        A sentence without its full stop.
    """
    if not stops:
        raise ValueError("stops is empty")
    names = lambda items: items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    converged = [name for name, done in stops.items() if done]
    capped = [name for name, done in stops.items() if not done]
    both = "both " if len(stops) == 2 else "all " if len(stops) > 2 else ""
    if not converged:
        return f"{names(capped)} {both}stopped at the {cap} without converging"
    if not capped:
        return f"{names(converged)} {both}converged within the {cap}"
    return f"{names(converged)} converged within the {cap}; {names(capped)} stopped at it without converging"


README_MARKERS = ("<!-- results:start -->", "<!-- results:end -->")


def results_table_markdown(results: Mapping[str, Any], groups: Sequence[str] | None = None) -> str:
    """A Markdown table of ``results["methods"]`` (test scores) with the submitted reports' figures beside them.

    Where rows hold scores on the validation split (``row["validation"]``), a
    "validation ACC" column follows the test ACC ("-" for rows without).

    Parameters
    ----------
    results : mapping
        As written by :func:`write_results`.
    groups : sequence of str, optional
        Only the rows of these groups (``"assignment"``, ``"comparison"``, ``"beyond"``); every row by default.

    Returns
    -------
    str
    """
    methods = {key: row for key, row in methods_of(results).items() if groups is None or row.get("group", "assignment") in groups}
    # The validation split's ACC beside the test ACC, for runs that scored it.
    validated = any("validation" in row for row in methods.values())
    rows = [
        [
            row["label"], f"{row['acc']:.3f}",
            *([f"{row['validation']['acc']:.3f}" if "validation" in row else "-"] if validated else []),
            f"{row['nmi']:.3f}", f"{row['ari']:.3f}", f"{row.get('silhouette', float('nan')):.3f}", f"{total_fit_seconds(row):.0f}",
            submitted_figures_cell(key, "acc"), submitted_figures_cell(key, "nmi"),
        ]
        for key, row in methods.items()
    ]
    header = ["method", "ACC", *(["validation ACC"] if validated else []), "NMI", "ARI", "silhouette", "fit (s)",
              "submitted ACC", "submitted NMI (printed as accuracy)"]
    lines = markdown_table(header, "l" + "r" * (len(header) - 1), rows)
    supervised = results.get("supervised") or {}
    if supervised:
        references = [[row["label"], f"{row['acc']:.3f}", f"{row['fit_s']:.0f}"] for row in supervised.values()]
        lines += ["", "Supervised reference (uses the training labels; not clustering):", ""]
        lines += markdown_table(["logistic regression on", "test accuracy", "fit (s)"], "lrr", references)
    lines += ["", submitted_reports_markdown()]
    return "\n".join(lines) + "\n"


BENCHMARK_MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")


def _replace_block(readme_path: str | os.PathLike, markers: tuple[str, str], body: str) -> None:
    """Replace the text between two marker lines of a file, keeping the rest."""
    readme = Path(readme_path).read_text()
    start, end = markers
    if start not in readme or end not in readme or readme.index(start) > readme.index(end):
        raise ValueError(f"{readme_path} must contain the lines {start} and {end}, in that order")
    before, rest = readme.split(start, 1)
    after = rest.split(end, 1)[1]
    Path(readme_path).write_text(f"{before}{start}\n{body}{end}{after}")


#: The seeds whose runs were looked at while settings were chosen (on test scores before the validation protocol, on the
#: validation split since); a headline benchmark runs other seeds, so that no choice was fitted to its runs.
DEVELOPMENT_SEEDS = (0, 1, 2, 3, 4)


def describe_seeds(seeds: Sequence[int]) -> str:
    """``"seeds 10, 11, none used in choosing a setting"``, or which of them are development seeds.

    Parameters
    ----------
    seeds : sequence of int
        The runs' seeds.

    Returns
    -------
    str
        The seeds, then whether any of them is in :data:`DEVELOPMENT_SEEDS`.
    """
    listed = ", ".join(str(seed) for seed in seeds)
    development = [seed for seed in seeds if seed in DEVELOPMENT_SEEDS]
    if len(seeds) == 1:
        return f"seed {listed}, " + ("a development seed, looked at when settings were chosen" if development else "not used in choosing a setting")
    if not development:
        return f"seeds {listed}, none used in choosing a setting"
    if len(development) == len(seeds):
        return f"seeds {listed}, development seeds: settings were chosen looking at their runs"
    return f"seeds {listed}; {', '.join(map(str, development))} are development seeds, looked at when settings were chosen"


HEADLINE_MARKERS = ("<!-- headline:start -->", "<!-- headline:end -->")


def _current_labels(results_path: str | os.PathLike | None) -> dict[str, str]:
    """Method key to label in a results.json, so a benchmark shows today's names; empty where there is none."""
    import json

    if results_path is None or not Path(results_path).is_file():
        return {}
    return {key: row["label"] for key, row in json.loads(Path(results_path).read_text())["methods"].items()}


def update_readme_headline(
    benchmark_path: str | os.PathLike, readme_path: str | os.PathLike, results_path: str | os.PathLike | None = None
) -> None:
    """Replace the README's headline block (between ``HEADLINE_MARKERS``) with :func:`benchmark_headline`,
    the methods named as in ``results_path`` where given."""
    import json

    benchmark = json.loads(Path(benchmark_path).read_text())
    _replace_block(readme_path, HEADLINE_MARKERS, benchmark_headline(benchmark, _current_labels(results_path)))


def update_readme_benchmark(
    benchmark_path: str | os.PathLike, readme_path: str | os.PathLike, results_path: str | os.PathLike | None = None
) -> None:
    """Replace the README's benchmark block (between ``BENCHMARK_MARKERS``) with
    :func:`benchmark_table_markdown` of ``results/benchmark.json``, the methods named as in ``results_path`` where given."""
    import json

    benchmark = json.loads(Path(benchmark_path).read_text())
    labels = _current_labels(results_path)
    for key, row in methods_of(benchmark).items():
        row["label"] = labels.get(key, row["label"])
    total = benchmark["total_s"]
    body = (
        f"Mean ± standard deviation over {benchmark['n_runs']} runs ({describe_seeds(benchmark['seeds'])}) of the whole notebook; "
        f"test set, fitted on the training set. Notebook time per run: {total['mean'] / 60:.1f} ± "
        f"{total['std'] / 60:.1f} min on the {benchmark.get('device', 'CPU')} "
        f"(by seed: {', '.join(f'{value / 60:.1f}' for value in total['values'])}); "
        f"{describe_benchmark_machines(benchmark)}.\n\n"
        f"{benchmark_table_markdown(benchmark)}"
    )
    _replace_block(readme_path, BENCHMARK_MARKERS, body)


def update_readme_results(
    results_path: str | os.PathLike, readme_path: str | os.PathLike, benchmark_path: str | os.PathLike | None = None
) -> None:
    """Replace the README's results block with a table made from ``results.json``.

    The block lies between the lines ``<!-- results:start -->`` and
    ``<!-- results:end -->``; everything else in the README is kept.

    Parameters
    ----------
    results_path, readme_path : str or path-like
    benchmark_path : str or path-like, optional
        A benchmark.json: where it exists, a sentence sets this run beside the
        benchmark's run of the same seed (:func:`describe_run_beside_benchmark`).

    Raises
    ------
    ValueError
        If the README lacks the two marker lines.
    """
    import json

    results = json.loads(Path(results_path).read_text())
    beside = ""
    if benchmark_path is not None and Path(benchmark_path).is_file():
        beside = " " + describe_run_beside_benchmark(results, json.loads(Path(benchmark_path).read_text()))
    parameters = results.get("parameters", {})
    loaded = (results.get("cache") or {}).get("loaded") or []
    cache_note = f"; {len(loaded)} models loaded from the cache, with the fit times of their training" if loaded else ""
    seed = parameters.get("SEED", "?")
    seed_note = (" (a development seed: settings were chosen looking at its runs)" if seed in DEVELOPMENT_SEEDS
                 else " (one run; read it beside the benchmark)")
    body = (
        f"Test set ({parameters.get('n_test', '?')} images), models fitted on "
        f"{parameters.get('n_train', '?')} training images, seed {seed}{seed_note}; "
        f"fit time includes training the autoencoder. Whole notebook: "
        f"{results.get('total_s', float('nan')):.0f} s on the {results.get('device', '?')} "
        f"({describe_machine(results.get('machine'))}), peak memory "
        f"{results.get('peak_memory_gib', float('nan')):.2f} GiB (run of {results.get('created', '?')}{cache_note}).{beside}\n\n"
        f"{results_table_markdown(results, groups=('assignment',))}\n"
        "Every other row of this run is in the notebook's summary and in `results.json`; the benchmark below has them all.\n"
    )
    _replace_block(readme_path, README_MARKERS, body)


def describe_heads(row: Mapping[str, Any]) -> str:
    """An ensemble's members (SCAN heads): seed, mean NMI with the others and test accuracy, then which is the reference.

    Parameters
    ----------
    row : mapping
        A results row of an ensemble (its ``fitted`` ``head_seeds``,
        ``mean_agreement`` and ``reference_head``, and ``heads_test_acc``). The
        test accuracies are for reading only: they played no part in combining the heads.
    """
    import pandas as pd

    fitted, accuracy = row["fitted"], row["heads_test_acc"]
    seeds, chosen = fitted["head_seeds"], fitted["reference_head"]
    table = pd.DataFrame({"seed": seeds, "mean NMI with the other heads": fitted["mean_agreement"], "test ACC": accuracy}).round(3)
    return (
        f"{table.to_string()}\nReference: head {chosen} (seed {seeds[chosen]}), the most agreeing; "
        f"the heads' mean test ACC is {np.mean(accuracy):.3f}"
    )


def read_benchmark(path: str | os.PathLike) -> dict[str, Any] | None:
    """The benchmark written by ``make bench`` (results/benchmark.json), or ``None`` where there is none yet."""
    import json

    path = Path(path)
    return json.loads(path.read_text()) if path.is_file() else None
