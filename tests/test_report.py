"""The report: built from results.json and the exported figures, read back from the PDF."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ["Abstract", "1 Introduction", "2 Dataset", "3 Architecture", "4 Results", "5 Limitations", "6 Conclusion", "References"]
SOURCES = ["main.tex", "neurips.sty", "references.bib", "Makefile"]


def build(tmp_path: Path, results_path: Path, benchmark_path: Path = REPO / "results" / "benchmark.json") -> Path:
    """Build the report in a copy of report/ from the given results.json (and benchmark); return the folder."""
    report = tmp_path / "report"
    report.mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "report" / name, report)
    shutil.copytree(REPO / "report" / "figures", report / "figures")
    subprocess.run(
        ["make", "-C", str(report), f"RESULTS={results_path}", f"BENCHMARK={benchmark_path}",
         f"HELPERS_DIR={REPO}", f"PYTHON={sys.executable}"],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return report


def flat(text: str) -> str:
    """PDF text on one line: hyphenation at line ends undone, whitespace collapsed."""
    return " ".join(text.replace("-\n", "").split())


def squashed(text: str) -> str:
    """Text without whitespace and hyphens, typographic apostrophes made plain: so that a sentence is found in
    PDF text however LaTeX broke and hyphenated its lines."""
    return re.sub(r"[\s\-]", "", text.replace("\u2019", "'"))


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(tmp_path_factory.mktemp("committed"), REPO / "results.json")


@pytest.fixture(scope="module")
def results():
    return json.loads((REPO / "results.json").read_text())


def test_pdf_has_the_six_sections_and_references(built):
    text = "\n".join(pdf_pages(built / "main.pdf"))
    # pdftotext separates a section's number from its title by several spaces.
    patterns = [r"\s+".join(map(re.escape, title.split())) for title in SECTIONS]
    positions = [re.search(rf"^\s*{pattern}\s*$", text, re.MULTILINE) for pattern in patterns]
    assert all(positions), [t for t, p in zip(SECTIONS, positions) if not p]
    assert [p.start() for p in positions] == sorted(p.start() for p in positions)


def test_every_referenced_figure_exists_and_was_included(built):
    source = (REPO / "report" / "main.tex").read_text()
    figures = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}", source)
    assert len(figures) >= 9
    for name in ("confusion_tasks", "confusion_beyond"):
        # Included at natural size (no width option), so the figure's text of at least 7 pt prints at that size.
        assert re.search(rf"\\includegraphics\{{{name}\}}", source), name
    for name in figures:
        assert (REPO / "report" / "figures" / f"{name}.pdf").is_file(), name
    log = (built / "main.log").read_text(errors="replace")
    log = re.sub(r"(?m)^(.{79})\n", r"\1", log)  # TeX wraps its log lines at 79 characters
    for name in figures:
        assert re.search(rf"figures/+{name}\.pdf\s+used on input line", log), f"{name} was not included"
    assert "not found" not in log.lower()


def test_results_table_in_pdf_matches_results_json(built, results):
    text = "\n".join(pdf_pages(built / "main.pdf"))
    for row in results["methods"].values():
        # A label may head a row of Table 2 (the benchmark's figures) too; its row in Table 3 gives this run's ACC first.
        # Table 3 wraps a label longer than its column: its first 30 characters start the row's first line.
        firsts = [re.findall(r"\d\.\d{3}", l)[0] for l in text.splitlines()
                  if l.strip().startswith(row["label"][:30]) and re.search(r"\d\.\d{3}", l)]
        assert f"{row['acc']:.3f}" in firsts, (row["label"], firsts)


def test_no_overfull_box_beyond_5pt(built):
    log = (built / "main.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert all(width <= 5.0 for width in widths), widths


def test_at_most_8_pages_before_the_references_and_2_of_appendix(built):
    pages = pdf_pages(built / "main.pdf")
    first_with_references = next(i for i, page in enumerate(pages) if re.search(r"^\s*References\s*$", page, re.MULTILINE))
    # The references may share page 9 only if nothing but the page number comes before them there.
    before = pages[first_with_references].split("References", 1)[0]
    content_pages = first_with_references + (1 if re.sub(r"\d+", "", before).strip() else 0)
    assert content_pages <= 8, content_pages
    appendix = next(i for i, page in enumerate(pages) if re.search(r"^\s*A\s+\S", page, re.MULTILINE) and i > first_with_references)
    assert len([page for page in pages[appendix:] if page.strip()]) <= 2


def test_no_type3_font_and_no_undefined_reference(built):
    fonts = subprocess.run(["pdffonts", str(built / "main.pdf")], check=True, capture_output=True, text=True).stdout
    assert "Type 3" not in fonts, fonts
    log = (built / "main.log").read_text(errors="replace")
    assert not re.search(r"(Reference|Citation) .* undefined", log) and "undefined references" not in log


def test_committed_pdf_matches_results_json(results):
    text = "\n".join(pdf_pages(REPO / "report" / "main.pdf"))
    for row in results["methods"].values():
        assert f"{row['acc']:.3f}" in text, row["label"]


def test_a_changed_result_flows_into_the_pdf(tmp_path, results):
    changed = json.loads(json.dumps(results))
    changed["methods"]["ae_gmm"]["acc"] = 0.987
    changed["methods"]["kmeans_raw"]["nmi"] = 0.123
    # Every Bag image moved into the cluster matched to Bag: the sentence on that matrix must now say so.
    confusion = changed["methods"]["ae_gmm"]["confusion"]
    bag = confusion["classes"].index(8)
    confusion["counts"][8] = [1000 if column == bag else 0 for column in range(len(confusion["classes"]))]
    results_path = tmp_path / "results.json"
    results_path.write_text(json.dumps(changed))
    report = build(tmp_path, results_path)
    pages = pdf_pages(report / "main.pdf")
    text = "\n".join(pages)
    assert text.count("0.987") >= 2  # the comparisons table and the text of one run
    assert "0.123" in text
    assert "0.987" not in pages[0]  # the abstract quotes the benchmark's seeds, not one run
    import helpers

    sentence = helpers.publish.describe_confusion(confusion)
    assert sentence.startswith("Bag is recovered best (100% of its images in its cluster)")
    assert sentence != helpers.publish.describe_confusion(results["methods"]["ae_gmm"]["confusion"])
    assert sentence.replace("%", r"\%") in (report / "macros.tex").read_text()
    assert "Bag is recovered best (100% of its images in its cluster)" in flat(text)


def test_the_abstract_leads_with_the_benchmark_and_its_rankings_follow_each_seed(tmp_path, results):
    """Change one seed's score in a copy of the benchmark: the abstract's figures and the ranking sentences change."""
    import helpers

    benchmark = json.loads((REPO / "results" / "benchmark.json").read_text())
    original = helpers.publish.describe_seed_comparison(benchmark, "ae_gmm", "ae_kmeans", labels=helpers.publish.PROSE_NAMES)
    changed = json.loads(json.dumps(benchmark))
    gmm, kmeans = changed["methods"]["ae_gmm"]["acc"], changed["methods"]["ae_kmeans"]["acc"]
    # Autoencoder + GMM above autoencoder + K-Means on every seed: now the seeds rank the two.
    gmm["values"] = [value + 0.1 for value in kmeans["values"]]
    gmm["mean"] = sum(gmm["values"]) / len(gmm["values"])
    path = tmp_path / "benchmark.json"
    path.write_text(json.dumps(changed))
    report = build(tmp_path, REPO / "results.json", path)
    pages = pdf_pages(report / "main.pdf")
    ranked = helpers.publish.describe_seed_comparison(changed, "ae_gmm", "ae_kmeans", labels=helpers.publish.PROSE_NAMES)
    assert ranked != original and f"on all {changed['n_runs']} seeds" in ranked
    abstract = squashed(pages[0].split("Introduction")[0])
    assert f"{gmm['mean']:.3f}" in abstract and squashed(ranked) in abstract
    assert squashed(ranked) in squashed("\n".join(pages)) and squashed(original) not in squashed("\n".join(pages))
    # The committed report, built from the committed benchmark, says the original sentence in its abstract.
    committed = squashed(pdf_pages(REPO / "report" / "main.pdf")[0])
    assert squashed(original) in committed
    for key in ("kmeans_raw", "ae_kmeans", "ae_gmm"):
        row = benchmark["methods"][key]["acc"]
        assert squashed(f"{row['mean']:.3f} ± {row['std']:.3f} ({min(row['values']):.3f})") in committed, key


def pdf_font_points(pdf: Path) -> tuple[float, float]:
    """A figure PDF's width in inches and the smallest font size it sets (points at its own size)."""
    import zlib

    data = pdf.read_bytes()
    width = float(re.search(rb"/MediaBox \[\s*0 0 ([0-9.]+)", data).group(1)) / 72
    sizes = []
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            body = zlib.decompress(stream.group(1))
        except zlib.error:
            body = stream.group(1)
        sizes += [float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", body)]
    return width, min(sizes)


def test_every_figure_prints_its_text_at_6_points_or_more_and_is_referred_to():
    source = (REPO / "report" / "main.tex").read_text()
    text_width = 5.5  # inches, the NeurIPS text width
    for match in re.finditer(r"\\includegraphics(?:\[width=([\d.]+)\\linewidth\])?\{([^}]+)\}", source):
        fraction, name = match.groups()
        width, smallest = pdf_font_points(REPO / "report" / "figures" / f"{name}.pdf")
        # Inside a minipage, \linewidth is the minipage's: the fraction of the text width it was given.
        before = source[: match.start()]
        minipage = re.findall(r"\\begin\{minipage\}\[c\]\{([\d.]+)\\linewidth\}", before)
        inside = minipage and before.rfind(r"\begin{minipage}") > before.rfind(r"\end{minipage}")
        printed = (float(fraction or 1) * (float(minipage[-1]) if inside else 1) * text_width) if (fraction or inside) else width
        assert printed <= text_width + 0.05, name
        points = smallest * printed / width
        assert points >= (7 if name.startswith("confusion") else 6) - 0.05, (name, round(points, 1))
    for label in re.findall(r"\\label\{(fig:[^}]+)\}", source):
        assert rf"\ref{{{label}}}" in source, f"Figure {label} is never referred to"


def test_the_report_names_what_ran_and_cites_each_submitted_report(built):
    text = flat("\n".join(pdf_pages(built / "main.pdf")))
    for phrase in ("run shown", "ledger", "helpers.", "15-minute budget", "Students of the assignment", "issue"):
        assert phrase not in text, phrase
    for authors in ("Amrata Raykar", "Upasana Ghosh", "Vineeth Thayanithi", "Carlos Avelar and Tiago Chaves"):
        assert authors in text, authors
    assert "University at Buffalo" in text and "Unicamp" in text
    assert squashed("printed the normalised mutual information (NMI; for Raykar's baseline, the adjusted mutual information) "
                    "under the name accuracy") in squashed(text)
    assert all(squashed(name) in squashed(text) for name in ("N2D's manifold step", "SCAN's clustering loss", "Our own steps"))


def test_benchmark_table_and_text_follow_benchmark_json(built):
    benchmark = json.loads((REPO / "results" / "benchmark.json").read_text())
    text = "\n".join(pdf_pages(built / "main.pdf"))
    last = benchmark["methods"]["scan_retrained"]
    assert f"{last['acc']['mean']:.3f} ± {last['acc']['std']:.3f}" in text
    assert f"over {benchmark['n_runs']} seeds" in text
    assert "DEC, as quoted by N2D" in " ".join(text.split())
    # The text names the method with the highest mean accuracy, and its worst seed.
    import helpers

    best_key, best = max(benchmark["methods"].items(), key=lambda item: item[1]["acc"]["mean"])
    name = helpers.publish.PROSE_NAMES[best_key]  # named for sentences
    assert squashed(f"The highest mean accuracy is that of {name}") in squashed(text)
    assert squashed(f"worst seed {min(best['acc']['values']):.3f}") in squashed(text)


def copy_report(tmp_path: Path) -> Path:
    """A copy of report/ with its committed PDF and generated inputs, to check that a failed build leaves them."""
    report = tmp_path / "report"
    shutil.copytree(REPO / "report", report, ignore=shutil.ignore_patterns("*.log", "*.aux", ".build-*"))
    return report


def snapshot(report: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(report.iterdir()) if path.suffix in (".pdf", ".tex")}


def make_report(report: Path, results_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-C", str(report), f"RESULTS={results_path}", f"BENCHMARK={REPO / 'results' / 'benchmark.json'}",
         f"HELPERS_DIR={REPO}", f"PYTHON={sys.executable}"],
        capture_output=True, text=True, timeout=300,
    )


