"""The adapted reading's arithmetic, against a loop-by-loop reference, and the CNN's
embedding output (same traced call, probabilities unchanged to the byte)."""
import math

import numpy as np
import pytest

from recognizer.adapt import (AdaptConfig, adapt_probs, habit_counts, habit_weights,
                              objected_to, objections, path_similarities, pen_downs,
                              prototype_weights, pulls, similarities, stroke_habits, supports,
                              with_habits)
from recognizer.pen_path import path_features, path_shape
from recognizer.profile import JUNK, _snapshot, path_codes, quantise


def reference_weights(e, vectors, labels, config, shared=None):
    """Per crop and digit: exp(gain * close * ahead), plain loops. s is the mean cosine to
    that digit's k nearest samples (-1 without samples); close = clip((s - near) / (1 -
    near)); ahead = clip((s - rival) / margin), rival the nearest other digit's s (at
    least ``near``): a digit is pulled only when it is nearer than every other taught one.
    With ``shared`` probabilities, the likeliest digit, if never taught, is a rival at
    ``untaught``."""
    out = []
    for n, row in enumerate(e):
        row = row / np.linalg.norm(row)
        s = []
        for d in range(10):
            sims = [float(row @ v) for v, lab in zip(vectors, labels) if lab == d]
            s.append(float(np.mean(sorted(sims)[-config.k:])) if sims else -1.0)
        top = int(np.argmax(shared[n][:10])) if shared is not None else None
        w = []
        for d in range(10):
            rival = max([config.near] + [s[o] for o in range(10) if o != d])
            if top is not None and top != d and s[top] == -1.0:
                rival = max(rival, config.untaught)
            close = min(1.0, max(0.0, (s[d] - config.near) / (1 - config.near)))
            ahead = min(1.0, max(0.0, (s[d] - rival) / config.margin))
            w.append(math.exp(config.gain * close * ahead))
        out.append(w)
    return np.array(out)


@pytest.fixture
def samples():
    rng = np.random.default_rng(1)
    emb = rng.random((7, 16)) ** 3
    return _snapshot([0, 0, 3, 3, 3, 7, 9], quantise(emb), np.arange(1, 8))


def test_weights_match_the_reference(samples):
    rng = np.random.default_rng(2)
    e = np.vstack([samples.vectors[[0, 2, 5]] * 3.0 + 0.01, rng.random((20, 16))])
    for k in (1, 2, 3):
        for margin in (0.02, 0.08, 0.3):
            config = AdaptConfig(near=0.6, gain=5.0, k=k, margin=margin)
            got = prototype_weights(e, samples, config)
            want = reference_weights(e, samples.vectors, samples.labels, config)
            np.testing.assert_allclose(got, want, rtol=1e-4)   # float32 cosines
    got = prototype_weights(e, samples, AdaptConfig(near=0.6, gain=5.0, k=1, margin=0.02))
    # a crop on a sample gets (nearly) the full factor for that sample's digit
    assert got[0, 0] == pytest.approx(math.exp(5.0), rel=1e-3)
    assert got[1, 3] == pytest.approx(math.exp(5.0), rel=1e-3)


def test_the_shared_models_untaught_likeliest_digit_is_a_rival(samples):
    rng = np.random.default_rng(4)
    e = np.vstack([samples.vectors[[0, 2, 5, 6]] * 2.0 + 0.02, rng.random((20, 16))])
    shared = rng.dirichlet(np.ones(11), len(e))
    shared[:4, :10] = 0.0
    shared[:4, [4, 3, 8, 9]] = 0.9          # untaught 4 and 8; taught 3 and 9
    for untaught in (-1.0, 0.5, 0.9, 0.99):
        config = AdaptConfig(near=0.6, gain=5.0, k=1, margin=0.05, untaught=untaught)
        got = prototype_weights(e, samples, config, shared)
        want = reference_weights(e, samples.vectors, samples.labels, config, shared)
        np.testing.assert_allclose(got, want, rtol=1e-4)
    # dev writer cedar:FLAD4341: an 8 the model read as 0 was taught; their 0s, which the
    # model reads right and they never taught, must stay 0s unless very near that 8
    eight, zero = np.eye(16)[0] + 0.3, np.eye(16)[0] + 0.3 + 1.2 * np.eye(16)[1]
    taught = _snapshot([8, 8], quantise(np.stack([eight, eight])), np.arange(1, 3))
    probs = np.array([[0.7] + [0.0] * 7 + [0.2, 0.0, 0.1]], np.float32)
    near = float(unit(zero) @ unit(eight))
    assert 0.75 < near < 0.9                 # near enough to be pulled without the rule
    pulled = adapt_probs(probs, zero[None], taught, AdaptConfig(untaught=-1.0))
    kept = adapt_probs(probs, zero[None], taught, AdaptConfig())     # untaught 0.9
    assert pulled[0, :10].argmax() == 8 and kept[0, :10].argmax() == 0
    # while their 8 itself, on the taught sample, is still pulled to 8
    probs_8 = np.array([[0.6] + [0.0] * 7 + [0.3, 0.0, 0.1]], np.float32)
    own = adapt_probs(probs_8, eight[None], taught, AdaptConfig(untaught=0.9))
    assert own[0, :10].argmax() == 8


