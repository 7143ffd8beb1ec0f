"""IDX reading: tiny hand-made files, raw and gzipped, corrupt ones; then the real MNIST."""
import gzip
import struct

import numpy as np
import pytest

from training.data import DataError, data_dir, load_mnist, read_idx

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
LABELS = np.array([7, 9, 4], np.uint8)
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array, magic=None):
    """The IDX encoding of a uint8 array: magic 0x0000080<ndim>, big-endian dims, body."""
    magic = 0x800 + array.ndim if magic is None else magic
    return struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.tobytes()


def write(path, raw, gz=False):
    if gz:
        path = path.with_name(path.name + ".gz")
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("array", [IMAGES, LABELS], ids=["images", "labels"])
def test_read_idx_round_trip(tmp_path, array, gz):
    write(tmp_path / "f-ubyte", idx_bytes(array), gz)
    out = read_idx(tmp_path / "f-ubyte", array.ndim)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, array)


@pytest.mark.parametrize("raw, problem", [
    (idx_bytes(IMAGES, magic=0x801), "wrong magic number 0x00000801"),
    (idx_bytes(IMAGES)[:10], "truncated header"),
    (b"", "truncated header"),
    (idx_bytes(IMAGES)[:-1], "truncated"),
    (idx_bytes(IMAGES) + b"\0", "padded"),
], ids=["magic", "header", "empty", "body", "padded"])
@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_read_idx_corrupt_names_file_and_problem(tmp_path, raw, problem, gz):
    path = write(tmp_path / "images-ubyte", raw, gz)
    with pytest.raises(DataError, match=problem) as err:
        read_idx(tmp_path / "images-ubyte", 3)
    assert str(path) in str(err.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found") as err:
        read_idx(tmp_path / "nothing-ubyte", 1)
    assert str(tmp_path / "nothing-ubyte") in str(err.value)


@pytest.mark.parametrize("raw", [b"not gzip at all", gzip.compress(idx_bytes(LABELS))[:-8]],
                         ids=["not-gzip", "cut-gzip"])
def test_read_idx_bad_gzip(tmp_path, raw):
    (tmp_path / "labels-ubyte.gz").write_bytes(raw)
    with pytest.raises(DataError, match="not a readable gzip file") as err:
        read_idx(tmp_path / "labels-ubyte", 1)
    assert str(tmp_path / "labels-ubyte.gz") in str(err.value)


def test_load_mnist_mismatched_counts(tmp_path):
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(LABELS))
    with pytest.raises(DataError, match="2 images .* but 3 labels"):
        load_mnist(tmp_path, "test")


def test_load_mnist_from_tiny_dir(tmp_path):
    (tmp_path / "mnist").mkdir()
    images = np.full((3, 28, 28), 255, np.uint8)
    write(tmp_path / "mnist" / "t10k-images-idx3-ubyte", idx_bytes(images), gz=True)
    write(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", idx_bytes(LABELS))
    got_images, got_labels = load_mnist(tmp_path, "test")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, LABELS)


@pytest.mark.skipif(data_dir() is None,
                    reason="no MNIST directory (set INKDIGITS_DATA; CI has one)")
@pytest.mark.parametrize("split, counts", [("train", TRAIN_COUNTS), ("test", TEST_COUNTS)])
def test_load_mnist_real(split, counts):
    images, labels = load_mnist(None, split)
    assert images.shape == (sum(counts), 28, 28) and images.dtype == np.uint8
    assert labels.shape == (sum(counts),) and labels.dtype == np.uint8
    assert np.bincount(labels, minlength=10).tolist() == counts
    assert images.max() == 255 and images.min() == 0
