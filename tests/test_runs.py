"""Notebook runs: parameters checked before any work, outputs published only by a run that succeeded."""

import json
from pathlib import Path

import pytest

import helpers

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def defaults():
    """The parameters cell's own values, as the notebook defines them."""
    notebook = json.loads((REPO / "main.ipynb").read_text())
    notebook["metadata"].pop("papermill", None)
    return helpers.study.executed_parameters(notebook)


def test_the_notebook_defaults_pass_and_cover_every_parameter(defaults):
    assert set(defaults) == set(helpers.study.NOTEBOOK_PARAMETERS)
    assert defaults["QUICK"] is False and defaults["OUTPUT_DIR"] is None


@pytest.mark.parametrize(("word", "expected"), [("true", True), ("FALSE", False), ("False", False), (" True ", True)])
@pytest.mark.parametrize("name", ["QUICK", "RETRAIN"])
def test_booleans_given_as_words_are_parsed(defaults, name, word, expected):
    assert helpers.study.check_parameters({**defaults, name: word})[name] is expected


@pytest.mark.parametrize("value", ["yes", "0", "", 1, None, "flase"])
@pytest.mark.parametrize("name", ["QUICK", "RETRAIN"])
def test_anything_else_for_a_boolean_is_refused_naming_it(defaults, name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be True or False"):
        helpers.study.check_parameters({**defaults, name: value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("EPOCHS", 0, "EPOCHS must be at least 1, got 0"),
        ("EPOCHS", 2.5, "EPOCHS must be an integer"),
        ("EPOCHS", "30", "EPOCHS must be an integer"),
        ("EPOCHS", True, "EPOCHS must be an integer"),
        ("SEED", -1, "SEED must be at least 0"),
        ("SCAN_HEADS", 0, "SCAN_HEADS must be at least 1, got 0"),
        ("UMAP_NEIGHBORS", 1, "UMAP_NEIGHBORS must be at least 2"),
        ("SCAN_PCA_COMPONENTS", 785, r"SCAN_PCA_COMPONENTS must be in \[1, 784\]"),
        ("HIDDEN_UNITS", [], "HIDDEN_UNITS must be a non-empty list"),
        ("HIDDEN_UNITS", [512, 0], r"HIDDEN_UNITS\[1\] must be at least 1"),
        ("HIDDEN_UNITS", "512, 256", "HIDDEN_UNITS must be a list of integers"),
        ("MAX_SHIFT", 1.0, r"MAX_SHIFT must be a number in \[0.0, 1.0\)"),
        ("MAX_SHIFT", "0.1", "MAX_SHIFT must be a number"),
        ("SHIFT_TARGET", "both", "SHIFT_TARGET must be one of 'shifted', 'original'"),
        ("CACHE_DIR", "", "CACHE_DIR must be a folder path"),
        ("OUTPUT_DIR", 3, "OUTPUT_DIR must be a folder path"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(defaults, name, value, message):
    with pytest.raises(ValueError, match=message):
        helpers.study.check_parameters({**defaults, name: value})


def test_both_phases_of_a_training_cannot_be_skipped(defaults):
    with pytest.raises(ValueError, match="RESPLIT_DISTILL_EPOCHS and RESPLIT_SCAN_EPOCHS cannot both be 0"):
        helpers.study.check_parameters({**defaults, "RESPLIT_DISTILL_EPOCHS": 0, "RESPLIT_SCAN_EPOCHS": 0})
    assert helpers.study.check_parameters({**defaults, "RESPLIT_DISTILL_EPOCHS": 0})["RESPLIT_DISTILL_EPOCHS"] == 0


def test_a_missing_parameter_is_named(defaults):
    del defaults["EPOCHS"]
    with pytest.raises(ValueError, match="EPOCHS is not set"):
        helpers.study.check_parameters(defaults)


@pytest.mark.parametrize("name", ["CACHE_DIR", "OUTPUT_DIR"])
def test_a_folder_that_is_a_file_is_refused_up_front(defaults, tmp_path, name):
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=rf"{name}=.*exists and is not a folder"):
        helpers.study.check_parameters({**defaults, name: str(tmp_path / "file")})


def test_values_are_normalised(defaults):
    checked = helpers.study.check_parameters({**defaults, "HIDDEN_UNITS": "[64, 32]", "MAX_SHIFT": 0, "QUICK": "true"})
    assert checked["HIDDEN_UNITS"] == [64, 32] and checked["MAX_SHIFT"] == 0.0 and checked["QUICK"] is True


def test_a_quick_run_publishes_into_its_own_folder_unless_told():
    assert helpers.study.resolve_output_dir(None, quick=True) == helpers.study.QUICK_OUTPUT_DIR != Path(".")
    assert helpers.study.resolve_output_dir(None, quick=False) == Path(".")
    assert helpers.study.resolve_output_dir(".", quick=True) == Path(".")


def test_staged_outputs_appear_only_when_published(tmp_path):
    (tmp_path / "report" / "figures").mkdir(parents=True)
    (tmp_path / "results.json").write_text("committed")
    (tmp_path / "report" / "figures" / "elbow.png").write_text("committed")
    staged = helpers.study.StagedOutputs(tmp_path)
    (staged.path / "report" / "figures").mkdir(parents=True)
    (staged.path / "results.json").write_text("new")
    (staged.path / "report" / "figures" / "elbow.png").write_text("new")
    (staged.path / "report" / "macros.tex").write_text("new")
    # Before publishing (a run that failed stops here), the output folder is as it was.
    assert (tmp_path / "results.json").read_text() == "committed"
    assert (tmp_path / "report" / "figures" / "elbow.png").read_text() == "committed"
    assert not (tmp_path / "report" / "macros.tex").exists()
    published = staged.publish()
    assert sorted(published) == sorted(
        [tmp_path / "results.json", tmp_path / "report" / "figures" / "elbow.png", tmp_path / "report" / "macros.tex"]
    )
    assert all(path.read_text() == "new" for path in published)
    assert not (tmp_path / helpers.study.STAGING_DIR_NAME).exists()


def test_staging_into_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("")
    with pytest.raises(ValueError, match="output_dir"):
        helpers.study.StagedOutputs(tmp_path / "out")


def injected_cell(**injected) -> dict:
    """The cell papermill inserts after the parameters cell."""
    source = "# Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in injected.items())
    return {"cell_type": "code", "execution_count": 3, "id": "injected", "metadata": {"tags": ["injected-parameters"]},
            "outputs": [], "source": source}


def with_injected_cell(notebook: dict, **injected) -> dict:
    at = next(i for i, cell in enumerate(notebook["cells"]) if "parameters" in cell["metadata"].get("tags", []))
    notebook["cells"].insert(at + 1, injected_cell(**injected))
    return notebook


def executed_notebook(tmp_path: Path, **injected) -> Path:
    """A stand-in for papermill's output: the real parameters cell, and the values papermill injected (cell and metadata)."""
    notebook = with_injected_cell(json.loads((REPO / "main.ipynb").read_text()), **injected)
    notebook["metadata"]["papermill"] = {"parameters": injected}
    path = tmp_path / ".main.run.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def test_finishing_a_quick_run_leaves_the_committed_notebook_and_readme(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.ipynb").write_text("committed")
    (tmp_path / "README.md").write_text("committed")
    helpers.study.QUICK_OUTPUT_DIR.mkdir()
    executed = executed_notebook(tmp_path, QUICK="True")
    where = helpers.study.finish_notebook_run(executed, "main.ipynb", "README.md")
    assert where == helpers.study.QUICK_OUTPUT_DIR / "main.ipynb" and where.is_file()
    assert (tmp_path / "main.ipynb").read_text() == "committed" and (tmp_path / "README.md").read_text() == "committed"


def test_finishing_a_full_run_replaces_the_notebook_and_the_readme_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.ipynb").write_text("committed")
    start, end = helpers.publish.README_MARKERS
    (tmp_path / "README.md").write_text(f"intro\n{start}\nold table\n{end}\n")
    (tmp_path / "results.json").write_text((REPO / "results.json").read_text())
    executed = executed_notebook(tmp_path, SEED=0)
    assert helpers.study.finish_notebook_run(executed, "main.ipynb", "README.md") == Path("main.ipynb")
    assert (tmp_path / "main.ipynb").read_text() != "committed" and not executed.exists()
    assert "old table" not in (tmp_path / "README.md").read_text()


def tags(notebook: dict) -> list:
    return [tag for cell in notebook["cells"] for tag in cell["metadata"].get("tags", [])]


@pytest.mark.parametrize("quick", [False, True])
def test_a_published_notebook_keeps_no_injected_cell(tmp_path, monkeypatch, quick):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "main.ipynb").write_text("committed")
    (tmp_path / "results.json").write_text((REPO / "results.json").read_text())
    start, end = helpers.publish.README_MARKERS
    (tmp_path / "README.md").write_text(f"{start}\n{end}\n")
    helpers.study.QUICK_OUTPUT_DIR.mkdir()
    executed = executed_notebook(tmp_path, RETRAIN=True, QUICK=quick)
    assert "injected-parameters" in tags(json.loads(executed.read_text()))
    published = json.loads(helpers.study.finish_notebook_run(executed, "main.ipynb", "README.md").read_text())
    assert "injected-parameters" not in tags(published) and "parameters" in tags(published)
    # The parameters the run was given stay on record in the metadata; the cell shows what a plain run uses.
    assert published["metadata"]["papermill"]["parameters"] == {"RETRAIN": True, "QUICK": quick}
    assert len(published["cells"]) == len(helpers.study.without_injected_parameters(json.loads((REPO / "main.ipynb").read_text()))["cells"])


def test_the_committed_notebook_has_no_injected_cell_and_runs_its_own_defaults():
    notebook = json.loads((REPO / "main.ipynb").read_text())
    assert "injected-parameters" not in tags(notebook)
    assert not any(cell["source"] and "".join(cell["source"]).startswith("# Parameters") for cell in notebook["cells"])


def test_a_run_is_prepared_without_the_injected_cell(tmp_path):
    source = tmp_path / "main.ipynb"
    source.write_text(json.dumps(with_injected_cell(json.loads((REPO / "main.ipynb").read_text()), RETRAIN=True)))
    prepared = helpers.study.prepare_notebook_run(source, tmp_path / ".main.input.ipynb")
    notebook = json.loads(prepared.read_text())
    assert "injected-parameters" not in tags(notebook) and "parameters" in tags(notebook)
    assert helpers.study.executed_parameters(notebook)["RETRAIN"] is False
    assert "injected-parameters" in tags(json.loads(source.read_text()))  # the source is left as it is


def test_preparing_a_notebook_without_parameters_cell_is_refused(tmp_path):
    source = tmp_path / "other.ipynb"
    source.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ValueError, match="no cell tagged 'parameters'"):
        helpers.study.prepare_notebook_run(source, tmp_path / "prepared.ipynb")
    assert not (tmp_path / "prepared.ipynb").exists()