def test_a_crop_is_pulled_to_junk_only_beyond_junk_rival():
    # dev writer cedar:HRTS4205: a stroke of a split digit, learnt as no digit, looked like
    # their 1, and then lone 1s were pushed to the reject class ("811" read "81")
    rng = np.random.default_rng(5)
    vecs = rng.random((6, 16)) ** 3
    samples = _snapshot([1, 1, 7, JUNK, JUNK, 4], quantise(vecs), np.arange(1, 7))
    e = np.vstack([vecs[[0, 3, 4]] + 0.05 * rng.random((3, 16)), rng.random((10, 16))])
    sim = similarities(e, samples, AdaptConfig(k=1))
    for junk_rival in (-1.0, 0.8, 0.9, 0.97):
        config = AdaptConfig(k=1, junk_rival=junk_rival)
        got = pulls(sim, config)[:, JUNK]
        rival = np.maximum(np.max(np.delete(sim, JUNK, axis=1), axis=1),
                           max(config.near, junk_rival))
        want = (np.clip((sim[:, JUNK] - config.near) / (1 - config.near), 0, 1)
                * np.clip((sim[:, JUNK] - rival) / config.margin, 0, 1))
        np.testing.assert_allclose(got, want, atol=1e-6)
    # a crop on a junk sample is still pulled to junk; a crop like a 1 no longer is
    one = np.eye(16)[0] + 0.3
    like_one = one + 1.1 * np.eye(16)[1]
    junk_only = _snapshot([JUNK], quantise(like_one[None]), np.arange(1, 2))
    s_one = similarities(one[None], junk_only, AdaptConfig(k=1))[0, JUNK]
    assert 0.8 < s_one < 0.9
    assert pulls(similarities(one[None], junk_only), AdaptConfig(junk_rival=-1.0))[0, JUNK] > 0
    assert pulls(similarities(one[None], junk_only), AdaptConfig(junk_rival=0.9))[0, JUNK] == 0
    assert pulls(similarities(like_one[None], junk_only), AdaptConfig(junk_rival=0.9))[0, JUNK] > 0


def test_a_reading_is_objected_to_only_where_a_sample_pulls_another_class(samples):
    # the guard (AdaptConfig.guard): the profile re-reads a drawing only where the samples
    # pull one of the read digits to another digit; reference: reference_weights' loops
    rng = np.random.default_rng(4)
    e = np.vstack([samples.vectors[[0, 2, 5, 6]] * 3.0 + 0.01, rng.random((30, 16))])
    config = AdaptConfig(near=0.6, gain=5.0, k=1, margin=0.02)
    for read in ([0, 3, 7, 9], [3, 0, 7, 9], [0, 3, 1, 1]):
        shared = rng.dirichlet(np.ones(10) * 0.3, len(e))
        shared[:4] = np.eye(10)[read] * 0.9 + 0.01           # the first four read as ``read``
        w = reference_weights(e, samples.vectors, samples.labels, config, shared)
        want = [bool((np.delete(w[n], shared[n].argmax()) > 1.0).any()) for n in range(len(e))]
        assert objections(shared, e, samples, config).tolist() == want
        assert want[:4] == [a != b for a, b in zip(read, [0, 3, 7, 9])]
    # a crop on a sample, read as that sample's digit, draws no objection; read otherwise, one
    on = samples.vectors[[2]]
    assert not objections(np.eye(10)[[3]], on, samples, config)[0]
    assert objections(np.eye(10)[[5]], on, samples, config)[0]
    # a crop like a sample of no digit is objected to, whatever it was read as
    junk = _snapshot([JUNK], quantise(samples.vectors[[5]]), np.arange(1, 2))
    assert objections(np.eye(10)[[7]], samples.vectors[[5]], junk, config)[0]
    assert objections(np.zeros((0, 10)), np.zeros((0, 16)), samples, config).shape == (0,)
    # and where it objects, the class it pulls to: the sample's digit, or JUNK
    assert objected_to(np.eye(10)[[5, 3]], np.vstack([on, on]), samples, config).tolist() == \
        [samples.labels[2], -1]
    assert objected_to(np.eye(10)[[7]], samples.vectors[[5]], junk, config).tolist() == [JUNK]


