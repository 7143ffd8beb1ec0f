"""A profile that says some ink is no digit tips a near tie, it does not force a reading
(``AdaptConfig.regroup_reach``, issue 12: a profile may not make a writer worse).

The case is a dev writer's own ink, taught as ``inkdigits evaluate-adapt --split dev
--seed 1`` teaches it: apple:Jon_Klein's corrections taught the body of their 5 without
its bar (the bar drawn in one stroke with the next digit) as no digit; a 5 drawn so in a
test number was then objected to, and the re-read regrouped the ink into a reading the
shared search had put far below ("7534" read "334", 4.9 nats down)."""
import pytest

from dev_writers import harmed, taught, unipen_writer, with_adapt
from recognizer.number import within_reach
from recognizer.result import Alternative, Recognition

WRITER, SEED = "apple:Jon_Klein", 1


def _reading():
    return Recognition("7534", [], [Alternative("7584", -3.0), Alternative("334", -6.0)],
                       score=-1.0)


def test_a_text_is_within_reach_when_the_shared_reading_held_it_near_its_best():
    reading = _reading()
    assert within_reach(reading, "7534", 0.0)             # its best
    assert within_reach(reading, "7584", 2.0)             # 2 nats down
    assert not within_reach(reading, "7584", 1.9)
    assert not within_reach(reading, "334", 4.0)          # 5 nats down
    assert not within_reach(reading, "11", 100.0)         # never among its readings
    assert within_reach(reading, "11", float("inf"))      # inf: any reading stands


@pytest.fixture(scope="module")
def jon(data_dir):
    return unipen_writer(data_dir, WRITER)


def test_a_profile_does_not_force_a_grouping_the_shared_search_found_unlikely(jon):
    from recognizer import NumberRecognizer

    rec = NumberRecognizer.load()
    assert rec.adapt.regroup_reach < float("inf")
    loose = with_adapt(rec, regroup_reach=float("inf"))
    me, made, tests = taught(rec, jon, SEED)
    harms = harmed(tests["tight"], me, within_reach=rec, any=loose)
    print(f"{WRITER}, {made} corrections: right without a profile, wrong with it: {harms}")
    assert harms["any"] >= 2                             # the case is real ...
    assert harms["within_reach"] < harms["any"]          # ... and the reach prevents it
