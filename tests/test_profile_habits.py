"""A writer's stroke habits (``AdaptConfig.habit_penalty``): a digit read with more
strokes than the writer ever drew it with, none crossing, is likely a merge with its
neighbour's strokes, and the profile lets the search look for another grouping.

The case is a dev writer's own ink, taught as ``inkdigits evaluate-adapt --split dev
--seed 1`` teaches it: apple:HarveyLehtman. 2026-12-07: of the 100 tight test numbers,
reading with the same profile with its habits and without them differs on 3: two read
right only with them ("178556" read "178536" without), none read right only without.
The habits are off by default since the sequence reader (``AdaptConfig.habit_penalty``
says why); the case is read with them on, as found, and without the sequence reader."""
import pytest

from dev_writers import taught, unipen_writer, with_adapt

WRITER, SEED = "apple:HarveyLehtman", 1


@pytest.fixture(scope="module")
def harvey(data_dir):
    return unipen_writer(data_dir, WRITER)


def test_a_writer_s_stroke_habit_undoes_merges_and_costs_no_number(harvey):
    from recognizer import NumberRecognizer
    from recognizer.adapt import stroke_habits

    from segmentation import SegmentConfig

    shipped = NumberRecognizer.load(config=SegmentConfig(sequence_weight=0.0))
    rec = with_adapt(shipped, habit_penalty=1.0)
    without = with_adapt(rec, habit_penalty=0.0)
    me, made, tests = taught(rec, harvey, SEED)
    assert stroke_habits(me.samples, rec.adapt)[5] < float("inf")   # a habit of their 5s
    fixed, broken = [], []
    for s in tests["tight"]:
        right = rec.recognize(s.strokes, profile=me).text == s.text
        right_without = without.recognize(s.strokes, profile=me).text == s.text
        (fixed if right and not right_without else broken if right_without and not right
         else []).append(s.text)
    print(f"{WRITER}, {made} corrections: read right only with habits {fixed}, "
          f"only without {broken}")
    assert "178556" in fixed and len(fixed) >= 2
    assert broken == []
