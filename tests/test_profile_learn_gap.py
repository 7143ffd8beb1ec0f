"""A correction aligned with a digit's pieces further apart than the search groups
(``AdaptConfig.learn_gap``): the text says how many digits there are.

The case is a dev writer's own ink, taught as ``inkdigits evaluate-adapt --split dev
--seed 1`` teaches it: apple:HarveyLehtman writes a 4 as a hook and a stick up to 0.53
digit heights apart. Aligned within the search's ``max_gap`` (0.45), a correction gave
the hook to the digit before and learnt the stick alone as a 4 ("94" learnt as 9 = the 9
and the hook, 4 = the stick); the profile then read their 1s as 4s (clean test numbers
100 without the profile, 85 with it)."""
import pytest

from dev_writers import taught, unipen_writer, with_adapt

WRITER, SEED = "apple:HarveyLehtman", 1


@pytest.fixture(scope="module")
def harvey(data_dir):
    return unipen_writer(data_dir, WRITER)


@pytest.fixture(scope="module")
def shipped():
    from recognizer import NumberRecognizer

    return NumberRecognizer.load()


def _fours_of_two_strokes(digits, seed):
    """The writer's teaching numbers (as the protocol composes them) with a 4 of two
    strokes in them and no stroke of two digits (a stroke drawn on from one digit into
    the next is cut by another search, of its own failings)."""
    from training.evaluate_adapt import numbers, split_by_order

    lessons = numbers(split_by_order(digits)[0], digits[0].writer, 300, seed)
    return [s for pair in zip(*lessons.values()) for s in pair
            if any(c == "4" and len(set(d)) == 2 for c, d in zip(s.text, s.digit_strokes))
            and sum(len(set(d)) for d in s.digit_strokes)
            == len({i for d in s.digit_strokes for i in d})]


def _misplaced_fours(rec, samples):
    """The texts of ``samples`` whose correction, learnt on an empty profile, gives a 4
    other strokes than the writer drew it with."""
    from recognizer import Profile

    wrong = []
    for s in samples:
        learnt = rec.learn(Profile(), s.strokes, s.text)
        drawn = [sorted(set(d)) for c, d in zip(s.text, s.digit_strokes) if c == "4"]
        if drawn != [d.strokes for d in learnt.digits if d.label == 4]:
            wrong.append(s.text)
    return wrong


def test_a_correction_learns_a_wide_4_as_its_hook_and_stick_together(harvey, shipped):
    samples = _fours_of_two_strokes(harvey, SEED)[:12]
    assert len(samples) >= 8
    narrow = _misplaced_fours(with_adapt(shipped, learn_gap=shipped.config.max_gap), samples)
    wide = _misplaced_fours(shipped, samples)
    print(f"{WRITER}: of {len(samples)} corrections with a 4 of two strokes, 4s given "
          f"other strokes: {narrow} within max_gap, {wide} within learn_gap")
    assert shipped.adapt.learn_gap > shipped.config.max_gap
    assert len(narrow) >= 3 and wide == []


def test_the_writer_s_profile_no_longer_reads_their_1s_as_4s(harvey, shipped):
    me, made, tests = taught(shipped, harvey, SEED)
    assert made == 10
    truth = [s.text for s in tests["clean"]]
    with_ = [shipped.recognize(s.strokes, profile=me).text for s in tests["clean"]]
    without = [shipped.recognize(s.strokes).text for s in tests["clean"]]
    ones_as_fours = [(t, r) for t, r in zip(truth, with_)
                     if len(t) == len(r) and any(a + b == "14" for a, b in zip(t, r))]
    assert ones_as_fours == []
    assert sum(map(str.__eq__, with_, truth)) >= sum(map(str.__eq__, without, truth))
