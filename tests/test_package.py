"""The package by concern: what `import helpers` gives, no private name across a module boundary, the notebook as calls."""

import ast
import json
import re
from pathlib import Path

import helpers

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "helpers").rglob("*.py"))


def test_import_helpers_gives_the_assignment_helpers_and_the_three_subpackages():
    assert set(helpers.__all__) == set(helpers.data.__all__) | set(helpers.metrics.__all__) | set(helpers.plots.__all__)
    assert {"load_fashion_mnist", "cluster_accuracy", "plot_confusion_matrix"} <= set(helpers.__all__)
    assert not {"Study", "DEC", "write_results"} & set(helpers.__all__)
    assert helpers.methods.DEC and helpers.study.Study and helpers.publish.write_results


def _private_imports(path: Path) -> list[str]:
    """Private names this module takes from another of the package: imported, or read as ``module._name``."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            found += [f"from {'.' * node.level}{node.module or ''} import {a.name}" for a in node.names if a.name.startswith("_")]
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id not in ("self", "cls", "super") and node.value.id in _imported_modules(tree):
                found.append(f"{node.value.id}.{node.attr}")
    return found


def _imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            names |= {a.asname or a.name for a in node.names}
    return names


def test_no_module_takes_another_modules_private_names():
    offences = {str(path.relative_to(REPO)): _private_imports(path) for path in MODULES}
    assert {path: names for path, names in offences.items() if names} == {}


def test_the_check_finds_a_private_import(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("from .other import _hidden, visible\nfrom . import cache\ncache._load()\n")
    assert _private_imports(module) == ["from .other import _hidden", "cache._load"]


def _code_cells() -> list[tuple[int, str]]:
    notebook = json.loads((REPO / "main.ipynb").read_text())
    return [
        (index, "".join(cell["source"])) for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", [])
    ]


def test_every_notebook_code_cell_but_the_parameters_is_a_few_short_calls():
    long = {index: len(source.splitlines()) for index, source in _code_cells() if len(source.splitlines()) > 15}
    assert long == {}


def test_no_notebook_cell_writes_results_or_adds_fit_times():
    writes = re.compile(r"results\[[^\]]+\]\s*(=|\.update|\.setdefault)|results\.update|_s\s*=\s*[^=\n]*_s\b\s*\+|\bfit_s\b\s*\+")
    offending = {index: source for index, source in _code_cells() if writes.search(source)}
    assert offending == {}
    assert writes.search('results["scan_heads"] = {}') and writes.search("finetune_fit_s = scan_fit_s + info['fit_s']")


def test_the_notebook_imports_what_it_uses_from_the_subpackages():
    sources = "\n".join(source for _, source in _code_cells())
    assert "from helpers.methods import" in sources and "from helpers.study import" in sources
    used = set(re.findall(r"(?<![\w.])helpers\.(\w+)", sources)) - {"methods", "study", "publish"}
    assert used <= set(helpers.__all__), used - set(helpers.__all__)
