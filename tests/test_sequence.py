"""The sequence reader's pieces: its features, its CTC likelihood of a text, and how the
search re-ranks its texts by them."""
import itertools

import numpy as np
import pytest

from recognizer.sequence import (BLANK, MAX_JUMP, SEQUENCE_FEATURES, Opinion, class_roots,
                                 log_likelihoods, output_steps, sequence_features)
from segmentation.grouping import rerank


def brute_force(log_probs, text):
    """log P(text): every path of the T steps, collapsed (repeats merged, blanks dropped),
    summed where it gives ``text``."""
    probs = np.exp(log_probs)
    total = 0.0
    for path in itertools.product(range(BLANK + 1), repeat=len(probs)):
        collapsed = [c for k, c in enumerate(path) if c != BLANK and (k == 0 or path[k - 1] != c)]
        if "".join(map(str, collapsed)) == text:
            total += np.prod(probs[np.arange(len(probs)), path])
    return np.log(total) if total > 0 else -np.inf


def random_log_probs(rng, steps):
    logits = rng.normal(size=(steps, BLANK + 1)) * 2
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("seed", range(3))
def test_ctc_likelihood_matches_every_path_summed(seed):
    rng = np.random.default_rng(seed)
    log_probs = random_log_probs(rng, 4)
    texts = ["", "7", "00", "12", "121", "1111", "3", "33"]
    got = log_likelihoods(log_probs, texts)
    want = [brute_force(log_probs, t) for t in texts]
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert got[texts.index("1111")] == -np.inf     # 4 steps cannot hold 1111's blanks


def test_ctc_likelihood_matches_tensorflow():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(7)
    log_probs = random_log_probs(rng, 30)
    texts = ["2047", "20047", "9", "123456", "11"]
    got = log_likelihoods(log_probs, texts)
    for text, value in zip(texts, got):
        loss = tf.nn.ctc_loss(labels=tf.constant([[int(c) for c in text]], tf.int32),
                              logits=tf.constant(log_probs[None], tf.float32),
                              label_length=tf.constant([len(text)]),
                              logit_length=tf.constant([30]), logits_time_major=False,
                              blank_index=BLANK)
        assert value == pytest.approx(-float(loss[0]), rel=1e-4)


def brute_force_blind(log_probs, text, same):
    """log P(text) where the classes of ``same`` (a set) are one: every path of the T steps
    with those classes counted as one label, collapsed, summed where it gives ``text``
    read the same way."""
    probs = np.exp(log_probs)
    one = min(same)
    mapped = [one if int(c) in same else int(c) for c in text]
    total = 0.0
    for path in itertools.product(range(BLANK + 1), repeat=len(probs)):
        m = [one if c in same else c for c in path]
        collapsed = [c for k, c in enumerate(m) if c != BLANK and (k == 0 or m[k - 1] != c)]
        if collapsed == mapped:
            total += np.prod(probs[np.arange(len(probs)), path])
    return np.log(total) if total > 0 else -np.inf


@pytest.mark.parametrize("seed", range(3))
def test_a_merged_opinion_sums_every_path_reading_either_class_in_each_place(seed):
    rng = np.random.default_rng(seed)
    log_probs = random_log_probs(rng, 4)
    blind = Opinion(lambda: log_probs).merged([(7, 1), (9, 7)])
    texts = ["7", "1", "9", "17", "71", "171", "3", "73", "31", ""]
    want = [brute_force_blind(log_probs, t, {1, 7, 9}) for t in texts]
    np.testing.assert_allclose(blind(texts), want, rtol=1e-9)
    got = dict(zip(texts, blind(texts)))
    assert got["7"] == got["1"] == got["9"] and got["17"] == got["71"]
    # a text of other digits reads as it did
    assert got["3"] == pytest.approx(log_likelihoods(log_probs, ["3"])[0], rel=1e-12)
    assert blind.text() == ""


def test_classes_joined_by_pairs_share_the_smallest_as_representative():
    assert class_roots([(7, 1), (9, 7), (4, 2)]) == {1: 1, 7: 1, 9: 1, 2: 2, 4: 2}
    assert class_roots([]) == {}


def test_no_steps_reads_only_the_empty_text():
    got = log_likelihoods(np.zeros((0, BLANK + 1)), ["", "1"])
    assert got[0] == 0.0 and got[1] == -np.inf


def test_output_steps_follow_two_halvings():
    assert [output_steps(n) for n in (1, 2, 3, 4, 5, 8, 9)] == [1, 1, 1, 1, 2, 2, 3]


