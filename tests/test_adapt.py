"""The adapted reading's arithmetic, against a loop-by-loop reference, and the CNN's
embedding output (same traced call, probabilities unchanged to the byte)."""
import math

import numpy as np
import pytest

from recognizer.adapt import AdaptConfig, adapt_probs, prototype_weights
from recognizer.profile import _snapshot, quantise


def reference_weights(e, vectors, labels, config):
    """Per crop and digit: exp(gain * clip((s - near) / (1 - near), 0, 1)), s the mean
    cosine to that digit's k nearest samples; 1 for a digit without samples; plain loops."""
    out = []
    for row in e:
        row = row / np.linalg.norm(row)
        w = []
        for d in range(10):
            sims = [float(row @ v) for v, lab in zip(vectors, labels) if lab == d]
            s = float(np.mean(sorted(sims)[-config.k:])) if sims else -1.0
            pull = min(1.0, max(0.0, (s - config.near) / (1 - config.near)))
            w.append(math.exp(config.gain * pull))
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
        config = AdaptConfig(near=0.6, gain=5.0, k=k)
        got = prototype_weights(e, samples, config)
        want = reference_weights(e, samples.vectors, samples.labels, config)
        np.testing.assert_allclose(got, want, rtol=1e-5)
    got = prototype_weights(e, samples, AdaptConfig(near=0.6, gain=5.0, k=1))
    # a crop on a sample gets (nearly) the full factor for that sample's digit
    assert got[0, 0] == pytest.approx(math.exp(5.0), rel=1e-3)
    assert got[1, 3] == pytest.approx(math.exp(5.0), rel=1e-3)


def test_never_a_veto_and_digits_never_taught_keep_weight_one(samples):
    rng = np.random.default_rng(3)
    e = np.vstack([rng.random((25, 16)),
                   samples.vectors[rng.integers(0, 7, 25)] + 0.02 * rng.random((25, 16))])
    config = AdaptConfig()
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


def test_a_crop_unlike_every_sample_reads_as_the_shared_model(samples):
    far = np.zeros((1, 16))
    far[0, 0] = 1.0
    config = AdaptConfig(near=0.99)
    probs = np.random.default_rng(4).dirichlet(np.ones(11), 1).astype(np.float32)
    np.testing.assert_allclose(adapt_probs(probs, far, samples, config), probs, rtol=1e-6)


def test_quantised_codes_keep_the_direction():
    rng = np.random.default_rng(5)
    emb = rng.random((30, 128)) ** 2
    codes = quantise(emb)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    cos = np.sum(_snapshot(np.zeros(30), codes, np.ones(30)).vectors * unit, axis=1)
    assert codes.dtype == np.uint8 and (codes.max(axis=1) == 255).all()
    assert cos.min() > 0.9999


def test_the_embedding_comes_with_unchanged_probabilities(tiny_model_path):
    import keras
    import tensorflow as tf

    from recognizer.classifier import load_classifier

    clf = load_classifier(tiny_model_path)
    crops = np.random.default_rng(6).integers(0, 256, (9, 28, 28), dtype=np.uint8)
    probs, emb = clf.embed(crops)
    # what the classifier traced before it also gave the embedding
    model = clf.model
    old = tf.function(lambda x: model(tf.cast(x, tf.float32)[..., None] / 255.0, training=False),
                      input_signature=[tf.TensorSpec((None, 28, 28), tf.uint8)])
    assert probs.tobytes() == old(crops).numpy().tobytes() == clf(crops).tobytes()
    below = keras.Model(model.inputs, model.layers[-1].input)
    np.testing.assert_allclose(emb, below.predict(crops[..., None] / 255.0, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert emb.shape == (9, clf.embedding_size) == (9, 784)
    empty = clf.embed(np.zeros((0, 28, 28), np.uint8))
    assert empty[0].shape == (0, 11) and empty[1].shape == (0, 784)