def unit(v):
    return v / np.linalg.norm(v)


def test_a_re_read_is_supported_only_by_a_digit_the_samples_pull_to_what_it_reads():
    a, b, c = np.eye(16)[0], np.eye(16)[1], np.eye(16)[2]
    taught = _snapshot([7, 7, 1, 1], quantise(np.stack([a, a, b, b]) + 0.5), np.arange(1, 5))
    shared = np.full((1, 11), 0.05)
    config = AdaptConfig(near=0.5)
    assert supports(shared, a[None] + 0.5, [7], taught, config)          # their 7
    assert not supports(shared, a[None] + 0.5, [1], taught, config)      # their 7, read 1
    assert not supports(shared, c[None] + 0.5, [7], taught, config)      # like none of theirs
    # any one digit read anew that the samples pull is enough; none read anew, nothing
    assert supports(np.full((2, 11), 0.05), np.stack([c, a]) + 0.5, [4, 7], taught, config)
    assert not supports(np.zeros((0, 11)), np.zeros((0, 16)), [], taught, config)


def test_a_digit_as_near_as_another_taught_digit_is_not_pulled():
    # a writer's 1 and 7 alike (dev writer uqb:re_3828): a crop between them pulls neither
    a, b = np.eye(16)[0], np.eye(16)[1]
    both = _snapshot([1, 1, 7, 7], quantise(np.stack([a, a, b, b]) + 0.5), np.arange(1, 5))
    w = prototype_weights((a + b)[None] + 0.5, both, AdaptConfig(near=0.5))
    assert (w == 1.0).all()
    w = prototype_weights(a[None] + 0.5, both, AdaptConfig(near=0.5))
    assert w[0, 1] > 1.0 and w[0, 7] == 1.0


SEVEN = [np.array([[0, 0], [10, 0], [3, 20]], float)]             # the bar, then down
ONE = [np.array([[2, 6], [7, 0], [7, 20]], float)]                # up the flag, then down


def _paths(*digits):
    return np.stack([path_features(d) for d in digits])


def test_the_pens_path_tells_apart_two_digits_alike_to_the_cnn():
    # dev writer uqb:re_3828's 1 and 7: their crops' embeddings as near as each other's
    # samples, their pens' paths not: a flagged 1 climbs to its top, a 7 starts with its bar
    a, b = np.eye(16)[0], np.eye(16)[1]
    both = _snapshot([1, 1, 7, 7], quantise(np.stack([a, a, b, b]) + 0.5), np.arange(1, 5),
                     paths=path_codes(_paths(ONE, ONE, SEVEN, SEVEN)))
    crop = (a + b)[None] + 0.5                     # between the two: the CNN cannot say
    assert (prototype_weights(crop, both, AdaptConfig(near=0.5)) == 1.0).all()
    config = AdaptConfig(near=0.5, path_weight=1.0)
    for drawn, digit, other in ((SEVEN, 7, 1), (ONE, 1, 7)):
        w = prototype_weights(crop, both, config, paths=_paths(drawn))
        assert w[0, digit] > 1.0 and w[0, other] == 1.0
    # nearer the 1's samples on the crop by more than a margin: whatever its weight, the
    # path neither pulls a 7 nor takes the 1's pull away (it breaks ties, never a veto)
    near_one = (2 * a + b)[None] + 0.5
    lead = similarities(near_one, both, config)[0]
    assert lead[1] - lead[7] > config.margin
    alone = prototype_weights(near_one, both, AdaptConfig(near=0.5))
    for weight in (1.0, 9.0):
        w = prototype_weights(near_one, both, AdaptConfig(near=0.5, path_weight=weight),
                              paths=_paths(SEVEN))
        np.testing.assert_allclose(w, alone)
    # the shared model's likeliest digit never taught (a 4): its path is not known, so
    # the path pulls nothing (dev writer cedar:FLAD4341's 0s, untaught, went to their 8)
    four = np.eye(11)[[4]] * 0.9 + 0.01
    assert (prototype_weights(crop, both, config, shared=four, paths=_paths(SEVEN)) == 1.0).all()
    seven = np.eye(11)[[7]] * 0.9 + 0.01
    assert prototype_weights(crop, both, config, shared=seven, paths=_paths(SEVEN))[0, 7] > 1.0
    # no paths known (an older profile), or the knob off: the CNN's embedding alone
    blind = _snapshot([1, 1, 7, 7], both.codes, np.arange(1, 5))
    assert (prototype_weights(crop, blind, config, paths=_paths(SEVEN)) == 1.0).all()


