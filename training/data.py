"""Readers for MNIST (IDX files) and the data directory option."""
import gzip
import os
import struct
from pathlib import Path

import numpy as np

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_MAGIC = {3: 0x00000803, 1: 0x00000801}


class DataError(Exception):
    """A data file is missing, corrupt or truncated; the message names the file."""


def data_dir(path=None):
    """The data directory: ``path``, else $INKDIGITS_DATA, else ../shared/data beside the
    checkout if it exists; None when none is found."""
    for cand in (path, os.environ.get("INKDIGITS_DATA")):
        if cand:
            return Path(cand)
    guess = Path(__file__).resolve().parents[2] / "shared" / "data"
    return guess if guess.is_dir() else None


def _open(path):
    """Find ``path`` raw or gzipped and return its bytes."""
    for cand in (path, path.with_name(path.name + ".gz")):
        if cand.is_file():
            raw = cand.read_bytes()
            if cand.suffix == ".gz":
                try:
                    raw = gzip.decompress(raw)
                except (OSError, EOFError) as exc:
                    raise DataError(f"{cand}: not a readable gzip file ({exc})") from None
            return cand, raw
    raise DataError(f"{path}(.gz): file not found")


def read_idx(path, ndim):
    """Read one IDX file (raw or .gz) holding unsigned bytes with ``ndim`` dimensions."""
    name, raw = _open(Path(path))
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{name}: truncated header ({len(raw)} bytes)")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != _MAGIC[ndim]:
        raise DataError(f"{name}: wrong magic number 0x{magic:08x}, expected 0x{_MAGIC[ndim]:08x}")
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    need = int(np.prod(dims))
    body = raw[4 + 4 * ndim:]
    if len(body) != need:
        raise DataError(f"{name}: truncated or padded data: {len(body)} bytes, header says {need}")
    return np.frombuffer(body, np.uint8).reshape(dims)


def load_mnist(path=None, split="train"):
    """MNIST images (N, 28, 28) uint8 and labels (N,) uint8 from ``<dir>/mnist`` or ``<dir>``.

    With no data directory at all, falls back to ``keras.datasets.mnist`` (a download).
    """
    root = data_dir(path)
    if root is None:
        return _keras_mnist(split)
    folder = root / "mnist" if (root / "mnist").is_dir() else root
    img_name, lbl_name = MNIST_FILES[split]
    images = read_idx(folder / img_name, 3)
    labels = read_idx(folder / lbl_name, 1)
    if len(images) != len(labels) or images.shape[1:] != (28, 28):
        raise DataError(f"{folder}: {len(images)} images of {images.shape[1:]} "
                        f"but {len(labels)} labels")
    return images, labels


def _keras_mnist(split):
    import keras

    try:
        train, test = keras.datasets.mnist.load_data()
    except Exception as exc:  # the download is the only thing that can fail here
        raise DataError("no data directory given (--data or INKDIGITS_DATA) and "
                        f"downloading MNIST through keras failed: {exc}") from None
    return train if split == "train" else test


def file_hashes(path=None):
    """sha256 of every data file used for training, for the model card."""
    import hashlib

    root = data_dir(path)
    out = {}
    if root is None:
        return out
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.name != "README.md":
            out[str(f.relative_to(root))] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out