def square(x0, y0, size, n=5):
    """A square drawn from its top-left corner, ``n`` points per side (corners included)."""
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], np.float64)
    t = np.linspace(0, 1, n)[:-1, None]
    sides = [a + t * (b - a) for a, b in zip(corners[:-1], corners[1:])]
    return np.vstack(sides + [corners[-1:]]) * size + [x0, y0]


def test_features_do_not_depend_on_scale_offset_or_sampling():
    ink = [square(0, 0, 10), square(15, 0, 10)]
    moved = [s * 3 + [500, -70] for s in ink]
    dense = [square(0, 0, 10, 50), square(15, 0, 10, 50)]
    a, b, c = (sequence_features(i) for i in (ink, moved, dense))
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert a.shape == c.shape and a.shape[1] == SEQUENCE_FEATURES
    np.testing.assert_allclose(a, c, atol=1e-5)


def test_features_mark_jumps_and_stroke_starts():
    ink = [square(0, 0, 10), square(100, 0, 10)]
    f = sequence_features(ink)
    starts = np.flatnonzero(f[:, 3])
    assert len(starts) == 2 and starts[0] == 0
    assert f[starts, 2].tolist() == [0.0, 0.0]          # the pen is up on the way there
    assert f[1:starts[1], 2].min() == 1.0
    assert f[starts[1], 0] == MAX_JUMP                   # ten heights away, clipped
    # each move along a stroke is one twelfth of the drawing's height, or less
    assert np.hypot(f[f[:, 2] == 1, 0], f[f[:, 2] == 1, 1]).max() <= 1 / 12 + 1e-6
    assert sequence_features([]).shape == (0, SEQUENCE_FEATURES)


def texts(*pairs):
    return [(score, None, text) for score, text in pairs]


def test_rerank_adds_the_weighted_likelihood_and_sorts():
    found = texts((-1.0, "27200"), (-1.5, "22200"), (-3.0, "2720"))
    got = rerank(found, [-5.0, -1.0, -2.0], 0.5)
    assert [t for _, _, t in got] == ["22200", "27200", "2720"]
    assert [s for s, _, _ in got] == [-2.0, -3.5, -4.0]


def test_rerank_puts_impossible_texts_last_and_moves_nothing_when_all_are():
    found = texts((-1.0, "1111"), (-2.0, "11"))
    assert [t for _, _, t in rerank(found, [-np.inf, -3.0], 0.1)] == ["11", "1111"]
    assert rerank(found, [-np.inf, -np.inf], 0.1) == found


class FakeReader:
    """A sequence reader that likes one text (and reads it by itself) and counts the
    times it is asked."""

    def __init__(self, liked):
        self.liked, self.calls = liked, 0

    def opinion(self, ink):
        from recognizer.sequence import Opinion

        reader = self

        class Liking(Opinion):
            def __call__(self, texts):
                reader.calls += 1
                return np.array([0.0 if t == reader.liked else -100.0 for t in texts])

            def text(self):
                return reader.liked

        return Liking(lambda: None)


@pytest.fixture(scope="module")
def shipped():
    """The shipped readers, the sequence reader not asked."""
    from recognizer import NumberRecognizer
    from segmentation import SegmentConfig

    rec = NumberRecognizer.load(config=SegmentConfig(sequence_weight=0.0))
    rec.classifier
    return rec


def with_reader(shipped, reader, weight, reach=float("inf"), proposes=False):
    from recognizer import NumberRecognizer
    from segmentation import SegmentConfig

    return NumberRecognizer(classifier=shipped.classifier, path_reader=shipped.path_reader,
                            config=SegmentConfig(sequence_weight=weight, sequence_reach=reach,
                                                 sequence_proposes=proposes),
                            sequence_reader=reader)


def test_weight_zero_never_asks_the_sequence_reader(shipped):
    from shapes import number

    ink, _ = number("2047")
    fake = FakeReader("9999")
    got = with_reader(shipped, fake, 0.0).recognize(ink)
    assert fake.calls == 0
    assert got.text == shipped.recognize(ink).text == "2047"


def test_the_sequence_reader_re_ranks_the_searchs_texts(shipped):
    from shapes import number

    ink, _ = number("2047")
    plain = shipped.recognize(ink)
    other = plain.alternatives[0].text
    got = with_reader(shipped, FakeReader(other), 1.0).recognize(ink)
    assert got.text == other
    assert "".join(str(d.label) for d in got.digits) == other
    assert "2047" in [a.text for a in got.alternatives]
    # without proposals, a text the search never found is never read
    assert with_reader(shipped, FakeReader("5555"), 1.0).recognize(ink).text == "2047"


