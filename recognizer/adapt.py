"""The adapted reading: the shared CNN's probabilities times a writer's own prototypes.

Each crop's embedding (the CNN's penultimate layer, a unit vector) is compared with the
profile's samples by cosine similarity; for each digit, the mean over its ``k`` nearest
samples gives its similarity ``s``. The digit's probability is multiplied by

    w = exp(gain * clip((s - near) / (1 - near), 0, 1))

(a product of experts: the CNN and a nearest-prototype reader), capped so that the
likeliest digit is no likelier than the shared model's likeliest (``adapt_probs``).
The weight is tempered (at most ``exp(gain)``) and floored (at least 1: a digit the
writer never corrected, or a crop like none of their samples, keeps the shared model's
reading), so the profile can raise what the writer taught, never veto.
The scorer wraps the one ``segment`` calls, so segmentation itself is unchanged; the
pen-path reader's opinion, asked about doubtful digits, is weighted the same way.
"""
from dataclasses import dataclass

import numpy as np

from recognizer.constants import NUM_DIGITS
from recognizer.normalize import normalize_many


@dataclass(frozen=True)
class AdaptConfig:
    """How strongly a writer's samples pull a reading, chosen on dev writers 26-30 with
    ``inkdigits evaluate-adapt --near N --gain G --k K``: with near 0.7-0.85 and k 1,
    writer 28's 1s were pulled to a 7 they had taught (clean 99% -> 95-97%); same-digit
    samples of one writer lie at cosine 0.91-0.96 (median), other digits' at 0.26-0.30.
    gain 6 (a factor up to 400) is what a taught shape the CNN gives 1% needs
    (tests/test_profile.py's short-barred 7); the dev writers barely tell gains apart."""

    near: float = 0.90     # cosine similarity below which a sample says nothing
    gain: float = 6.0      # log of the largest factor one digit's share can be raised by
    k: int = 2             # a digit's similarity: the mean over its k nearest samples


def prototype_weights(embeddings, samples, config=AdaptConfig()):
    """(n, 10) weights >= 1 of digits 0-9 for ``embeddings`` (n, d) against ``samples``
    (``profile.Samples``): large where a crop is close to a sample of that digit."""
    e = np.asarray(embeddings, np.float32)
    norm = np.linalg.norm(e, axis=1, keepdims=True)
    e = e / np.where(norm > 0, norm, 1.0)
    best = np.full((len(e), NUM_DIGITS), -1.0, np.float32)
    if len(e) and len(samples.labels):
        sim = e @ samples.vectors.T                                  # (n, m)
        for d in np.unique(samples.labels):
            mine = sim[:, samples.labels == d]
            k = min(config.k, mine.shape[1])
            # the mean of the k nearest: one odd sample does not speak for the digit
            best[:, d] = -np.partition(-mine, k - 1, axis=1)[:, :k].mean(axis=1)
    pull = np.clip((best - config.near) / (1.0 - config.near), 0.0, 1.0)
    return np.exp(config.gain * pull.astype(np.float64))


def adapt_probs(probs, embeddings, samples, config=AdaptConfig()):
    """(n, 11) class probabilities (reject last) with the digits' shares re-weighted by a
    writer's samples, and scaled so that no group reads likelier than the shared model
    made its likeliest digit (the rest goes to the reject share). The search picks the
    grouping by how likely its digits are: the profile says *which* digit a group of ink
    is, never whether it is one (on dev writer 29, letting it raise a merged "75" to a
    likely 5 lost a number)."""
    out = np.array(probs, np.float64)
    before = out[:, :NUM_DIGITS]
    digits = before * prototype_weights(embeddings, samples, config)
    digits *= (before.sum(axis=1, keepdims=True)
               / np.maximum(digits.sum(axis=1, keepdims=True), 1e-300))
    top, new_top = before.max(axis=1, keepdims=True), digits.max(axis=1, keepdims=True)
    digits *= np.minimum(1.0, top / np.maximum(new_top, 1e-300))
    out[:, :NUM_DIGITS] = digits
    out[:, NUM_DIGITS] = np.maximum(0.0, 1.0 - digits.sum(axis=1))
    return out.astype(np.float32)


def with_reject(probs):
    """(n, 10 or 11) probabilities -> (n, 11): a model without reject class gets a 0 column."""
    if probs.shape[1] == NUM_DIGITS:
        probs = np.concatenate([probs, np.zeros((len(probs), 1), probs.dtype)], axis=1)
    return probs


class AdaptedScorer:
    """A ``segment`` scorer reading crops with ``classifier`` and one profile's samples:
    ``scorer(groups) -> (probs (n, 11), crops (n, 28, 28))``. Holds a snapshot of the
    samples, so a ``learn`` on the profile meanwhile does not change a reading halfway."""

    def __init__(self, classifier, samples, config=AdaptConfig()):
        self.classifier = classifier
        self.samples = samples
        self.config = config

    def __call__(self, groups):
        crops = normalize_many(groups)
        probs, embeddings = self.classifier.embed(crops)
        return adapt_probs(with_reject(probs), embeddings, self.samples, self.config), crops

    def paths(self, path_scorer):
        """``path_scorer`` (groups -> (n, 10)) with its digits re-weighted by the same
        samples, compared on the CNN's embedding of each group as drawn. Segmentation asks
        the pen-path reader about doubtful digits and multiplies in its opinion; a writer's
        taught shape is doubtful to the shared readers by nature, so without this the
        path reader, which never saw that hand, would out-vote what the writer taught."""
        def score(groups):
            probs = np.asarray(path_scorer(groups), np.float64)
            _, embeddings = self.classifier.embed(normalize_many(groups))
            weighted = probs * prototype_weights(embeddings, self.samples, self.config)
            return weighted / np.maximum(weighted.sum(axis=1, keepdims=True), 1e-12)
        return score
