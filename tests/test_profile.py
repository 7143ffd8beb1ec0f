"""A writer's profile: the library contract of issue 12, on the shipped model.

    from recognizer import NumberRecognizer, Profile
    me = Profile()                          # empty: reads exactly as without a profile
    res = rec.recognize(strokes, profile=me)
    rec.learn(me, strokes, "2047")          # returns what it learnt
    blob = me.to_bytes(); me = Profile.from_bytes(blob)
"""
import base64
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from shapes import digit, number, short_bar_seven

from recognizer import (InvalidInk, InvalidLabel, InvalidProfile, Learnt, NumberRecognizer,
                        Profile, result_to_dict)
from recognizer.classifier import SHIPPED_MODEL
from recognizer.pen_path import PATH_POINTS, path_features
from recognizer.profile import JUNK, MAX_BYTES, PATH_CODE, PER_DIGIT, path_codes

pytestmark = pytest.mark.skipif(not Path(SHIPPED_MODEL).is_file(),
                                reason=f"no shipped model at {SHIPPED_MODEL}")


@pytest.fixture(scope="module")
def rec():
    return NumberRecognizer.load()


def zeros_in_one_stroke():
    a, b = digit("0")[0], digit("0", x=78)[0]
    b[:, 2] += a[-1, 2] + 10
    return [np.vstack([a, b])]


def same(a, b):
    """Two Recognitions are the same, crops to the byte."""
    return (result_to_dict(a) == result_to_dict(b)
            and all(x.crop.tobytes() == y.crop.tobytes() for x, y in zip(a.digits, b.digits)))


DRAWINGS = [number("2047")[0], number("3141", gap=0.0, slant=0.3)[0], zeros_in_one_stroke(),
            short_bar_seven(), []]


@pytest.mark.parametrize("k", range(len(DRAWINGS)))
def test_an_empty_profile_reads_byte_identically_to_none(rec, k):
    assert same(rec.recognize(DRAWINGS[k], profile=Profile()), rec.recognize(DRAWINGS[k]))
    again = Profile.from_bytes(Profile().to_bytes())
    assert same(rec.recognize(DRAWINGS[k], profile=again), rec.recognize(DRAWINGS[k]))


def test_learn_returns_what_it_learnt(rec):
    me = Profile()
    strokes, owners = number("2047")
    got = rec.learn(me, strokes, "2047")
    assert isinstance(got, Learnt) and got.text == "2047" and got.dropped == 0
    assert [(d.label, d.strokes) for d in got.digits] == list(zip([2, 0, 4, 7], owners))
    assert [d.shared_label for d in got.digits] == [2, 0, 4, 7] and got.misread == []
    assert len(me) == 4 and me.corrections == 1 and me.counts() == [1, 0, 1, 0, 1, 0, 0, 1, 0, 0]
    assert me.model == rec.classifier.fingerprint


@pytest.mark.parametrize("upright", [False, True])
def test_the_pen_path_reader_is_weighed_by_the_crop_the_search_read(rec, upright):
    from recognizer.adapt import AdaptConfig, AdaptedScorer
    from recognizer.normalize import normalize_many
    from segmentation import validate_ink

    me = Profile()
    strokes, owners = number("3141", slant=0.3)
    rec.learn(me, strokes, "3141")
    seen = []

    class Recording:          # the shared CNN, remembering what it was shown
        def embed(self, crops):
            seen.append(np.array(crops))
            return rec.classifier.embed(crops)

    scorer = AdaptedScorer(Recording(), me.samples, AdaptConfig(upright_paths=upright))
    ink = validate_ink(strokes)
    drawn = [[ink[i][:, :2] for i in o] for o in owners]
    crops = list(np.full((4, 28, 28), 7, np.uint8))     # stand-ins for the search's crops
    probs = scorer.paths(rec.score_paths)(drawn, crops)
    assert probs.shape == (4, 10) and np.allclose(probs.sum(axis=1), 1.0)
    assert np.array_equal(seen[-1], np.stack(crops) if upright else normalize_many(drawn))


def test_a_taught_shape_is_read_at_once_and_others_are_not(rec):
    me = Profile()
    assert rec.recognize(short_bar_seven()).text == "1"
    got = rec.learn(me, short_bar_seven(), "7")
    assert [(d.label, d.shared_label) for d in got.misread] == [(7, 1)]
    # the writer's next 7s, other sizes, places and bars, now read as 7 ...
    for bar, lean, h in ((0.1, 0.0, 80.0), (0.15, 0.05, 120.0), (0.12, -0.05, 60.0)):
        assert rec.recognize(short_bar_seven(500.0, h, bar, lean)).text == "1"
        assert rec.recognize(short_bar_seven(500.0, h, bar, lean), profile=me).text == "7"
    # ... while a plain 1 and a whole number still read as before
    assert rec.recognize(digit("1"), profile=me).text == "1"
    assert rec.recognize(number("2047")[0], profile=me).text == "2047"


