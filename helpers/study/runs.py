"""Notebook runs: parameters checked up front, outputs staged and published as one set."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..data import IMAGE_SHAPE
from ..methods.selection import GMM_INITIALISATIONS
from ..publish.reporting import update_readme_benchmark, update_readme_headline, update_readme_results

__all__ = [
    "QUICK_OUTPUT_DIR", "STAGING_DIR_NAME", "StudyParameters", "NOTEBOOK_PARAMETERS", "check_parameters", "resolve_output_dir",
    "StagedOutputs", "executed_parameters", "recorded_parameters", "INJECTED_PARAMETERS_TAG", "without_injected_parameters",
    "prepare_notebook_run", "finish_notebook_run",
]


#: Where a QUICK run writes when OUTPUT_DIR is not given: never over the committed outputs.
QUICK_OUTPUT_DIR = Path("quick-run")

#: Folder (inside the output folder) where a run's outputs wait until every cell has succeeded.
STAGING_DIR_NAME = ".staging"

def _parameter(kind: str, low: Any = None, high: Any = None, quick: Any = None) -> Any:
    """A field of :class:`StudyParameters`: what it accepts (kind, lower bound, upper bound or choices) and its QUICK value.

    ``quick`` is an upper bound the QUICK variant caps the value at (an int), or ``None`` to keep it.
    """
    return dataclasses.field(metadata={"check": (kind, low, high), "quick": quick})


@dataclasses.dataclass(frozen=True)
class StudyParameters:
    """The notebook's parameters: their checks, their QUICK variant, and what results.json records of them.

    The notebook's tagged ``parameters`` cell gives the values (papermill
    overrides them there); :meth:`from_namespace` checks them, and
    :meth:`for_run` applies QUICK. Each field's metadata says what it accepts
    (``check``) and its QUICK cap (``quick``).
    """

    SEED: int = _parameter("int", 0)
    QUICK: bool = _parameter("bool")
    EPOCHS: int = _parameter("int", 1, quick=2)
    LATENT_DIM: int = _parameter("int", 1)
    HIDDEN_UNITS: list = _parameter("int_list", 1)
    BATCH_SIZE: int = _parameter("int", 1)
    KMEANS_N_INIT: int = _parameter("int", 1)
    GMM_INIT: str = _parameter("choice", None, GMM_INITIALISATIONS)
    CONV_EPOCHS: int = _parameter("int", 1, quick=1)
    OUTPUT_DIR: Any = _parameter("folder_or_none")
    CACHE_DIR: str = _parameter("folder")
    RETRAIN: bool = _parameter("bool")
    SHIFT_EPOCHS: int = _parameter("int", 1, quick=1)
    MAX_SHIFT: float = _parameter("fraction", 0.0, 1.0)
    SHIFT_TARGET: str = _parameter("choice", None, ("shifted", "original"))
    UMAP_NEIGHBORS: int = _parameter("int", 2)
    UMAP_COMPONENTS: int = _parameter("int", 1)
    DEC_MAX_EPOCHS: int = _parameter("int", 1, quick=1)
    SCAN_NEIGHBORS: int = _parameter("int", 1)
    SCAN_PCA_COMPONENTS: int = _parameter("int", 1, IMAGE_SHAPE[0] * IMAGE_SHAPE[1])
    SCAN_EPOCHS: int = _parameter("int", 1, quick=2)
    SCAN_HEADS: int = _parameter("int", 1, quick=2)
    FINETUNE_DISTILL_EPOCHS: int = _parameter("int", 0, quick=1)
    FINETUNE_SCAN_EPOCHS: int = _parameter("int", 0, quick=1)
    RESPLIT_DISTILL_EPOCHS: int = _parameter("int", 0, quick=1)
    RESPLIT_SCAN_EPOCHS: int = _parameter("int", 0, quick=1)
    COMPARISON_GMM_MAX_ITER: int = _parameter("int", 1)

    @classmethod
    def from_namespace(cls, values: Mapping[str, Any]) -> "StudyParameters":
        """The parameters found in ``values`` (the notebook's ``globals()``), checked: see :func:`check_parameters`."""
        return cls(**check_parameters(values))

    def for_run(self) -> "StudyParameters":
        """These parameters as the run uses them: with QUICK, every budget capped at its QUICK value."""
        if not self.QUICK:
            return self
        capped = {f.name: min(getattr(self, f.name), f.metadata["quick"]) for f in dataclasses.fields(self) if f.metadata["quick"] is not None}
        return dataclasses.replace(self, **capped)

    def recorded(self) -> dict[str, Any]:
        """The values that determine the results, for results.json (see :func:`recorded_parameters`)."""
        return recorded_parameters(dataclasses.asdict(self))


#: What each of the notebook's parameters accepts: (kind, lower bound, upper bound or choices), from :class:`StudyParameters`.
NOTEBOOK_PARAMETERS: dict[str, tuple[str, Any, Any]] = {f.name: f.metadata["check"] for f in dataclasses.fields(StudyParameters)}

#: Pairs of training phases of which at least one must run.
_PHASE_PAIRS = (("FINETUNE_DISTILL_EPOCHS", "FINETUNE_SCAN_EPOCHS"), ("RESPLIT_DISTILL_EPOCHS", "RESPLIT_SCAN_EPOCHS"))


def _parse_bool(name: str, value: Any) -> bool:
    """A bool, or the words true/false in any case (papermill passes ``-p QUICK false`` as a string)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{name} must be True or False (or the words true/false), got {value!r}")


def _parse_int(name: str, value: Any, low: int | None, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _parse_folder(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise ValueError(f"{name} must be a folder path, got {value!r}")
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}={str(value)!r} exists and is not a folder: give a folder (it is created if absent)")
    return str(value)


def check_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise the notebook's parameters before any work is done.

    Parameters
    ----------
    values : mapping
        Holds every name of :data:`NOTEBOOK_PARAMETERS` (other names, such as
        the rest of a notebook's globals, are ignored).

    Returns
    -------
    dict
        The parameters, normalised: words true/false as bools, a JSON list
        given as text (``-p HIDDEN_UNITS "[512, 256]"``) as a list, integral
        numbers as int and MAX_SHIFT as float.

    Raises
    ------
    ValueError
        For a missing parameter, a wrong type, a value out of range, or a
        folder that exists as a file; the message names the parameter.
    """
    checked: dict[str, Any] = {}
    for name, (kind, low, high) in NOTEBOOK_PARAMETERS.items():
        if name not in values:
            raise ValueError(f"{name} is not set: the parameters cell must define it")
        value = values[name]
        if kind == "bool":
            checked[name] = _parse_bool(name, value)
        elif kind == "int":
            checked[name] = _parse_int(name, value, low, high)
        elif kind == "int_list":
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError(f"{name} must be a list of integers such as [512, 256], got {value!r}") from None
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"{name} must be a non-empty list of integers, got {value!r}")
            checked[name] = [_parse_int(f"{name}[{i}]", v, low, high) for i, v in enumerate(value)]
        elif kind == "fraction":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value < high:
                raise ValueError(f"{name} must be a number in [{low}, {high}), got {value!r}")
            checked[name] = float(value)
        elif kind == "choice":
            if value not in high:
                raise ValueError(f"{name} must be one of {', '.join(map(repr, high))}, got {value!r}")
            checked[name] = value
        elif kind == "folder_or_none" and value is None:
            checked[name] = None
        else:
            checked[name] = _parse_folder(name, value)
    for first, second in _PHASE_PAIRS:
        if checked[first] == checked[second] == 0:
            raise ValueError(f"{first} and {second} cannot both be 0: one of the two training phases must run")
    return checked