def test_the_readers_own_text_joins_the_texts_it_judges_where_proposals_are_on(shipped):
    # SegmentConfig.sequence_proposes: the text the reader reads by itself is grouped by
    # the search constrained to read it (forced alignment) and judged with the others
    from shapes import number

    ink, _ = number("2047")
    got = with_reader(shipped, FakeReader("5555"), 1.0, proposes=True).recognize(ink)
    assert got.text == "5555"
    assert [d.label for d in got.digits] == [5, 5, 5, 5]
    assert sorted(i for d in got.digits for i in d.strokes) == list(range(len(ink)))
    assert "2047" in [a.text for a in got.alternatives]
    # a text no grouping of the ink reads is not proposed
    assert with_reader(shipped, FakeReader("5" * 9), 1.0, proposes=True).recognize(ink).text \
        == "2047"


def test_the_sequence_reader_is_asked_only_when_a_runner_up_is_within_reach(shipped):
    from shapes import number

    ink, _ = number("2047")
    plain = shipped.recognize(ink)
    gap = plain.score - plain.alternatives[0].score
    far = FakeReader(plain.alternatives[0].text)
    assert with_reader(shipped, far, 1.0, reach=gap / 2).recognize(ink).text == "2047"
    assert far.calls == 0
    near = FakeReader(plain.alternatives[0].text)
    assert with_reader(shipped, near, 1.0, reach=gap * 2).recognize(ink).text != "2047"
    assert near.calls == 1


def test_rerank_of_the_first_texts_counts_the_rest_as_the_least_likely():
    found = texts((-1.0, "12"), (-1.2, "72"), (-9.0, "172"))
    got = rerank(found, [-10.0, 0.0], 1.0)
    assert [(s, t) for s, _, t in got] == [(-1.2, "72"), (-11.0, "12"), (-19.0, "172")]


def test_training_batches_hold_every_number_once_padded(tmp_path):
    from training.train_sequence import batches

    rng = np.random.default_rng(0)
    features = [np.ones((n, SEQUENCE_FEATURES), np.float32) * n for n in (5, 40, 9, 300, 41)]
    labels = [np.arange(k, dtype=np.int32) for k in (1, 3, 2, 6, 3)]
    seen = []
    for x, y, ny, nt in batches(features, labels, rng, batch_points=100):
        assert x.shape[0] * x.shape[1] <= max(100, x.shape[1])
        for row, lab, n, steps in zip(x, y, ny, nt):
            length = int(row[:, 0].max())            # each number's rows hold its length
            assert (row[:length] == length).all() and (row[length:] == 0).all()
            assert steps == output_steps(length) and n == len(lab[lab >= 0])
            seen.append(length)
    assert sorted(seen) == [5, 9, 40, 41, 300]


def test_varied_banks_keep_writers_labels_and_counts():
    from training.pendigits import PenDigit
    from training.train_sequence import varied_banks

    one = PenDigit(strokes=(np.array([[0, 0, 0], [0, 10, 10], [1, 20, 20.0]]),), label=1,
                   writer=3)
    banks = {"pendigits": {3: {1: [one] * 50}}}
    varied = varied_banks(banks, np.random.default_rng(0), share=0.5)
    mine = varied["pendigits"][3][1]
    assert len(mine) == 50 and all(d.label == 1 and d.writer == 3 for d in mine)
    changed = sum(d is not one for d in mine)
    assert 10 < changed < 40
    assert all(s.shape[1] == 3 for d in mine for s in d.strokes)    # times given back


def test_lite_export_reads_as_keras(tmp_path):
    from recognizer.sequence import LiteSequenceReader, load_sequence_reader
    from training.export import export_sequence_lite
    from training.train_sequence import build_sequence_model

    path = tmp_path / "sequence.keras"
    build_sequence_model(width=8).save(path)
    out, worst = export_sequence_lite(path)
    assert worst < 1e-3
    lite, keras_reader = load_sequence_reader(path), load_sequence_reader(path, runtime="keras")
    assert isinstance(lite, LiteSequenceReader)
    ink, _ = __import__("shapes").number("2047")
    texts = ["2047", "207", "20477"]
    np.testing.assert_allclose(lite.log_likelihoods(ink, texts),
                               keras_reader.log_likelihoods(ink, texts), rtol=1e-3)