def test_a_profile_changes_only_a_reading_it_objects_to(rec):
    # AdaptConfig.guard: where no digit of the shared reading is pulled to another class,
    # the shared reading stands, to the byte; unguarded, the taught digits shift the shares
    from recognizer.adapt import AdaptConfig

    me = Profile()
    rec.learn(me, number("2047")[0], "2047")
    loose = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                             adapt=AdaptConfig(guard=False))
    ink = number("2047", slant=0.1)[0]
    assert same(rec.recognize(ink, profile=me), rec.recognize(ink))
    assert not same(loose.recognize(ink, profile=me), rec.recognize(ink))
    assert loose.recognize(ink, profile=me).text == "2047"
    # where it objects it re-reads: test_a_taught_shape_is_read_at_once_and_others_are_not


def test_learn_aligns_a_reading_that_merged_two_digits_into_one(rec):
    me = Profile()
    ink = zeros_in_one_stroke()
    got = rec.learn(me, ink, "00")
    assert [(d.label, d.strokes) for d in got.digits] == [(0, [0]), (0, [0])]
    assert got.digits[0].bbox[0] < got.digits[1].bbox[0]
    assert me.counts()[0] == 2


def test_a_corrected_grouping_is_learnt_as_not_one_digit_and_read_right_next_time(rec):
    # a 1 written into its neighbour is read as one digit: the merged group is learnt as
    # JUNK, and this writer's next such pair is read as two digits
    ink = number("13", gap=-0.1)[0]
    assert rec.recognize(ink).text == "3"
    me = Profile()
    got = rec.learn(me, ink, "13")
    assert got.not_digits == 1 and me.junk() == 1 and me.counts()[1] == me.counts()[3] == 1
    assert JUNK in me.samples.labels.tolist()
    assert rec.recognize(ink, profile=me).text == "13"
    elsewhere = [s * [0.8, 0.8, 1.0] + [300.0, 40.0, 0.0] for s in ink]  # smaller, moved
    assert rec.recognize(elsewhere).text == "3"
    assert rec.recognize(elsewhere, profile=me).text == "13"
    assert rec.recognize(number("3")[0], profile=me).text == "3"   # a 3 alone stays one
    # a reading already grouped right teaches no junk
    plain = Profile()
    assert rec.learn(plain, number("2047")[0], "2047").not_digits == 0 and plain.junk() == 0


@pytest.mark.parametrize("regroup, read", [("alone", "13"), ("shared", "3")])
def test_regroup_says_whose_count_stands_where_the_profile_finds_another(rec, regroup, read):
    # AdaptConfig.regroup: the profile's re-read of a merged "13" holds two digits, the
    # shared reading one; "alone" (the default) keeps the re-read, "shared" the shared one
    from recognizer.adapt import AdaptConfig

    ink = number("13", gap=-0.1)[0]
    me = Profile()
    rec.learn(me, ink, "13")
    mine = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                            adapt=AdaptConfig(regroup=regroup))
    assert mine.recognize(ink, profile=me).text == read
    with pytest.raises(ValueError, match="regroup"):
        AdaptConfig(regroup="both")


def test_not_digits_are_the_reading_groups_the_alignment_lacks():
    from types import SimpleNamespace as D

    from recognizer.teach import not_digits

    aligned = D(digits=[D(strokes=[0], bbox=(0, 0, 10, 20)), D(strokes=[0], bbox=(12, 0, 22, 20)),
                        D(strokes=[1, 2], bbox=(30, 0, 40, 20))])
    read = D(digits=[D(strokes=[0], bbox=(0, 0, 22, 20), label=0),
                     D(strokes=[1], bbox=(30, 0, 35, 20), label=1),
                     D(strokes=[2], bbox=(36, 0, 40, 20), label=7),
                     D(strokes=[1, 2], bbox=(30, 0, 40, 20), label=4)])
    assert not_digits(read, aligned) == read.digits[:3]
    # without ones, a group read as a 1 (a 4's bar, two 1s read as one) is not learnt
    assert not_digits(read, aligned, ones=False) == [read.digits[0], read.digits[2]]


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_profile_still_reads_with_its_strokes_not_known(version):
    body = json.loads(Profile().to_bytes())
    assert body["version"] == 4
    body["version"] = version
    del body["strokes"], body["paths"]
    assert Profile.from_bytes(json.dumps(body).encode()).to_bytes() == Profile().to_bytes()
    old = Profile.from_bytes(_body(version=version))
    assert old.samples.strokes.tolist() == [0]                 # 0: not known
    assert json.loads(old.to_bytes())["strokes"] == [0]


