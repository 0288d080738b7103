"""The Fashion-MNIST loader: real files, and every kind of bad input."""

import gzip
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import helpers

REPO = Path(__file__).resolve().parents[1]
LABELS = "t10k-labels-idx1-ubyte"


@pytest.fixture(scope="module")
def real_data():
    assert helpers.DEBIAN_DATA_DIR.is_dir(), (
        f"{helpers.DEBIAN_DATA_DIR} is missing: install the Debian package dataset-fashion-mnist"
    )
    return helpers.load_fashion_mnist(helpers.DEBIAN_DATA_DIR)


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the four original files."""
    for name in helpers.FASHION_MNIST_SHA256:
        shutil.copy(helpers.DEBIAN_DATA_DIR / f"{name}.gz", tmp_path)
    return tmp_path


def test_real_files_load_like_keras(real_data):
    (x_train, y_train), (x_test, y_test) = real_data
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # Known first labels of the published files (ankle boot, T-shirt, ...).
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]
    assert y_test[:5].tolist() == [9, 2, 1, 1, 6]


def test_idx_encoding_round_trips_to_the_published_checksum(real_data):
    import hashlib

    (_, _), (_, y_test) = real_data
    assert hashlib.sha256(helpers.idx_bytes(y_test)).hexdigest() == helpers.FASHION_MNIST_SHA256[LABELS]


def test_environment_variable_takes_precedence(data_copy, monkeypatch):
    # Uncompressed files are accepted too.
    with gzip.open(data_copy / f"{LABELS}.gz") as stream:
        (data_copy / LABELS).write_bytes(stream.read())
    (data_copy / f"{LABELS}.gz").unlink()
    monkeypatch.setenv(helpers.DATA_DIR_ENV, str(data_copy))
    monkeypatch.setattr(helpers.data, "DEBIAN_DATA_DIR", Path("/nonexistent"))
    (_, _), (_, y_test) = helpers.load_fashion_mnist()
    assert y_test.shape == (10000,)


def test_missing_file_names_it_and_the_fix(data_copy):
    (data_copy / f"{LABELS}.gz").unlink()
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*dataset-fashion-mnist"):
        helpers.load_fashion_mnist(data_copy)


def test_environment_variable_pointing_nowhere_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(helpers.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(helpers.DatasetError, match="not found.*FASHION_MNIST_DIR"):
        helpers.load_fashion_mnist()


def test_truncated_gzip(data_copy):
    path = data_copy / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(helpers.DatasetError, match=r"train-images-idx3-ubyte\.gz.*truncated or corrupt"):
        helpers.load_fashion_mnist(data_copy)


def test_corrupt_gzip(data_copy):
    path = data_copy / f"{LABELS}.gz"
    raw = bytearray(path.read_bytes())
    raw[100:200] = bytes(100)
    path.write_bytes(bytes(raw))
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*truncated or corrupt"):
        helpers.load_fashion_mnist(data_copy)


def test_not_gzip_at_all(data_copy):
    (data_copy / f"{LABELS}.gz").write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*gzip"):
        helpers.load_fashion_mnist(data_copy)


def _deny(monkeypatch, method: str, denied: Path) -> None:
    """Make ``Path.<method>`` raise PermissionError for ``denied`` and what lies under it, as for a non-root user."""
    original = getattr(Path, method)

    def guarded(self, *args, **kwargs):
        if self == denied or denied in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, guarded)


def test_unreadable_folder_is_a_dataset_error_naming_it(data_copy, monkeypatch):
    # A folder without the execute bit: stat() of anything inside fails (root is exempt, hence the patch).
    _deny(monkeypatch, "stat", data_copy)
    with pytest.raises(helpers.DatasetError, match=rf"Permission denied.*{data_copy}.*not damaged"):
        helpers.load_fashion_mnist(data_copy)


def test_unreadable_default_folder_is_a_dataset_error(tmp_path, monkeypatch):
    monkeypatch.delenv(helpers.DATA_DIR_ENV, raising=False)
    monkeypatch.setattr(helpers.data, "DEBIAN_DATA_DIR", tmp_path / "fashion-mnist")
    _deny(monkeypatch, "stat", tmp_path)
    with pytest.raises(helpers.DatasetError, match="Permission denied.*fashion-mnist"):
        helpers.load_fashion_mnist()


def test_unreadable_file_is_a_permission_error_not_corruption(data_copy, monkeypatch):
    path = data_copy / f"{LABELS}.gz"
    real_open = helpers.data.gzip.open

    def gzip_open(name, *args, **kwargs):
        if Path(name) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(helpers.data.gzip, "open", gzip_open)
    with pytest.raises(helpers.DatasetError, match=rf"Permission denied reading {path}") as raised:
        helpers.load_fashion_mnist(data_copy)
    assert "corrupt" not in str(raised.value) and "reinstall" not in str(raised.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_really_unreadable_file(data_copy):
    path = data_copy / f"{LABELS}.gz"
    path.chmod(0)
    with pytest.raises(helpers.DatasetError, match="Permission denied"):
        helpers.load_fashion_mnist(data_copy)


def _rewrite(path: Path, edit) -> None:
    with gzip.open(path) as stream:
        raw = bytearray(stream.read())
    edit(raw)
    with gzip.open(path, "wb") as stream:
        stream.write(bytes(raw))


@pytest.mark.parametrize("magic", [b"\x00\x00\x08\x02", b"\xde\xad\xbe\xef", b"\x00\x00\x0d\x01"])
def test_wrong_magic_number(data_copy, magic):
    _rewrite(data_copy / f"{LABELS}.gz", lambda raw: raw.__setitem__(slice(0, 4), magic))
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*magic number"):
        helpers.load_fashion_mnist(data_copy)


def test_size_disagreeing_with_header(data_copy):
    _rewrite(data_copy / f"{LABELS}.gz", lambda raw: raw.__delitem__(slice(-10, None)))
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*truncated or padded"):
        helpers.load_fashion_mnist(data_copy)


def test_checksum_mismatch(data_copy):
    # Swap two labels: a valid file with the right size and class balance.
    def swap(raw):
        raw[8], raw[9] = raw[9], raw[8]

    _rewrite(data_copy / f"{LABELS}.gz", swap)
    with pytest.raises(helpers.DatasetError, match=rf"{LABELS}\.gz.*SHA-256"):
        helpers.load_fashion_mnist(data_copy)


def _run_keras_path(keras_home: Path) -> subprocess.CompletedProcess:
    """Load with no local copy, so the Keras path runs, in a fresh process."""
    code = textwrap.dedent(
        """
        import helpers
        from pathlib import Path
        helpers.data.DEBIAN_DATA_DIR = Path("/nonexistent")
        (x, y), (xt, yt) = helpers.load_fashion_mnist()
        print("loaded", x.shape, xt.shape)
        """
    )
    env = {k: v for k, v in os.environ.items() if k != helpers.DATA_DIR_ENV}
    # A proxy on a closed local port makes any download fail at once.
    env.update(
        KERAS_HOME=str(keras_home),
        https_proxy="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
        no_proxy="",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_keras_path_uses_and_verifies_the_keras_cache(tmp_path):
    cache = tmp_path / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for name in helpers.FASHION_MNIST_SHA256:
        shutil.copy(helpers.DEBIAN_DATA_DIR / f"{name}.gz", cache)
    result = _run_keras_path(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "loaded (60000, 28, 28) (10000, 28, 28)" in result.stdout

    _rewrite(cache / f"{LABELS}.gz", lambda raw: raw.__setitem__(slice(8, 10), bytes([raw[9], raw[8]])))
    result = _run_keras_path(tmp_path)
    assert result.returncode != 0
    assert "DatasetError" in result.stderr and "SHA-256" in result.stderr


def test_no_local_copy_and_no_network_says_how_to_fix(tmp_path):
    result = _run_keras_path(tmp_path)
    assert result.returncode != 0
    assert "DatasetError: No local copy of Fashion-MNIST" in result.stderr
    assert "dataset-fashion-mnist" in result.stderr


def test_shifted_batches_are_translated_copies_with_input_equal_to_target():
    x = np.zeros((64, 784), dtype="float32")
    x[:, 14 * 28 + 14] = 1.0  # one bright pixel in the centre
    unshifted = next(iter(helpers.random_shift_dataset(x, 64, 0.0, seed=0)))
    np.testing.assert_array_equal(unshifted[0].numpy(), x)
    inputs, targets = next(iter(helpers.random_shift_dataset(x, 64, 0.2, seed=0)))
    inputs = inputs.numpy()
    np.testing.assert_array_equal(inputs, targets.numpy())
    positions = inputs.argmax(axis=1)
    assert len(set(positions)) > 5  # different images moved differently
    rows, cols = np.divmod(positions, 28)
    assert np.abs(rows - 14).max() <= 6 and np.abs(cols - 14).max() <= 6  # at most 20% of 28 pixels
    with pytest.raises(ValueError, match="max_shift"):
        helpers.random_shift_dataset(x, 64, 1.5, seed=0)


def test_shifted_batches_can_ask_for_the_image_before_the_shift():
    x = np.zeros((64, 784), dtype="float32")
    x[np.arange(64), 14 * 28 + 10 + np.arange(64) % 8] = 1.0  # one bright pixel per image, in 8 places of row 14
    inputs, targets = next(iter(helpers.random_shift_dataset(x, 64, 0.2, seed=0, target="original")))
    inputs, targets = inputs.numpy(), targets.numpy()
    # The targets are the untouched images (in the shuffled order), the inputs their shifted copies.
    assert {row.tobytes() for row in targets} <= {row.tobytes() for row in x}
    moved = inputs.argmax(axis=1) != targets.argmax(axis=1)
    assert moved.sum() > 32
    np.testing.assert_allclose(inputs.sum(axis=1), targets.sum(axis=1), rtol=1e-5)  # the same pixel, moved
    with pytest.raises(ValueError, match="target"):
        helpers.random_shift_dataset(x, 64, 0.1, seed=0, target="centred")


def test_random_shifter_moves_each_image_on_its_own_and_repeats_with_its_seed():
    image = np.zeros((28, 28), "float32")
    image[10:18, 10:18] = 1.0
    batch = np.stack([image.ravel()] * 8)
    shifted = helpers.random_shifter(0.2, seed=1)(batch).numpy()
    assert shifted.shape == batch.shape
    assert not np.array_equal(shifted[0], batch[0]) or not np.array_equal(shifted[1], batch[1])
    assert len({row.tobytes() for row in shifted}) > 1  # each image drew its own shift
    again = helpers.random_shifter(0.2, seed=1)(batch).numpy()
    assert np.array_equal(shifted, again)
    assert np.array_equal(helpers.random_shifter(0.0, seed=1)(batch).numpy(), batch)
    with pytest.raises(ValueError, match="max_shift"):
        helpers.random_shifter(1.0, seed=1)


def test_the_validation_split_is_the_rows_keras_holds_out():
    assert helpers.validation_split(60_000) == slice(54_000, 60_000)
    assert helpers.validation_split(3_000) == slice(2_700, 3_000)  # a QUICK run's subset
    with pytest.raises(ValueError, match="too small"):
        helpers.validation_split(1)
