"""NumberRecognizer: the library's front door, from strokes to a Recognition."""
import threading

import numpy as np

from recognizer.classifier import load_classifier
from recognizer.constants import NUM_DIGITS
from recognizer.normalize import normalize_many
from recognizer.result import Alternative, Digit, Recognition
from segmentation import InkLimits, segment, validate_ink


class NumberRecognizer:
    """Reads numbers from ink. Create with :meth:`load`; the model loads on first use."""

    def __init__(self, path=None, limits=InkLimits(), classifier=None):
        self.path = path
        self.limits = limits
        self._classifier = classifier
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path=None, limits=InkLimits()):
        """A recognizer for the model at ``path`` (default: the model shipped in the package)."""
        return cls(path, limits)

    @property
    def classifier(self):
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = load_classifier(self.path)
        return self._classifier

    def classify(self, crops):
        """(N, 28, 28) uint8 MNIST-normalised crops -> (N, 10) digit probabilities.

        With a reject class in the model, its share is left out, so rows sum to at most 1.
        """
        return self.classifier(crops)[:, :NUM_DIGITS]

    def score_groups(self, groups):
        """Class probabilities (M, 11) for M candidate groups of strokes (one batch)."""
        crops = normalize_many(groups)
        probs = self.classifier(crops)
        if probs.shape[1] == NUM_DIGITS:  # a model without reject class
            probs = np.concatenate([probs, np.zeros((len(probs), 1), probs.dtype)], axis=1)
        return probs, crops

    def recognize(self, strokes):
        """Read the number drawn by ``strokes`` (pen order; see ``segmentation`` for units).

        Raises ``InvalidInk`` for malformed ink; an empty drawing gives ``text == ""``.
        """
        ink = validate_ink(strokes, self.limits)
        parts = segment(ink, self.score_groups)
        if not parts:
            return Recognition(text="", digits=[], alternatives=[], score=0.0)
        best = parts[0]
        digits = []
        for g in best.groups:
            p = g.probabilities[:NUM_DIGITS]
            label = int(np.argmax(p))
            digits.append(Digit(label=label, confidence=float(p[label]),
                                probabilities=[float(v) for v in p],
                                bbox=tuple(float(v) for v in g.bbox),
                                strokes=list(g.strokes), crop=g.crop))
        alts = [Alternative(text=p.text, score=p.score) for p in parts[1:6]]
        return Recognition(text=best.text, digits=digits, alternatives=alts, score=best.score)