def dead_process_id() -> int:
    """The id of a process that has just ended."""
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_staging(output_dir: Path, name: str, owner: dict | None) -> Path:
    folder = output_dir / helpers.study.STAGING_DIR_NAME / name
    (folder / "report").mkdir(parents=True)
    (folder / "results.json").write_text("partial")
    if owner is not None:
        (folder / "owner.json").write_text(json.dumps(owner))
    return folder


def test_a_new_run_removes_the_staging_folders_of_dead_runs_only(tmp_path):
    import os
    import socket

    from helpers.study.runs import _process_start_time

    host = socket.gethostname()
    dead = left_staging(tmp_path, "20260101-000000-dead", {"host": host, "pid": dead_process_id(), "start": "1"})
    alive = left_staging(tmp_path, "20260101-000001-alive", {"host": host, "pid": os.getppid(), "start": _process_start_time(os.getppid())})
    # The same id, but another process (its id was reused): the run that wrote it is gone.
    reused = left_staging(tmp_path, "20260101-000002-reused", {"host": host, "pid": os.getppid(), "start": "-1"})
    elsewhere = left_staging(tmp_path, "20260101-000003-other", {"host": host + "-other", "pid": 1, "start": None})
    unknown = left_staging(tmp_path, "20260101-000004-unknown", None)
    newer = left_staging(tmp_path, "29990101-000000-newer", {"host": host, "pid": dead_process_id(), "start": None})
    lines = []
    staged = helpers.study.StagedOutputs(tmp_path, log=lines.append)
    assert sorted(staged.removed) == [dead, reused] and not dead.exists() and not reused.exists()
    assert sorted(staged.kept) == [alive, elsewhere, unknown, newer] and all(p.is_dir() for p in staged.kept)
    assert len(lines) == 6 and all(str(p) in "".join(lines) for p in staged.removed + staged.kept)
    staged.publish()
    assert (tmp_path / "results.json").exists() is False  # nothing was staged, and nothing of the dead runs published


