"""Training augmentation keeps shape, dtype and range, and is reproducible with a seed."""
import numpy as np
import pytest
from shapes import digit

from recognizer.normalize import normalize_many
from training.augment import augment_batch


@pytest.fixture
def batch():
    return normalize_many([digit(d) for d in "0123456789"] * 3)


def test_shape_dtype_and_range_are_kept(batch):
    out = augment_batch(batch, seed=3)
    assert out.shape == batch.shape and out.dtype == np.uint8
    assert out.min() >= 0 and out.max() <= 255


def test_same_seed_same_result_other_seed_other_result(batch):
    assert np.array_equal(augment_batch(batch, 7), augment_batch(batch, 7))
    assert not np.array_equal(augment_batch(batch, 7), augment_batch(batch, 8))


def test_input_is_not_modified_and_ink_survives(batch):
    before = batch.copy()
    out = augment_batch(batch, (1, 2, 3))
    assert np.array_equal(batch, before)
    assert (out.reshape(len(out), -1).max(axis=1) > 100).all()


def test_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="28, 28"):
        augment_batch(np.zeros((2, 32, 32), np.uint8), 0)
