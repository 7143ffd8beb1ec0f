"""Learning from a correction: the ink aligned to the right text, its digits added to a
writer's profile.

The alignment (``segmentation.align.force_align``) is read with the profile's own
adapted scorer, so a writer's taught shapes help place their next correction; the
digits learnt are embedded by the shared CNN, in the same traced call as its reading.
"""
import dataclasses
from dataclasses import dataclass

import numpy as np

from recognizer.constants import NUM_DIGITS
from recognizer.pen_path import path_features_many
from recognizer.profile import JUNK, InvalidProfile, Profile, check_model
from segmentation import TooComplex, validate_ink
from segmentation.align import force_align


class InvalidLabel(ValueError):
    """A correction's text is not digits, or no grouping of the ink can read it."""


@dataclass
class LearntDigit:
    """One digit added to the profile: its label, the input strokes that wrote it, their
    box, and what the shared model alone reads there (``label`` too unless it misread)."""

    label: int
    strokes: list
    bbox: tuple
    shared_label: int


@dataclass
class Learnt:
    """What ``learn`` added: the digits of ``text`` left to right, and how many of the
    profile's oldest samples were dropped to keep it within its bounds."""

    text: str
    digits: list
    dropped: int
    not_digits: int = 0    # groups of the reading it corrected learnt as "not one digit"

    @property
    def misread(self):
        """The digits the shared model alone reads otherwise ("learnt: your 4")."""
        return [d for d in self.digits if d.label != d.shared_label]


def check_text(text):
    """Raise ``InvalidLabel`` unless ``text`` is a non-empty string of digits 0-9."""
    if not isinstance(text, str) or not text or not all("0" <= c <= "9" for c in text):
        raise InvalidLabel(f"a correction is a non-empty string of digits 0-9, got {text!r:.40}")


def learn(rec, profile, strokes, text):
    """Align ``text`` to ``strokes`` and add its digits to ``profile``; see
    ``NumberRecognizer.learn``. Nothing changes when it raises."""
    if not isinstance(profile, Profile):
        raise InvalidProfile(f"profile must be a Profile, got {type(profile).__name__}")
    check_text(text)
    ink = validate_ink(strokes, rec.limits)
    model = rec.classifier.fingerprint
    check_model(profile, model)
    alignment = aligned(rec, profile, ink, text)
    if alignment is None:
        raise InvalidLabel(f"no grouping of this ink into {len(text)} digits can read {text!r}")
    junk = not_digits(rec.recognize(strokes, profile=profile), alignment,
                      rec.adapt.junk_ones) if rec.adapt.learn_junk else []
    k = len(alignment.digits)
    probs, embeddings = rec.classifier.embed(np.stack([d.crop for d in alignment.digits]
                                                      + [d.crop for d in junk]))
    labels = [d.label for d in alignment.digits] + [JUNK] * len(junk)
    drawn = [len(set(d.strokes)) for d in list(alignment.digits) + junk]
    paths = path_features_many([[p[:, :2] for p in d.pieces]
                                for d in list(alignment.digits) + junk])
    dropped = profile.add(model, labels, embeddings, drawn, paths)
    shared = np.argmax(probs[:k, :NUM_DIGITS], axis=1)
    return Learnt(text, [LearntDigit(d.label, d.strokes, d.bbox, int(s))
                         for d, s in zip(alignment.digits, shared)], dropped, len(junk))


def aligned(rec, profile, ink, text):
    """``force_align`` of ``text`` to ``ink`` with the profile's scorer, the pieces of a
    digit as far apart as ``AdaptConfig.learn_gap``; with the search's own ``max_gap``
    where the wider search would exceed the budget (``TooComplex``)."""
    scorer = rec.scorers(profile)[0]
    if rec.adapt.learn_gap > rec.config.max_gap:
        try:
            return force_align(ink, scorer, text,
                               dataclasses.replace(rec.config, max_gap=rec.adapt.learn_gap))
        except TooComplex:
            pass
    return force_align(ink, scorer, text, rec.config)


def not_digits(reading, alignment, ones=True):
    """The digits of ``reading`` that are no digit of ``alignment`` (other strokes, or
    another box): pieces of one written digit or two digits read as one, which the
    writer's correction shows are not one digit. Without ``ones``, those read as a 1 are
    left out (``AdaptConfig.junk_ones``)."""
    mine = {(tuple(d.strokes), tuple(np.round(d.bbox, 3))) for d in alignment.digits}
    return [d for d in reading.digits
            if (tuple(d.strokes), tuple(np.round(d.bbox, 3))) not in mine
            and (ones or d.label != 1)]