def test_a_run_removes_what_an_earlier_run_in_the_same_kernel_left(tmp_path):
    first = helpers.study.StagedOutputs(tmp_path, log=lambda line: None)
    (first.path / "results.json").write_text("partial")  # this run failed: its kernel lives on, and runs the notebook again
    second = helpers.study.StagedOutputs(tmp_path, log=lambda line: None)
    assert second.removed == [first.path] and not first.path.exists() and second.path.is_dir()


def test_recorded_parameters_keep_what_determines_the_results_in_schema_order():
    values = {name: index for index, name in enumerate(helpers.study.NOTEBOOK_PARAMETERS)}
    recorded = helpers.study.recorded_parameters({**values, "unrelated": 1})
    assert list(recorded) == [name for name in helpers.study.NOTEBOOK_PARAMETERS if name not in ("OUTPUT_DIR", "CACHE_DIR", "RETRAIN")]
    assert recorded["SEED"] == values["SEED"] and "unrelated" not in recorded
    with pytest.raises(ValueError, match="SEED"):
        helpers.study.recorded_parameters({k: v for k, v in values.items() if k != "SEED"})


def test_study_parameters_are_one_declared_structure_with_a_quick_variant(defaults):
    parameters = helpers.study.StudyParameters.from_namespace(defaults)
    assert parameters.for_run() is parameters  # QUICK off: the values as given
    assert set(parameters.recorded()) == set(helpers.study.NOTEBOOK_PARAMETERS) - {"OUTPUT_DIR", "CACHE_DIR", "RETRAIN"}
    quick = helpers.study.StudyParameters.from_namespace({**defaults, "QUICK": "true"}).for_run()
    assert quick.QUICK is True and quick.EPOCHS == min(defaults["EPOCHS"], 2) and quick.DEC_MAX_EPOCHS == 1
    assert quick.SCAN_HEADS == min(defaults["SCAN_HEADS"], 2) and quick.LATENT_DIM == defaults["LATENT_DIM"]
    assert quick.recorded()["EPOCHS"] == quick.EPOCHS  # results.json records what the run used
    with pytest.raises(ValueError, match="EPOCHS"):
        helpers.study.StudyParameters.from_namespace({**defaults, "EPOCHS": 0})
    with pytest.raises(Exception):
        parameters.EPOCHS = 3  # frozen: a run cannot change them behind the record