def test_train_sequence_smoke(tmp_path, pen_data_dir):
    import json

    from inkdigits.cli import main
    from training.splits import split_of

    out = tmp_path / "run"
    assert main(["train-sequence", "--data", pen_data_dir, "--epochs", "1", "--numbers", "60",
                 "--width", "8", "--dev-count", "3", "--out", str(out)]) == 0
    card = json.loads((out / "sequence_card.json").read_text())
    assert card["command"].startswith("inkdigits train-sequence")
    assert {split_of(w) for w in card["train_writers"]} == {"train"}
    assert set(card["dev_best_path_exact"]) == {"pendigits", "unipen"}
    assert (out / "sequence.tflite").is_file()


def test_train_sequence_without_data_is_a_clear_error(tmp_path, capsys):
    from inkdigits.cli import main

    assert main(["train-sequence", "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "not found" in capsys.readouterr().err


def test_shipped_card_figures_are_what_the_shipped_reader_reads(pen_data_dir):
    import json

    from recognizer.sequence import SHIPPED_SEQUENCE_MODEL, load_sequence_reader
    from training.compose import generate, load_bank
    from training.splits import split_of
    from training.train_sequence import exact_rate

    card = json.loads(SHIPPED_SEQUENCE_MODEL.with_name("sequence_card.json").read_text())
    assert {split_of(w) for w in card["train_writers"]} == {"train"}
    model = load_sequence_reader(runtime="keras").model
    count = card["config"]["dev_count"]
    for source, stated in card["dev_best_path_exact"].items():
        bank = load_bank(pen_data_dir, source, "dev")
        got = exact_rate(model, generate("clean", count, 0, bank))
        assert got == pytest.approx(stated["clean"], abs=1.5 / count)


def _member(directory, seed, writers):
    """A tiny untrained sequence reader saved with a card naming ``writers``."""
    import json

    import keras

    from training.train_sequence import build_sequence_model

    keras.utils.set_random_seed(seed)
    directory.mkdir()
    build_sequence_model(width=8).save(directory / "sequence.keras")
    (directory / "sequence_card.json").write_text(json.dumps(
        {"command": f"inkdigits train-sequence --seed {seed}", "train_writers": writers}))
    return directory / "sequence.keras"


def test_averaged_readers_hold_each_readers_log_probabilities_side_by_side(tmp_path,
                                                                             pen_data_dir):
    import json

    import keras

    from inkdigits.cli import main

    a = _member(tmp_path / "a", 1, ["pendigits:1", "apple:A"])
    b = _member(tmp_path / "b", 2, ["pendigits:2", "apple:A"])
    out = tmp_path / "avg"
    assert main(["average-sequence", str(a), str(b), "--data", pen_data_dir,
                 "--dev-count", "2", "--out", str(out)]) == 0
    x = np.random.default_rng(0).normal(size=(1, 37, SEQUENCE_FEATURES)).astype(np.float32)

    def log_softmax(z):
        z = np.asarray(z, np.float64)
        top = z.max(-1, keepdims=True)
        return z - top - np.log(np.exp(z - top).sum(-1, keepdims=True))

    members = [keras.saving.load_model(p, compile=False) for p in (a, b)]
    want = np.stack([log_softmax(m(x)) for m in members], axis=2)      # (1, T, 2, 11)
    got = keras.saving.load_model(out / "sequence.keras", compile=False)(x)
    np.testing.assert_allclose(np.asarray(got), want, atol=1e-5)
    card = json.loads((out / "sequence_card.json").read_text())
    assert card["train_writers"] == ["apple:A", "pendigits:1", "pendigits:2"]
    assert [m["command"] for m in card["members"]] == ["inkdigits train-sequence --seed 1",
                                                       "inkdigits train-sequence --seed 2"]
    assert (out / "sequence.tflite").is_file()


@pytest.mark.parametrize("seed", range(2))
def test_readers_side_by_side_give_the_mean_of_each_texts_log_likelihood(seed):
    rng = np.random.default_rng(seed)
    one, two = random_log_probs(rng, 5), random_log_probs(rng, 5)
    texts = ["1", "12", "121", "", "33"]
    want = [(brute_force(one, t) + brute_force(two, t)) / 2 for t in texts]
    np.testing.assert_allclose(log_likelihoods(np.stack([one, two], axis=1), texts), want,
                               rtol=1e-9)


def test_averaging_needs_two_carded_readers(tmp_path, capsys):
    from inkdigits.cli import main

    a = _member(tmp_path / "a", 1, [])
    assert main(["average-sequence", str(a), "--out", str(tmp_path / "o")]) == 2
    assert "two or more" in capsys.readouterr().err
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sequence.keras").write_bytes((tmp_path / "a" / "sequence.keras").read_bytes())
    assert main(["average-sequence", str(a), str(tmp_path / "b" / "sequence.keras"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "no sequence_card.json" in capsys.readouterr().err