def reference_path_similarity(a, b):
    """Half the cosine of two shapes' points, half the mean cosine of the angle between
    the pen's directions at each point (angles by arctan2 of central differences)."""
    sa, sb = path_shape(_paths(a))[0], path_shape(_paths(b))[0]
    points = float(unit(sa.ravel()) @ unit(sb.ravel()))

    def angles(xy):
        d = np.vstack([xy[1] - xy[0], (xy[2:] - xy[:-2]) / 2, xy[-1] - xy[-2]])
        return np.arctan2(d[:, 1], d[:, 0])
    return 0.5 * points + 0.5 * float(np.mean(np.cos(angles(sa) - angles(sb))))


def test_path_similarity_compares_shapes_and_ways_unchanged_by_shear():
    a, b = np.eye(16)[0], np.eye(16)[1]
    both = _snapshot([1, 7], quantise(np.stack([a, b]) + 0.5), np.arange(1, 3),
                     paths=path_codes(_paths(ONE, SEVEN)))
    sim = path_similarities(_paths(SEVEN), both, AdaptConfig(k=1))[0]
    want = [reference_path_similarity(d, SEVEN) for d in (ONE, SEVEN)]
    np.testing.assert_allclose(sim[[1, 7]], want, atol=0.02)        # int8 codes
    assert sim[7] == pytest.approx(1.0, abs=0.01) and sim[1] < 0.95
    assert (np.delete(sim, [1, 7]) == -1.0).all()                   # no path of those
    # the same seven slanted (every point's x moved by y / 3): the same shape
    slanted = [SEVEN[0] + np.c_[SEVEN[0][:, 1] / 3, np.zeros(3)]]
    assert path_similarities(_paths(slanted), both, AdaptConfig(k=1))[0, 7] > 0.98


def test_never_a_veto_and_digits_never_taught_keep_weight_one(samples):
    rng = np.random.default_rng(3)
    e = np.vstack([rng.random((25, 16)),
                   samples.vectors[rng.integers(0, 7, 25)] + 0.02 * rng.random((25, 16))])
    config = AdaptConfig(vouch=1.0)     # nothing vouched: the cap holds everywhere
    w = prototype_weights(e, samples, config)
    assert (w >= 1.0).all() and (w <= math.exp(config.gain) * (1 + 1e-9)).all()
    assert (w[:, [1, 2, 4, 5, 6, 8]] == 1.0).all()
    probs = rng.dirichlet(np.ones(11), 50).astype(np.float32)
    out = adapt_probs(probs, e, samples, config)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    # the likeliest digit is never likelier than the shared model's: the grouping is its call
    assert (out[:, :10].max(axis=1) <= probs[:, :10].max(axis=1) * (1 + 1e-6)).all()
    assert (out[:, 10] >= probs[:, 10] - 1e-6).all()
    # no digit's share falls by more than the largest factor (times 10, for the cap, as
    # the likeliest of 10 digits holds at least a tenth of them): a floor, never a veto
    assert (out[:, :10] >= probs[:, :10] / (10 * math.exp(config.gain)) - 1e-7).all()
    changed = out[:, :10].argmax(axis=1) != probs[:, :10].argmax(axis=1)
    assert changed.any()          # and yet the profile does change readings


def test_a_crop_on_a_taught_sample_may_take_the_reject_share():
    # a slashed zero, taught as 0: the shared model calls it junk, the writer vouched for it
    zero, seven = np.eye(16)[0] + 0.1, np.eye(16)[1] + 0.1
    taught = _snapshot([0, 0, 7, 7], quantise(np.stack([zero, zero, seven, seven])),
                       np.arange(1, 5))
    config = AdaptConfig(vouch=0.92)     # off by default (1.0); vouched, as it once shipped
    probs = np.array([[0.05] + [0.01] * 9 + [0.86]], np.float32)
    out = adapt_probs(probs, zero[None], taught, config)
    assert out[0, 0] > 0.5 > out[0, 10]
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-6)
    # vouching off, the default: the digit is relabelled, never made likelier than the
    # shared top
    capped = adapt_probs(probs, zero[None], taught, AdaptConfig())
    assert capped[0, :10].max() <= probs[0, :10].max() * (1 + 1e-6)
    # a crop merely near the zeros (below vouch) gets no such licence
    near = zero + 0.6 * np.eye(16)[2]
    sim = near @ zero / np.linalg.norm(near) / np.linalg.norm(zero)
    assert config.near < sim < config.vouch
    out = adapt_probs(probs, near[None], taught, config)
    assert out[0, 0] == out[0, :10].max() <= probs[0, :10].max() * (1 + 1e-6)