def test_a_version_3_profile_reads_with_its_paths_not_known():
    old = Profile.from_bytes(_body(version=3, strokes=[2]))
    assert old.samples.strokes.tolist() == [2]
    assert not old.samples.paths.any() and not old.samples.path_vectors.any()
    again = json.loads(old.to_bytes())
    assert again["version"] == 4 and base64.b64decode(again["paths"]) == bytes(PATH_CODE)


def test_learn_keeps_each_digits_pen_path(rec):
    me = Profile()
    got = rec.learn(me, number("47")[0], "47")
    ink = number("47")[0]
    for d, code in zip(got.digits, me.samples.paths):     # the strokes each digit is made of
        want = path_codes(path_features([np.asarray(ink[i], float) for i in d.strokes])[None])
        np.testing.assert_array_equal(code, want[0])
    back = Profile.from_bytes(me.to_bytes()).samples
    np.testing.assert_array_equal(back.paths, me.samples.paths)
    np.testing.assert_array_equal(back.path_vectors, me.samples.path_vectors)


def test_learn_keeps_the_strokes_each_digit_was_drawn_with(rec):
    me = Profile()
    rec.learn(me, number("47")[0], "47")
    assert sorted(zip(me.samples.labels.tolist(), me.samples.strokes.tolist())) == \
        [(4, 2), (7, 1)]                  # the test drawings' 4 has two strokes, 7 one
    assert Profile.from_bytes(me.to_bytes()).samples.strokes.tolist() == \
        me.samples.strokes.tolist()


def test_learn_aligns_a_reading_with_a_digit_too_many(rec):
    # the 4 read with its strokes apart would be two digits; the text says one
    me = Profile()
    got = rec.learn(me, digit("4"), "4")
    assert [(d.label, d.strokes) for d in got.digits] == [(4, [0, 1])]


def test_learn_aligns_within_the_wider_gap_or_within_the_search_s_when_that_is_too_much(
        rec, monkeypatch):
    import recognizer.teach as teach
    from segmentation import TooComplex
    from segmentation.align import force_align

    gaps = []

    def budgeted(ink, scorer, text, config):
        gaps.append(config.max_gap)
        if config.max_gap > rec.config.max_gap:
            raise TooComplex("too complex: the wider search")
        return force_align(ink, scorer, text, config)

    monkeypatch.setattr(teach, "force_align", budgeted)
    got = rec.learn(Profile(), number("58")[0], "58")
    assert gaps == [rec.adapt.learn_gap, rec.config.max_gap]
    assert [d.label for d in got.digits] == [5, 8]

    def too_complex(ink, scorer, text, config):
        raise TooComplex("too complex: every search")

    monkeypatch.setattr(teach, "force_align", too_complex)
    me = Profile()
    with pytest.raises(TooComplex):
        rec.learn(me, number("58")[0], "58")
    assert len(me) == 0


@pytest.mark.parametrize("text", ["11", "111", "2O47", "", " 1", 1, None, ["1"]])
def test_a_text_the_ink_cannot_read_raises_and_changes_nothing(rec, text):
    me = Profile()
    rec.learn(me, number("58")[0], "58")
    before = me.to_bytes()
    with pytest.raises(InvalidLabel):
        rec.learn(me, digit("1"), text)       # one straight stroke: one digit at most
    assert me.to_bytes() == before
    assert isinstance(InvalidLabel("x"), ValueError)


def test_bad_ink_in_learn_is_invalid_ink(rec):
    me = Profile()
    with pytest.raises(InvalidInk):
        rec.learn(me, [[[0, 0], [1, float("nan")]]], "1")
    assert len(me) == 0 and me.corrections == 0


def test_bytes_round_trip(rec):
    me = Profile()
    rec.learn(me, number("2047")[0], "2047")
    rec.learn(me, short_bar_seven(), "7")
    blob = me.to_bytes()
    again = Profile.from_bytes(blob)
    assert again.to_bytes() == blob
    assert (again.model, again.corrections, again.counts()) == (me.model, 2, me.counts())
    for strokes in (short_bar_seven(300.0, 90.0, 0.1), number("7147")[0]):
        assert same(rec.recognize(strokes, profile=again), rec.recognize(strokes, profile=me))