#: Parameters that say where a run reads and writes, not what it computes: left out of results.json.
_LOCATION_PARAMETERS = ("OUTPUT_DIR", "CACHE_DIR", "RETRAIN")


def recorded_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the notebook's parameters that determine its results, for results.json.

    Parameters
    ----------
    values : mapping
        The notebook's namespace (``globals()``) after :func:`check_parameters`
        and any QUICK caps, so the values recorded are those the run used.

    Returns
    -------
    dict
        Every name of :data:`NOTEBOOK_PARAMETERS` except the folders and ``RETRAIN``, in that order.

    Raises
    ------
    ValueError
        If a parameter is missing from ``values``.
    """
    missing = [name for name in NOTEBOOK_PARAMETERS if name not in values]
    if missing:
        raise ValueError(f"values: parameters missing: {', '.join(missing)}")
    return {name: values[name] for name in NOTEBOOK_PARAMETERS if name not in _LOCATION_PARAMETERS}


def resolve_output_dir(output_dir: str | os.PathLike | None, quick: bool) -> Path:
    """The folder a run publishes to: ``output_dir`` if given, else the working
    directory for a full run and :data:`QUICK_OUTPUT_DIR` for a QUICK one (so a
    smoke test never replaces the committed results unless asked to)."""
    if output_dir is not None:
        return Path(output_dir)
    return QUICK_OUTPUT_DIR if quick else Path(".")


#: The file in a staging folder that names the process writing it.
_OWNER_FILE = "owner.json"


def _process_start_time(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux ``/proc``), or None where unknown.

    Told apart from the process id alone, it shows when a dead run's id was reused by a new process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()[19]


def _this_process() -> dict[str, Any]:
    import socket

    return {"host": socket.gethostname(), "pid": os.getpid(), "start": _process_start_time(os.getpid())}


def _owner_running(owner: Mapping[str, Any]) -> bool | None:
    """Whether the process named by a staging folder's owner file still runs; None where this host cannot tell."""
    import socket

    if owner.get("host") != socket.gethostname() or not isinstance(owner.get("pid"), int):
        return None
    try:
        os.kill(owner["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    start = _process_start_time(owner["pid"])
    return start is None or owner.get("start") is None or start == owner["start"]


def _clear_dead_staging(staging_root: Path, own: Path, log: Callable[[str], Any]) -> tuple[list[Path], list[Path]]:
    """Remove the staging folders under ``staging_root`` that no running process owns (see :class:`StagedOutputs`)."""
    import shutil

    me = _this_process()
    removed, kept = [], []
    for folder in sorted(p for p in staging_root.iterdir() if p.is_dir() and p != own):
        try:
            owner = json.loads((folder / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            owner = {}
        same_process = {key: owner.get(key) for key in me} == me
        # Only folders started no later than this run's own (their names begin with the time): a later one is a newer run's.
        older = folder.name[: len("YYYYmmdd-HHMMSS")] <= own.name[: len("YYYYmmdd-HHMMSS")]
        if older and (same_process or _owner_running(owner) is False):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            log(f"[staging] removed {folder}: left by an earlier run that did not finish")
        else:
            kept.append(folder)
            why = "its run may still be going" if owner else "no record of the run that wrote it"
            log(f"[staging] kept {folder}: {why}; remove it yourself once no run uses it")
    return removed, kept


class StagedOutputs:
    """A run's outputs, written into a staging folder and published together.

    The notebook writes its results, figures and LaTeX tables under
    :attr:`path`; its last cell calls :meth:`publish`, which moves them into
    the output folder. A run that fails before that leaves the output folder
    as it was (and its partial outputs under ``<output_dir>/.staging/``, for
    inspection).

    Parameters
    ----------
    output_dir : str or path-like
        Where the outputs belong; created if absent.

    Raises
    ------
    ValueError
        If ``output_dir`` exists and is not a folder.
    """

    def __init__(self, output_dir: str | os.PathLike, log: Callable[[str], Any] = print) -> None:
        import datetime
        import tempfile

        self.output_dir = Path(output_dir)
        if self.output_dir.exists() and not self.output_dir.is_dir():
            raise ValueError(f"output_dir: {self.output_dir} exists and is not a folder")
        staging_root = self.output_dir / STAGING_DIR_NAME
        staging_root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.path = Path(tempfile.mkdtemp(prefix=f"{stamp}-", dir=staging_root))
        (self.path / _OWNER_FILE).write_text(json.dumps(_this_process()))
        self.removed, self.kept = _clear_dead_staging(staging_root, self.path, log)

    def publish(self) -> list[Path]:
        """Move every staged file to the same place under the output folder.

        Returns
        -------
        list of pathlib.Path
            The published files, in their final place.
        """
        import shutil

        published = []
        (self.path / _OWNER_FILE).unlink(missing_ok=True)
        for staged in sorted(p for p in self.path.rglob("*") if p.is_file()):
            target = self.output_dir / staged.relative_to(self.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            published.append(target)
        shutil.rmtree(self.path)
        try:
            self.path.parent.rmdir()  # the staging root, unless another run is staging there too
        except OSError:
            pass
        return published


#: The tag papermill gives the cell it injects; JupyterLab would run such a cell like any other.
INJECTED_PARAMETERS_TAG = "injected-parameters"


def without_injected_parameters(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a notebook (as parsed JSON) without the cells papermill injected.

    papermill keeps an injected cell when it is given no parameters, and
    Jupyter's Run All executes it, so a cell left in the committed notebook
    would override the parameters cell on every later run.
    """
    import copy

    cells = [cell for cell in notebook["cells"] if INJECTED_PARAMETERS_TAG not in cell.get("metadata", {}).get("tags", [])]
    return {**copy.deepcopy(dict(notebook)), "cells": copy.deepcopy(cells)}


def _without_run_record(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """A notebook without papermill's record of an earlier run (which parameters it was given)."""
    metadata = {key: value for key, value in notebook.get("metadata", {}).items() if key != "papermill"}
    return {**notebook, "metadata": metadata}


def _read_notebook(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_notebook(notebook: Mapping[str, Any], path: Path) -> None:
    """Write atomically, in the layout Jupyter writes (one-space indent, a final newline)."""
    staged = path.with_name(f".{path.name}.tmp")
    staged.write_text(json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staged, path)


def prepare_notebook_run(notebook: str | os.PathLike, prepared: str | os.PathLike) -> Path:
    """Copy ``notebook`` to ``prepared`` without injected cells: what ``make run`` hands to papermill.

    Returns
    -------
    pathlib.Path
        ``prepared``.

    Raises
    ------
    ValueError
        If ``notebook`` has no cell tagged ``parameters``.
    """
    source = _read_notebook(Path(notebook))
    executed_parameters(source)  # the parameters cell exists and its defaults pass the check
    _write_notebook(_without_run_record(without_injected_parameters(source)), Path(prepared))
    return Path(prepared)


def executed_parameters(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The checked parameters an executed notebook ran with: its ``parameters``
    cell's defaults, overridden by what papermill injected (:func:`check_parameters`)."""
    namespace: dict[str, Any] = {}
    for cell in notebook["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            exec(source, namespace)  # the project's own cell: plain assignments
            break
    else:
        raise ValueError("the notebook has no cell tagged 'parameters'")
    namespace.update(notebook.get("metadata", {}).get("papermill", {}).get("parameters", {}))
    return check_parameters(namespace)


def finish_notebook_run(
    executed: str | os.PathLike, notebook: str | os.PathLike = "main.ipynb", readme: str | os.PathLike = "README.md"
) -> Path:
    """Put a successfully executed notebook where its outputs went (``make run``).

    The cell papermill injected is removed first (the parameters the run was
    given stay in ``results.json`` and in the notebook's papermill metadata),
    so the published notebook's parameters cell is what a plain rerun uses.
    A run that published into the notebook's own folder replaces ``notebook``
    and refreshes the README's results table; any other run (a QUICK run by
    default, or one given OUTPUT_DIR) keeps its notebook beside its outputs,
    and the committed notebook and README stay as they are.

    Returns
    -------
    pathlib.Path
        Where the executed notebook now is.
    """
    executed, notebook = Path(executed), Path(notebook)
    run = _read_notebook(executed)
    parameters = executed_parameters(run)
    output_dir = resolve_output_dir(parameters["OUTPUT_DIR"], parameters["QUICK"])
    publish_here = output_dir.resolve() == notebook.resolve().parent
    target = notebook if publish_here else output_dir / notebook.name
    _write_notebook(without_injected_parameters(run), target)
    executed.unlink()
    if publish_here:
        benchmark = output_dir / "results" / "benchmark.json"
        update_readme_results(output_dir / "results.json", readme, benchmark)
        if benchmark.is_file():  # the benchmark's tables name the methods as this run does
            update_readme_headline(benchmark, readme, output_dir / "results.json")
            update_readme_benchmark(benchmark, readme, output_dir / "results.json")
        print(f"Published into {output_dir.resolve()}: {notebook}, results.json, report/ and the README's results table.")
    else:
        print(f"Outputs and the executed notebook are in {output_dir}/ ; the committed {notebook}, results and README are untouched.")
    return target
