"""Smoke test: main.ipynb runs top to bottom in QUICK mode and writes every output."""

import json
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest

import helpers

REPO = Path(__file__).resolve().parents[1]
FIGURES = [
    "sample_images", "elbow", "confusion_kmeans_raw", "autoencoder_loss", "reconstructions",
    "confusion_ae_kmeans", "gmm_bic", "confusion_ae_gmm", "latent_map", "explained_variance",
    "conv_autoencoder_loss", "shift_autoencoder_loss", "confusion_tasks", "cluster_confidence_ae_gmm",
    "confusion_best", "confusion_beyond",
]
METHODS = ["kmeans_raw", "ae_kmeans", "ae_gmm"]
COMPARISONS = [
    f"pca_{level}_{algorithm}" for level in (80, 90, 95) for algorithm in ("kmeans", "gmm")
] + ["conv_kmeans", "conv_gmm", "minibatch_kmeans_raw", "ae_minibatch_kmeans", "ae_ward"]
BEYOND = ["shift_ae_gmm", "dec", "idec", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained"]
NETWORKS = [
    "autoencoder", "conv_autoencoder", "dec", "idec", "shift_autoencoder", "scan", "scan_finetune", "scan_retrained",
]


def run_quick(output_dir: Path, cache_dir: Path, **parameters) -> nbformat.NotebookNode:
    executed = output_dir / "main.executed.ipynb"
    papermill.execute_notebook(
        str(REPO / "main.ipynb"), str(executed),
        parameters={"QUICK": True, "OUTPUT_DIR": str(output_dir), "CACHE_DIR": str(cache_dir), **parameters},
        cwd=str(REPO), progress_bar=False, kernel_name="python3",
    )
    return nbformat.read(executed, as_version=4)


def outputs_text(notebook: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)


def read_results(output_dir: Path) -> dict:
    return json.loads((output_dir / "results.json").read_text())


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("quick")
    return output_dir, run_quick(output_dir, output_dir / "cache")


def test_every_cell_ran_without_error(quick_run):
    _, notebook = quick_run
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells
    for cell in code_cells:
        assert cell.execution_count is not None
        assert not [o for o in cell.outputs if o.output_type == "error"]


def test_parameters_cell_is_tagged_for_papermill():
    notebook = nbformat.read(REPO / "main.ipynb", as_version=4)
    tagged = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and "QUICK" in tagged[0].source and "SEED" in tagged[0].source


def test_results_json_has_every_method(quick_run):
    output_dir, _ = quick_run
    results = json.loads((output_dir / "results.json").read_text())
    assert list(results["methods"]) == METHODS + COMPARISONS + BEYOND
    for key, row in results["methods"].items():
        assert 0 <= row["acc"] <= 1 and 0 <= row["nmi"] <= 1 and -1 <= row["ari"] <= 1
        assert -1 <= row["silhouette"] <= 1
        assert row["fit_s"] > 0 and row["predict_s"] >= 0
        group = "comparison" if key in COMPARISONS else "beyond" if key in BEYOND else "assignment"
        assert row.get("group", "assignment") == group
        # Every row is also scored on the validation split, the only labels that may judge a setting.
        assert 0 <= row["validation"]["acc"] <= 1 and 0 <= row["validation"]["nmi"] <= 1
    assert set(results["protocol"]) == {"fit", "validation", "test"} and "2,700-2,999" in results["protocol"]["validation"]
    assert list(results["supervised"]) == ["logreg_raw", "logreg_pca", "logreg_ae"]
    assert all(0 <= row["acc"] <= 1 for row in results["supervised"].values())
    assert results["parameters"]["QUICK"] is True
    assert results["total_s"] > 0 and results["peak_memory_gib"] > 0
    assert {"load", "kmeans_raw", "autoencoder", "ae_gmm", "latent_map_tsne", "pca", "pca_80_gmm",
            "conv_autoencoder", "conv_gmm", "minibatch_kmeans_raw", "supervised", "dec", "idec",
            "shift_autoencoder", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained"} <= set(results["stages_s"])
    assert results["machine"]["logical_cpus"] >= 1 and results["machine"]["processor"]
    assert results["gmm_selection"]["covariance_type"] in {"full", "tied", "diag", "spherical"}
    assert set(results["deep_clustering"]) == {"dec", "idec"}
    assert all(info["iterations"] >= 1 for info in results["deep_clustering"].values())
    # A cold cache: everything was trained, nothing loaded.
    assert results["cache"]["loaded"] == [] and set(NETWORKS) <= set(results["cache"]["trained"])


def test_the_scan_row_combines_several_heads_around_the_most_agreeing(quick_run):
    output_dir, _ = quick_run
    results = json.loads((output_dir / "results.json").read_text())
    heads = results["scan_heads"]
    count = results["parameters"]["SCAN_HEADS"]
    assert count >= 2 and len(heads["seeds"]) == len(set(heads["seeds"])) == count
    assert results["cache"]["trained"].count("scan") == 1 and results["methods"]["scan"]["params"]["pipeline"][-1]["params"]["n_heads"] == count
    assert heads["chosen"] == max(range(count), key=lambda head: heads["mean_agreement"][head])
    assert len(heads["test_acc"]) == count and all(0 <= acc <= 1 for acc in heads["test_acc"])


def test_every_figure_and_the_latex_table_are_written(quick_run):
    output_dir, _ = quick_run
    for name in FIGURES:
        for suffix in (".pdf", ".png"):
            path = output_dir / "report" / "figures" / f"{name}{suffix}"
            assert path.is_file() and path.stat().st_size > 1000, path
    results = json.loads((output_dir / "results.json").read_text())
    table = (output_dir / "report" / "results.tex").read_text()
    comparisons = (output_dir / "report" / "comparisons.tex").read_text()
    for key, row in results["methods"].items():
        assert f"{row['acc']:.3f}" in (table if key in METHODS else comparisons)
        assert f"{row['silhouette']:.3f}" in comparisons
    macros = (output_dir / "report" / "macros.tex").read_text()
    assert rf"\newcommand{{\AccAeGmm}}{{{results['methods']['ae_gmm']['acc']:.3f}}}" in macros
    assert "Supervised reference (uses the training labels): logistic regression on" in comparisons
    architecture = (output_dir / "report" / "architecture.tex").read_text()
    assert "encoder\\_1\\_bn & BatchNormalization & 512" in architecture


def test_same_seed_gives_the_same_results(quick_run, tmp_path):
    first_dir, _ = quick_run
    run_quick(tmp_path, tmp_path / "fresh_cache")
    first = json.loads((first_dir / "results.json").read_text())["methods"]
    second = json.loads((tmp_path / "results.json").read_text())["methods"]
    # scikit-learn steps: identical clusters, so identical scores.
    assert {m: first["kmeans_raw"][m] for m in ("acc", "nmi", "ari")} == {
        m: second["kmeans_raw"][m] for m in ("acc", "nmi", "ari")
    }
    # Steps through the autoencoder: within 0.01.
    for method in ("ae_kmeans", "ae_gmm"):
        for metric in ("acc", "nmi", "ari"):
            assert abs(first[method][metric] - second[method][metric]) <= 0.01, (method, metric)


def test_second_run_loads_every_model_and_reproduces_the_results(quick_run, tmp_path):
    first_dir, _ = quick_run
    notebook = run_quick(tmp_path, first_dir / "cache")
    second = read_results(tmp_path)
    assert second["cache"]["trained"] == []
    assert set(NETWORKS + ["umapembedding", "kmeans_raw", "n2d"]) <= set(second["cache"]["loaded"])
    text = outputs_text(notebook)
    assert f"[cache] autoencoder: loaded {first_dir / 'cache'}" in text
    assert "Epoch 1/" not in text  # no network was trained
    first = read_results(first_dir)
    for key, row in first["methods"].items():
        assert {m: row[m] for m in ("acc", "nmi", "ari", "fit_s")} == {
            m: second["methods"][key][m] for m in ("acc", "nmi", "ari", "fit_s")
        }, key
    assert second["autoencoder"]["loaded_from_cache"] and not first["autoencoder"]["loaded_from_cache"]


@pytest.fixture(scope="module")
def damaged_and_changed_run(quick_run, tmp_path_factory):
    """A run on a copy of the first run's cache with the autoencoder's file truncated and MAX_SHIFT changed."""
    first_dir, _ = quick_run
    output_dir = tmp_path_factory.mktemp("damaged")
    cache_dir = output_dir / "cache"
    shutil.copytree(first_dir / "cache", cache_dir)
    (saved,) = cache_dir.glob("autoencoder-*/estimator.pkl")
    saved.write_bytes(saved.read_bytes()[:1000])
    notebook = run_quick(output_dir, cache_dir, MAX_SHIFT=0.05)
    return read_results(output_dir), outputs_text(notebook)


def test_a_truncated_model_file_is_reported_and_retrained(damaged_and_changed_run):
    results, text = damaged_and_changed_run
    assert "[cache] autoencoder: discarding damaged entry" in text
    assert "autoencoder" in results["cache"]["trained"]
    assert not results["autoencoder"]["loaded_from_cache"]


def test_a_changed_parameter_retrains_only_what_depends_on_it(damaged_and_changed_run):
    results, _ = damaged_and_changed_run
    # MAX_SHIFT changes the shifted autoencoder and everything downstream of it ...
    assert {"shift_autoencoder", "umapembedding", "n2d", "scan", "scan_finetune", "scan_refined", "scan_retrained"} <= set(results["cache"]["trained"])
    # ... but not the models that do not depend on it.
    assert {"kmeans_raw", "conv_autoencoder"} <= set(results["cache"]["loaded"])


def test_a_single_scan_head_is_the_row_itself(quick_run, tmp_path):
    first_dir, _ = quick_run
    run_quick(tmp_path, first_dir / "cache", SCAN_HEADS=1)
    results = read_results(tmp_path)
    # Only the one-head ensemble and what is built on it are new; its head is the first run's first head, trained again.
    assert results["cache"]["trained"] == ["scan", "scan_finetune", "scan_refined", "scan_retrained"]
    heads, first_heads = results["scan_heads"], read_results(first_dir)["scan_heads"]
    assert heads["seeds"] == first_heads["seeds"][:1] and heads["test_acc"] == first_heads["test_acc"][:1]
    assert heads["chosen"] == 0 and heads["mean_agreement"] is None
    row = results["methods"]["scan"]
    assert row["label"] == "SCAN loss, pixel-PCA neighbours, one head" and row["acc"] == heads["test_acc"][0]


def test_no_scan_head_is_refused_before_any_training(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="SCAN_HEADS must be at least 1, got 0"):
        run_quick(tmp_path, tmp_path / "cache", SCAN_HEADS=0)
    assert not (tmp_path / "cache").exists()  # nothing was trained or cached


def test_bad_words_for_a_boolean_are_refused_before_any_work(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError, match="QUICK must be True or False"):
        run_quick(tmp_path, tmp_path / "cache", QUICK="flase")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "results.json").exists()


def test_a_run_that_fails_midway_leaves_the_outputs_as_they_were(tmp_path, monkeypatch):
    """A QUICK run, without OUTPUT_DIR, from a folder holding 'committed' outputs, that fails after its first figures."""
    committed = {
        "results.json": "committed results",
        "report/figures/confusion_kmeans_raw.png": "committed figure",
        "report/macros.tex": "committed macros",
    }
    for name, text in committed.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    notebook = nbformat.read(REPO / "main.ipynb", as_version=4)
    after = next(i for i, cell in enumerate(notebook.cells) if "confusion_kmeans_raw" in cell.source)
    notebook.cells.insert(after + 1, nbformat.v4.new_code_cell('raise RuntimeError("injected failure")'))
    failing = tmp_path / "failing.ipynb"
    nbformat.write(notebook, failing)
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the kernel runs in tmp_path and imports helpers from the repository
    with pytest.raises(papermill.PapermillExecutionError, match="injected failure"):
        papermill.execute_notebook(
            str(failing), str(tmp_path / "executed.ipynb"), parameters={"QUICK": True, "CACHE_DIR": str(tmp_path / "cache")},
            cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
        )
    for name, text in committed.items():
        assert (tmp_path / name).read_text() == text, name
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    new = {p for p in written if not p.startswith(("cache/", "failing.ipynb", "executed.ipynb")) and p not in committed}
    # The failed run's figures wait in the QUICK run's staging folder, never beside the committed outputs.
    assert new and all(p.startswith(f"{helpers.study.QUICK_OUTPUT_DIR}/{helpers.study.STAGING_DIR_NAME}/") for p in new), new


def test_a_quick_run_without_output_dir_publishes_into_its_own_folder(quick_run, tmp_path, monkeypatch):
    first_dir, _ = quick_run
    (tmp_path / "results.json").write_text("committed results")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    papermill.execute_notebook(
        str(REPO / "main.ipynb"), str(tmp_path / "executed.ipynb"), parameters={"QUICK": True, "CACHE_DIR": str(first_dir / "cache")},
        cwd=str(tmp_path), progress_bar=False, kernel_name="python3",
    )
    assert (tmp_path / "results.json").read_text() == "committed results"
    quick = tmp_path / helpers.study.QUICK_OUTPUT_DIR
    assert read_results(quick)["parameters"]["QUICK"] is True
    assert (quick / "report" / "figures" / "confusion_best.png").is_file() and (quick / "report" / "macros.tex").is_file()
    assert not (quick / helpers.study.STAGING_DIR_NAME).exists()


def with_parameters(notebook: nbformat.NotebookNode, **values) -> nbformat.NotebookNode:
    """The notebook with its parameters cell edited, as a user sets parameters in Jupyter (no papermill)."""
    import re

    (cell,) = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    for name, value in values.items():
        cell.source, count = re.subn(rf"^{name} = .*$", f"{name} = {value!r}", cell.source, flags=re.MULTILINE)
        assert count == 1, name
    return notebook


def execute_as_jupyter(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a kernel, as JupyterLab's Run All does: nbclient, no papermill, no injected parameters."""
    from nbclient import NotebookClient

    NotebookClient(notebook, kernel_name="python3", timeout=None, resources={"metadata": {"path": str(REPO)}}).execute()
    return notebook


def test_run_all_twice_in_jupyter_loads_every_model_the_second_time(tmp_path):
    cache = tmp_path / "cache"
    source = nbformat.read(REPO / "main.ipynb", as_version=4)
    runs = []
    for attempt in ("first", "second"):
        output_dir = tmp_path / attempt
        notebook = with_parameters(nbformat.from_dict(source), QUICK=True, OUTPUT_DIR=str(output_dir), CACHE_DIR=str(cache))
        runs.append((read_results(output_dir) if execute_as_jupyter(notebook) else None, outputs_text(notebook)))
    (first, _), (second, second_text) = runs
    assert first["cache"]["loaded"] == [] and set(NETWORKS) <= set(first["cache"]["trained"])
    assert second["cache"]["trained"] == [] and set(NETWORKS + ["umapembedding", "kmeans_raw", "n2d"]) <= set(second["cache"]["loaded"])
    assert "Epoch 1/" not in second_text and "RETRAIN set" not in second_text
    for key, row in first["methods"].items():
        assert (row["acc"], row["nmi"]) == (second["methods"][key]["acc"], second["methods"][key]["nmi"]), key


def test_make_run_without_parameters_ignores_a_cell_injected_by_an_earlier_run(quick_run, tmp_path):
    """The committed copy holds papermill's cell of a RETRAIN run; a plain make run must run the parameters cell as it is."""
    import subprocess

    first_dir, _ = quick_run
    notebook = with_parameters(
        nbformat.read(REPO / "main.ipynb", as_version=4), QUICK=True, OUTPUT_DIR=str(tmp_path / "out"), CACHE_DIR=str(first_dir / "cache")
    )
    at = next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell("# Parameters\nRETRAIN = True\n", metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(at + 1, injected)
    committed = tmp_path / "main.ipynb"
    nbformat.write(notebook, committed)
    make = subprocess.run(
        ["make", "-C", str(REPO), "run", f"NOTEBOOK={committed}"], capture_output=True, text=True, timeout=1200
    )
    assert make.returncode == 0, make.stdout[-3000:] + make.stderr[-3000:]
    results = read_results(tmp_path / "out")
    assert results["cache"]["retrain"] is False and results["cache"]["trained"] == []
    assert "RETRAIN set" not in make.stdout + make.stderr
    published = nbformat.read(tmp_path / "out" / "main.ipynb", as_version=4)
    assert not [cell for cell in published.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert not (tmp_path / ".main.input.ipynb").exists() and not (tmp_path / ".main.run.ipynb").exists()


def test_make_lab_serves_the_notebook_and_prints_its_address(tmp_path):
    """As root here (and in most containers), without a display: Jupyter must be told --allow-root and --no-browser."""
    import os
    import re
    import signal
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    lab = subprocess.Popen(
        ["make", "-C", str(REPO), "lab", f"LAB_ARGS=--port={port} --ServerApp.port_retries=0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )
    log = []
    try:
        deadline = time.monotonic() + 120
        address = None
        while address is None and time.monotonic() < deadline and lab.poll() is None:
            line = lab.stdout.readline()
            log.append(line)
            match = re.search(rf"(http://(?:127\.0\.0\.1|localhost):{port}/lab\S*\?token=(\w+))", line)
            address = match and match.group(1)
        assert address, "".join(log)[-3000:]
        token = re.search(r"token=(\w+)", address).group(1)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/contents/main.ipynb?content=0", headers={"Authorization": f"token {token}"}
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy set for the internet
        status = body = None
        for attempt in range(60):  # the address is printed as the server starts to listen
            try:
                with direct.open(request, timeout=30) as response:
                    status, body = response.status, json.loads(response.read())
                break
            except urllib.error.URLError:
                time.sleep(0.5)
        assert status == 200 and body["type"] == "notebook" and body["name"] == "main.ipynb", "".join(log)
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
    assert "Running as root is not recommended" not in "".join(log)
