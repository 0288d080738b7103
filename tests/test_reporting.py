"""Results export: results.json without predictions, and the README's generated blocks."""

import json

import pytest

import helpers


def test_write_results_is_json_without_predictions(tmp_path, results):
    path = helpers.write_results(results, tmp_path / "out" / "results.json")
    loaded = json.loads(path.read_text())
    assert "y_pred" not in loaded["methods"]["kmeans_raw"]
    assert loaded["methods"]["ae_gmm"]["nmi"] == 0.62
    assert not list(tmp_path.glob("out/*.tmp"))


def test_write_results_rejects_empty_methods(tmp_path):
    with pytest.raises(ValueError, match="methods"):
        helpers.write_results({"methods": {}}, tmp_path / "r.json")


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