def test_a_profile_of_another_model_is_refused(rec, tiny_model_path):
    mine = Profile()
    rec.learn(mine, number("58")[0], "58")
    other = NumberRecognizer.load(tiny_model_path, path_model=False)
    with pytest.raises(InvalidProfile, match="made with model"):
        other.recognize(number("58")[0], profile=mine)
    with pytest.raises(InvalidProfile, match="made with model"):
        other.learn(mine, number("58")[0], "58")
    assert mine.corrections == 1


def test_a_newer_format_version_is_refused():
    body = json.loads(Profile().to_bytes())
    body["version"] = 5
    with pytest.raises(InvalidProfile, match="version 5"):
        Profile.from_bytes(json.dumps(body).encode())


def _body(**change):
    body = {"format": "inkdigits-profile", "version": 1, "model": "2c6c252669f00a4e",
            "corrections": 1, "dim": 4, "labels": [3], "order": [1],
            "codes": base64.b64encode(bytes([1, 2, 3, 4])).decode()}
    body.update(change)
    return json.dumps(body).encode()


def test_a_well_formed_body_reads():
    p = Profile.from_bytes(_body())
    assert p.counts()[3] == 1 and p.samples.codes.tolist() == [[1, 2, 3, 4]]


@pytest.mark.parametrize("blob", [
    b"", b"\x80\x81", b"[]", b"null", b'"profile"', b"{}", b"[" * 100_000 + b"]" * 100_000,
    b"x" * (MAX_BYTES + 1), "a str, not bytes", None,
    _body(format="other"), _body(version="1"), _body(version=True), _body(dim=-1),
    _body(dim=10 ** 9), _body(labels=[10]), _body(labels=[-1]), _body(labels=[3.0]),
    _body(labels=[True]), _body(order=[2]), _body(order=[1, 1]), _body(corrections=-1),
    _body(version=3), _body(version=3, strokes=[1, 2]), _body(version=3, strokes=[-1]),
    _body(version=3, strokes=[256]), _body(version=3, strokes=["2"]),
    _body(version=4, strokes=[1]), _body(version=4, strokes=[1], paths="not base64!"),
    _body(version=4, strokes=[1], paths=base64.b64encode(bytes(PATH_CODE - 1)).decode()),
    _body(codes="not base64!"), _body(codes=base64.b64encode(b"123").decode()),
    _body(codes=5), _body(model=None), _body(model=["m"]), _body(model="m" * 100),
    _body(labels=[3] * (PER_DIGIT + 1), order=[1] * (PER_DIGIT + 1),
          codes=base64.b64encode(bytes(4 * (PER_DIGIT + 1))).decode()),
])
def test_corrupt_or_hostile_bytes_give_a_clear_error(blob):
    with pytest.raises(InvalidProfile):
        Profile.from_bytes(blob)


def test_not_a_profile_is_refused(rec):
    with pytest.raises(InvalidProfile, match="must be a Profile"):
        rec.recognize(digit("1"), profile={"labels": []})
    with pytest.raises(InvalidProfile, match="must be a Profile"):
        rec.learn(b"bytes", digit("1"), "1")


def test_two_hundred_corrections_stay_small_and_keep_the_newest(rec):
    me = Profile()
    rng, ink = np.random.default_rng(0), np.random.default_rng(1)
    dim = rec.classifier.embedding_size
    for n in range(200):
        labels = rng.integers(0, 10, 6)
        me.add(rec.classifier.fingerprint, labels, rng.random((6, dim)) * 5,
               ink.integers(1, 4, 6), ink.random((6, PATH_POINTS, 2)) - 0.5)
    blob = me.to_bytes()
    assert len(blob) <= 64 * 1024 and me.corrections == 200
    assert me.counts() == [PER_DIGIT] * 10
    # the oldest went first: every digit's samples are its newest PER_DIGIT
    for d in range(10):
        kept = sorted(me.samples.order[me.samples.labels == d].tolist())
        assert kept[0] > 150
    assert Profile.from_bytes(blob).to_bytes() == blob


