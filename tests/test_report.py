"""The report: built from results.json and the exported figures, read back from the PDF."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECTIONS = ["Abstract", "1 Introduction", "2 Dataset", "3 Architecture", "4 Results", "5 Conclusion", "References"]
SOURCES = ["main.tex", "neurips.sty", "references.bib", "Makefile"]


def build(tmp_path: Path, results_path: Path) -> Path:
    """Build the report in a copy of report/ from the given results.json; return the folder."""
    report = tmp_path / "report"
    report.mkdir()
    for name in SOURCES:
        shutil.copy(REPO / "report" / name, report)
    shutil.copytree(REPO / "report" / "figures", report / "figures")
    subprocess.run(
        ["make", "-C", str(report), f"RESULTS={results_path}", f"BENCHMARK={REPO / 'results' / 'benchmark.json'}",
         f"HELPERS_DIR={REPO}", f"PYTHON={sys.executable}"],
        check=True, capture_output=True, text=True, timeout=300,
    )
    return report


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
        line = next((l for l in text.splitlines() if l.strip().startswith(row["label"]) and re.search(r"\d\.\d{3}", l)), None)
        assert line is not None, row["label"]
        assert re.findall(r"\d\.\d{3}", line)[0] == f"{row['acc']:.3f}"


def test_no_overfull_box_beyond_5pt(built):
    log = (built / "main.log").read_text(errors="replace")
    widths = [float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert all(width <= 5.0 for width in widths), widths


def test_at_most_8_pages_before_the_references(built):
    pages = pdf_pages(built / "main.pdf")
    first_with_references = next(i for i, page in enumerate(pages) if re.search(r"^\s*References\s*$", page, re.MULTILINE))
    # References may start on page 9 at the latest (8 pages of content before).
    assert first_with_references + 1 <= 9


def test_committed_pdf_matches_results_json(results):
    text = "\n".join(pdf_pages(REPO / "report" / "main.pdf"))
    for row in results["methods"].values():
        assert f"{row['acc']:.3f}" in text, row["label"]


def test_a_changed_result_flows_into_the_pdf(tmp_path, results):
    changed = json.loads(json.dumps(results))
    changed["methods"]["ae_gmm"]["acc"] = 0.987
    changed["methods"]["kmeans_raw"]["nmi"] = 0.123
    results_path = tmp_path / "results.json"
    results_path.write_text(json.dumps(changed))
    report = build(tmp_path, results_path)
    pages = pdf_pages(report / "main.pdf")
    text = "\n".join(pages)
    assert text.count("0.987") >= 3  # abstract, results text and table
    assert "0.123" in text
    assert "0.987" in pages[0]  # the abstract, on the first page


def test_benchmark_table_and_text_follow_benchmark_json(built):
    benchmark = json.loads((REPO / "results" / "benchmark.json").read_text())
    text = "\n".join(pdf_pages(built / "main.pdf"))
    n2d = benchmark["methods"]["n2d"]
    assert f"{n2d['acc']['mean']:.3f} ± {n2d['acc']['std']:.3f}" in text
    assert f"over {benchmark['n_runs']} seeds" in text
    assert "N2D (McConville et al., 2019)" in text