def damaged(results: dict, damage: str) -> dict:
    changed = json.loads(json.dumps(results))
    if damage == "nan":
        changed["methods"]["ae_gmm"]["acc"] = float("nan")
    elif damage == "missing_method":
        del changed["methods"]["ae_gmm"]
    elif damage == "missing_key":
        del changed["methods"]["kmeans_raw"]["nmi"]
    elif damage == "missing_section_key":
        del changed["autoencoder"]["epochs_run"]
    elif damage == "missing_run_value":
        del changed["total_s"]
    return changed


EXPECTED_MESSAGES = {
    "nan": r"holds numbers that are not finite: methods\.ae_gmm\.acc = nan",
    "missing_method": r"has no method 'ae_gmm' \(report/main.tex quotes \\AccAeGmm\)",
    "missing_key": r"method 'kmeans_raw' has no 'nmi'",
    "missing_section_key": r"section 'autoencoder' has no 'epochs_run'",
    "missing_run_value": r"quotes \\TotalMinutes, which .* does not provide",
}


@pytest.mark.parametrize("damage", list(EXPECTED_MESSAGES))
def test_bad_results_are_named_and_change_nothing(tmp_path, results, damage):
    report = copy_report(tmp_path)
    before = snapshot(report)
    results_path = tmp_path / "results.json"
    results_path.write_text(json.dumps(damaged(results, damage)))
    build = make_report(report, results_path)
    assert build.returncode != 0
    assert re.search(EXPECTED_MESSAGES[damage], build.stderr), build.stderr[-2000:]
    assert snapshot(report) == before and "main.pdf" in before and "macros.tex" in before