def test_pen_downs_counts_strokes_not_the_pieces_cut_from_them():
    a = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    b = np.array([[2.0, 0.0], [3.0, 1.0]])          # cut from a's stroke: starts where a ends
    c = np.array([[5.0, 5.0], [6.0, 5.0]])          # a stroke of its own
    assert pen_downs([a]) == 1
    assert pen_downs([a, b]) == 1
    assert pen_downs([b, a]) == 1                   # the order of the group does not matter
    assert pen_downs([a, b, c]) == 2
    assert pen_downs([a, c]) == 2
    assert pen_downs([]) == 0


def test_a_group_whose_strokes_cross_keeps_no_habit():
    # two 1s side by side: two strokes, no crossing, a merge's look; a 4's stick crossing its
    # L, or a 7's bar crossing its stem: one digit's strokes, no habit applies (0)
    one = np.array([[0.0, 0.0], [0.0, 10.0]])
    other_one = one + [4.0, 0.0]
    el = np.array([[3.0, 0.0], [0.0, 6.0], [6.0, 6.0]])
    stick = np.array([[4.0, 2.0], [4.0, 10.0]])
    cut_a, cut_b = np.array([[0.0, 0.0], [2.0, 2.0]]), np.array([[2.0, 2.0], [4.0, 0.0]])
    through = np.array([[3.0, -1.0], [3.0, 5.0]])           # crosses cut_b at (3, 1)
    got = habit_counts([[one], [one, other_one], [el, stick], [cut_a, cut_b],
                        [cut_a, cut_b, through], [cut_a, cut_b, one + [6.0, 0.0]]])
    assert got.tolist() == [1, 2, 0, 1, 0, 2]


def test_a_digit_read_with_more_strokes_than_the_writer_ever_drew_it_with_loses_its_share():
    # the writer's 1s: one stroke (three samples); 4s: two strokes (two); 7s: one, and only
    # one sample of it (below habit_min: no habit yet); a 1 whose strokes are not known
    e = np.eye(16)
    samples = _snapshot([1, 1, 1, 4, 4, 7, 1], quantise(e[:7] + 0.1), np.arange(1, 8),
                        [1, 1, 1, 2, 2, 1, 0])
    config = AdaptConfig(habit_penalty=2.0, habit_min=2)
    most = stroke_habits(samples, config)
    assert (most[1], most[4]) == (1, 2)
    assert most[7] == np.inf and most[0] == np.inf
    w = habit_weights([1, 2, 3], samples, config)
    low = math.exp(-2.0)
    # reference, digit by digit: a 1 of more than 1 stroke, a 4 of more than 2, pays; fewer
    # (a 4 of one stroke) is the writer's other way of drawing it, and free
    want = [[low if (d == 1 and n > 1) or (d == 4 and n > 2) else 1.0 for d in range(10)]
            for n in (1, 2, 3)]
    np.testing.assert_allclose(w, want)
    # what a digit loses goes to the reject class; the other digits keep their shares
    probs = np.zeros((2, 11))
    probs[:, 1], probs[:, 7], probs[:, 10] = 0.8, 0.15, 0.05
    got = with_habits(probs, [2, 1], samples, config)
    np.testing.assert_allclose(got[0], [0, 0.8 * low] + [0] * 5 + [0.15, 0, 0, 1 - 0.8 * low - 0.15])
    np.testing.assert_allclose(got[1], probs[1])
    # off (the default of 0) changes nothing
    assert (habit_weights([3, 1], samples, AdaptConfig(habit_penalty=0.0)) == 1.0).all()
    # and a reading whose digit breaks a habit draws an objection, only with its counts
    far = np.eye(16)[[15, 15]]
    assert objections(np.eye(10)[[1, 1]], far, samples, config, counts=[2, 1]).tolist() == \
        [True, False]
    assert objections(np.eye(10)[[1, 1]], far, samples, config).tolist() == [False, False]
    assert objected_to(np.eye(10)[[1, 1]], far, samples, config, counts=[2, 1]).tolist() == \
        [JUNK, -1]