def test_two_profiles_never_affect_each_other(rec):
    a, b = Profile(), Profile()
    rec.learn(b, number("2047")[0], "2047")
    b_before = b.to_bytes()
    rec.learn(a, short_bar_seven(), "7")
    assert b.to_bytes() == b_before
    probe = short_bar_seven(400.0, 90.0, 0.1)
    assert rec.recognize(probe, profile=a).text == "7"
    assert rec.recognize(probe, profile=b).text == "1"


def test_threads_with_different_profiles_read_as_alone(rec):
    a, b = Profile(), Profile()
    rec.learn(a, short_bar_seven(), "7")
    drawings = [short_bar_seven(300.0, 90.0, 0.1), number("2047")[0], digit("1")]
    alone = {(name, k): result_to_dict(rec.recognize(d, profile=p))
             for name, p in (("a", a), ("b", b), ("none", None)) for k, d in enumerate(drawings)}
    got, errors = {}, []

    def work(name, p):
        try:
            for _ in range(3):
                for k, d in enumerate(drawings):
                    got[name, k] = result_to_dict(rec.recognize(d, profile=p))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=arg) for arg in
               (("a", a), ("b", b), ("none", None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and got == alone
    assert alone["a", 0]["text"] == "7" and alone["b", 0]["text"] == "1"


def test_a_re_read_is_the_profiles_doing_only_where_it_objects_or_pulls(rec):
    # AdaptConfig.supported: the change from the shared reading must be the samples' doing
    from dataclasses import replace

    from recognizer.result import Recognition

    me = Profile()
    ink = number("47")[0]
    rec.learn(me, ink, "47")
    shared = rec.recognize(ink)
    assert shared.text == "47"
    four, seven = shared.digits
    one_hot = [0.0] * 10
    one_hot[1] = 1.0
    as_one = replace(seven, label=1, probabilities=one_hot)    # the 7's ink read as a 1
    assert rec.supported(me.samples, shared, shared)          # nothing changed
    # a re-read turning their 7 into a 1: no sample pulls it there, none objects to the 7
    assert not rec.supported(me.samples, Recognition("41", [four, as_one]), shared)
    # the other way round: their samples object to the 1 and pull the ink to their 7
    assert rec.supported(me.samples, shared, Recognition("41", [four, as_one]))


def test_a_muted_sequence_reader_in_the_re_read_leaves_the_taught_shape_to_the_profile(rec):
    # AdaptConfig.sequence_mutes: the shipped sequence reader puts this short-barred 7
    # far below "1"; asked in the re-read at the shared reading's weight it undoes the
    # correction, unless it is blind to 1 against 7, the digits the profile decides between
    from recognizer.adapt import AdaptConfig

    me = Profile()
    rec.learn(me, short_bar_seven(), "7")
    drawings = [short_bar_seven(), short_bar_seven(300.0, 80.0, 0.1, 0.05),
                short_bar_seven(400.0, 90.0, 0.1)]
    read = {}
    for mutes in (False, True):
        mine = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                                sequence_reader=rec.sequence_reader,
                                adapt=AdaptConfig(sequence_weight=0.2, sequence_mutes=mutes))
        assert [mine.recognize(d).text for d in drawings] == ["1"] * 3
        read[mutes] = [mine.recognize(d, profile=me).text for d in drawings]
        assert mine.recognize(number("7147")[0], profile=me).text == "7147"
    assert read[True] == ["7"] * 3
    assert "1" in read[False]


def test_a_profiles_re_read_asks_the_sequence_reader_only_with_its_own_weight(rec):
    # AdaptConfig.sequence_weight: 0, the re-read goes without the reader; a weight (0.2
    # shipped), it is asked there too, its own reading not proposed (unmuted here: this
    # reader likes a text, it has no log-probabilities to merge)
    from test_sequence import FakeReader

    from recognizer.adapt import AdaptConfig
    from segmentation import SegmentConfig

    me = Profile()
    rec.learn(me, short_bar_seven(), "7")
    for weight, asked in ((0.0, 1), (0.5, 2)):
        reader = FakeReader("1")
        mine = NumberRecognizer(classifier=rec.classifier, path_reader=rec.path_reader,
                                adapt=AdaptConfig(sequence_weight=weight,
                                                  sequence_mutes=False),
                                config=SegmentConfig(sequence_reach=float("inf")),
                                sequence_reader=reader)
        assert mine.recognize(short_bar_seven()).text == "1"
        assert reader.calls == 1
        got = mine.recognize(short_bar_seven(), profile=me).text
        assert reader.calls == 1 + asked             # the shared reading, then the re-read
        if not weight:
            assert got == "7"                        # the taught shape, the reader unasked