def test_a_failed_latex_run_leaves_the_pdf_and_inputs(tmp_path):
    report = copy_report(tmp_path)
    source = (report / "main.tex").read_text()
    (report / "main.tex").write_text(source.replace(r"\section{Dataset}", r"\section{Dataset}\undefinedcommand", 1))
    before = snapshot(report)
    build = make_report(report, REPO / "results.json")
    assert build.returncode != 0 and "Undefined control sequence" in build.stderr
    assert snapshot(report) == before
    assert not list(report.glob(".build-*"))


def test_every_method_key_is_recovered_from_its_macro_name(results):
    import helpers

    for key in [*results["methods"], "n2d", "pca_95_gmm", "ae_gmm"]:
        assert helpers.publish.latex._method_key_guess(helpers.publish.latex_macro_name(key)) == key


def test_a_complete_results_file_passes_the_check(results):
    import helpers

    helpers.publish.check_report_results(results, (REPO / "report" / "main.tex").read_text())


def test_the_conclusions_claim_holds_on_every_seed_of_the_benchmark():
    """The conclusion says that clustering the codes raised the accuracy over K-Means on the pixels, over the seeds."""
    methods = json.loads((REPO / "results" / "benchmark.json").read_text())["methods"]
    for key in ("ae_kmeans", "ae_gmm"):
        assert all(a > b for a, b in zip(methods[key]["acc"]["values"], methods["kmeans_raw"]["acc"]["values"])), key
    assert "raised the accuracy over \\BenchRuns{} seeds from" in (REPO / "report" / "main.tex").read_text()
