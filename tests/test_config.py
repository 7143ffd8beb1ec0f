"""SegmentConfig holds every tuning constant of segmentation, and every one reaches the search."""
from dataclasses import fields

import numpy as np
import pytest
from shapes import number

import segmentation.geometry
import segmentation.grouping
import segmentation.pieces
from segmentation import SegmentConfig, segment, validate_ink

SEEN = set()


class Recording(SegmentConfig):
    """A SegmentConfig that notes each field the search reads."""

    def __getattribute__(self, name):
        if name in SegmentConfig.__dataclass_fields__:
            SEEN.add(name)
        return super().__getattribute__(name)


def _unsure(groups):
    probs = np.zeros((len(groups), 11))
    probs[:, [3, 8, 10]] = (0.5, 0.3, 0.2)
    return probs, [None] * len(groups)


def _path(groups):
    return np.full((len(groups), 10), 0.1)


def test_every_field_is_read_by_a_search():
    strokes, _ = number("3081", slant=0.3)
    dot = np.array([[400.0, 50.0, 9999.0]])
    SEEN.clear()
    segment(validate_ink(strokes + [dot]), _unsure, path_scorer=_path, config=Recording())
    assert SEEN == {f.name for f in fields(SegmentConfig)}


@pytest.mark.parametrize("module", [segmentation.pieces, segmentation.geometry,
                                    segmentation.grouping])
def test_no_tuning_constant_is_left_in_the_modules(module):
    numbers = {k for k, v in vars(module).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("__")}
    assert numbers <= {"NUM_DIGITS"}


def pairs_read_as_4(sure):
    """A scorer: a pair of strokes reads as a 4 with probability ``sure``, each alone as 1
    (p 0.5), the rest junk."""
    def score(groups):
        probs = np.zeros((len(groups), 11))
        for k, g in enumerate(groups):
            probs[k, 4 if len(g) == 2 else 1] = sure if len(g) == 2 else 0.5
        probs[:, 10] = 1 - probs.sum(axis=1)
        return probs, [None] * len(groups)
    return score


LOOSE = SegmentConfig(max_gap=2.0, gap_penalty=0.0, widest=5.0, max_width=5.0)


def test_the_config_changes_the_reading():
    ink = validate_ink(number("11", gap=0.6)[0])
    assert segment(ink, pairs_read_as_4(0.99))[0].text == "11"    # too far apart to be one digit
    assert segment(ink, pairs_read_as_4(0.99), config=LOOSE)[0].text == "4"


def test_a_clear_gap_costs_a_merge_its_penalty():
    ink, likely_4 = validate_ink(number("11", gap=0.3)[0]), pairs_read_as_4(0.9)
    assert segment(ink, likely_4, config=LOOSE)[0].text == "4"
    assert segment(ink, likely_4,
                   config=LOOSE.with_values(clear_gap_penalty=8.0))[0].text == "11"
    # a gap narrower than clear_gap is not a clear one
    assert segment(ink, likely_4, config=LOOSE.with_values(
        clear_gap_penalty=8.0, clear_gap=5.0))[0].text == "4"


def test_with_values_refuses_unknown_names():
    assert SegmentConfig().with_values(doubt=0.5).doubt == 0.5
    with pytest.raises(ValueError, match="no_such"):
        SegmentConfig().with_values(no_such=1)
