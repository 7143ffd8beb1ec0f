"""NumberRecognizer: the library's front door, from strokes to a Recognition."""
import threading
from dataclasses import replace
from functools import partial

import numpy as np

from recognizer.adapt import (JUNK, AdaptConfig, AdaptedScorer, group_paths, habit_counts,
                              objected_to, stroke_habits, supports, with_reject)
from recognizer.classifier import load_classifier
from recognizer.constants import NUM_DIGITS
from recognizer.normalize import normalize_many
from recognizer.pen_path import path_features_many
from recognizer.profile import InvalidProfile, Profile, check_model
from recognizer.result import Alternative, Digit, Recognition
from recognizer.sequence import load_sequence_reader
from recognizer.teach import learn
from segmentation import InkLimits, SegmentConfig, segment, validate_ink


class NumberRecognizer:
    """Reads numbers from ink. Create with :meth:`load`; the models load on first use.

    Two models: the digit CNN (``path``) reads every candidate crop; the pen-path reader
    (``path_model``) reads the order of the strokes of digits the CNN is unsure of.
    """

    def __init__(self, path=None, limits=InkLimits(), classifier=None, path_model=None,
                 path_reader=None, config=SegmentConfig(), adapt=AdaptConfig(),
                 sequence_model=None, sequence_reader=None):
        self.path = path
        self.sequence_model = sequence_model
        self._sequence_reader = sequence_reader
        self.limits = limits
        self.config = config
        self.adapt = adapt
        self.path_model = path_model
        self._classifier = classifier
        self._path_reader = path_reader
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path=None, limits=InkLimits(), path_model=None, config=SegmentConfig(),
             sequence_model=None):
        """A recognizer for the digit CNN at ``path`` (default: the model shipped in the
        package), the pen-path reader at ``path_model`` (default: the shipped one;
        False: none, the CNN alone decides) and the sequence reader at ``sequence_model``
        (default: the shipped one; False: none); ``config`` tunes the segmentation search
        (``sequence_weight`` 0: the sequence reader is not asked)."""
        return cls(path, limits, path_model=path_model, config=config,
                   sequence_model=sequence_model)

    @property
    def classifier(self):
        if self._classifier is None:
            with self._lock:
                if self._classifier is None:
                    self._classifier = load_classifier(self.path)
        return self._classifier

    @property
    def path_reader(self):
        """The pen-path reader, or None when the recognizer was made without one."""
        if self._path_reader is None and self.path_model is not False:
            with self._lock:
                if self._path_reader is None:
                    self._path_reader = load_classifier(self.path_model, paths=True)
        return self._path_reader

    @property
    def sequence_reader(self):
        """The sequence reader, or None when not asked (``config.sequence_weight`` 0, or
        made without one)."""
        if self._sequence_reader is None and self.sequence_model is not False \
                and self.config.sequence_weight:
            with self._lock:
                if self._sequence_reader is None:
                    self._sequence_reader = load_sequence_reader(self.sequence_model)
        return self._sequence_reader

    @property
    def loaded(self):
        """True once the digit CNN, the pen-path reader and the sequence reader (unless
        made without them) are loaded; ``classifier``, ``path_reader`` and
        ``sequence_reader`` load them on first use."""
        return self._classifier is not None and (self.path_model is False
                                                 or self._path_reader is not None) and (
            self.sequence_model is False or not self.config.sequence_weight
            or self._sequence_reader is not None)

    def classify(self, crops):
        """(N, 28, 28) uint8 MNIST-normalised crops -> (N, 10) digit probabilities.

        With a reject class in the model, its share is left out, so rows sum to at most 1.
        """
        return self.classifier(crops)[:, :NUM_DIGITS]

    def score_groups(self, groups, seen=None):
        """Class probabilities (M, 11) for M candidate groups of strokes (one batch), and
        their crops; ``seen`` (a dict), if given, keeps each crop's CNN embedding (crop
        bytes -> vector), which the same traced call gives (the profile's guard)."""
        crops = normalize_many(groups)
        if seen is None:
            probs = self.classifier(crops)
        else:
            probs, embeddings = self.classifier.embed(crops)
            seen.update(zip((c.tobytes() for c in crops), embeddings))
        return with_reject(probs), crops

    def score_paths(self, groups, crops=None):
        """Digit probabilities (M, 10) read from the pen's path of M groups of strokes
        (``crops``, the CNN's view of them, is for a profile's weights: unused here)."""
        return self.path_reader(path_features_many(groups))

    def scorers(self, profile=None):
        """The (crop scorer, pen-path scorer or None) ``segment`` uses: ``score_groups`` and
        ``score_paths``, or with a non-empty ``profile`` both adapted to its hand
        (``recognizer.adapt``). Raises ``InvalidProfile`` for one made with another model."""
        paths = self.score_paths if self.path_reader is not None else None
        if profile is None:
            return self.score_groups, paths
        if not isinstance(profile, Profile):
            raise InvalidProfile(f"profile must be a Profile, got {type(profile).__name__}")
        if len(profile) == 0:
            return self.score_groups, paths
        check_model(profile, self.classifier.fingerprint)
        adapted = AdaptedScorer(self.classifier, profile.samples, self.adapt)
        return adapted, (adapted.paths(paths) if paths is not None else None)

    def learn(self, profile, strokes, text):
        """Teach ``profile`` that ``strokes`` read ``text``; returns a ``Learnt``. Raises
        ``InvalidLabel`` (nothing changed) when no grouping of the ink reads ``text``."""
        return learn(self, profile, strokes, text)

    def recognize(self, strokes, profile=None, *, deadline=None, cancelled=None):
        """Read the number drawn by ``strokes`` (pen order; see ``segmentation`` for units),
        in the hand of ``profile`` if given (a ``Profile``; empty reads as none; it changes
        the reading only where it objects to a digit of the one without it).

        Raises ``InvalidInk`` for malformed ink or ink too complex to search within the
        budget (``TooComplex``, a subclass); an empty drawing gives ``text == ""``.
        ``deadline`` (a ``time.monotonic()`` value) and ``cancelled`` (a no-argument
        callable, true when the caller no longer wants the answer) stop the work with
        ``RecognitionStopped``.
        """
        ink = validate_ink(strokes, self.limits)
        scorer, paths = self.scorers(profile)
        reader = self.sequence_reader
        opinion = reader.opinion(ink) if reader is not None else None
        objected = []
        if isinstance(scorer, AdaptedScorer) and self.adapt.guard:
            # the shared reading stands unless the profile objects to one of its digits
            seen = {}
            shared = self._read(ink, partial(self.score_groups, seen=seen), self.scorers()[1],
                                deadline, cancelled, opinion)
            objected = self.objects(scorer.samples, shared, seen, ink)
            if not objected:
                return shared
        if not isinstance(scorer, AdaptedScorer):
            return self._read(ink, scorer, paths, deadline, cancelled, opinion)
        # the sequence reader never saw this hand: in the re-read it is asked at
        # AdaptConfig.sequence_weight (regroup_sequence_weight where the profile regroups
        # the ink), its own reading not proposed, and with sequence_mutes blind to which
        # of two digits the profile decides between
        if opinion is not None and self.adapt.sequence_mutes:
            opinion = opinion.merged([(a, b) for a, b in objected if b < NUM_DIGITS])
        weight = self.adapt.sequence_weight
        if any(b == JUNK for _, b in objected):
            weight = self.adapt.regroup_sequence_weight   # the profile regroups the ink
        adapted = self._read(ink, scorer, paths, deadline, cancelled, opinion,
                             sequence=weight or False)
        if isinstance(scorer, AdaptedScorer) and self.adapt.guard \
                and any(b == JUNK for _, b in objected) \
                and not within_reach(shared, adapted.text, self.adapt.regroup_reach):
            return shared
        if isinstance(scorer, AdaptedScorer) and self.adapt.guard and self.adapt.supported \
                and adapted.text != shared.text and not self.supported(scorer.samples, adapted,
                                                                       shared):
            return shared
        if isinstance(scorer, AdaptedScorer) and self.adapt.guard \
                and len(adapted.text) != len(shared.text) and self.adapt.regroup != "alone":
            # another grouping: the sequence reader, which helped group the shared reading,
            # judges it too (``AdaptConfig.regroup``)
            if self.adapt.regroup == "shared":
                return shared
            return self._read(ink, scorer, paths, deadline, cancelled, opinion)
        return adapted

    def supported(self, samples, adapted, shared):
        """Whether the change from the ``shared`` reading to the ``adapted`` one is the
        profile's doing (``AdaptConfig.supported``): a digit the shared reading had and the
        adapted one has not (same strokes, same digit) is one the samples object to, or a
        digit read anew is one they pull to what it reads."""
        old = {(tuple(d.strokes), d.label) for d in shared.digits}
        now = {(tuple(d.strokes), d.label) for d in adapted.digits}
        new = [d for d in adapted.digits if (tuple(d.strokes), d.label) not in old]
        gone = [d for d in shared.digits if (tuple(d.strokes), d.label) not in now]
        if not new and not gone:
            return True                   # the same digits: nothing changed that needs it
        if gone and self.objects(samples, Recognition(shared.text, gone)):
            return True
        if not new:
            return False
        probs, embeddings = self.classifier.embed(np.stack([d.crop for d in new]))
        return supports(with_reject(probs), embeddings, [d.label for d in new], samples,
                        self.adapt)

    def objects(self, samples, reading, seen=None, ink=None):
        """The (digit read, class pulled to) of each digit of ``reading`` a profile's
        ``samples`` pull to another digit or to none (``JUNK``; ``recognizer.adapt.
        objected_to``): only where there is one may it change the reading. ``seen`` holds
        embeddings of crops already read (``score_groups``); with the validated ``ink``,
        a digit that breaks the writer's stroke habit objects too (pulled to ``JUNK``)."""
        if not reading.digits:
            return []
        keys = [d.crop.tobytes() for d in reading.digits]
        if seen and all(k in seen for k in keys):
            embeddings = np.stack([seen[k] for k in keys])
        else:
            _, embeddings = self.classifier.embed(np.stack([d.crop for d in reading.digits]))
        probs = np.array([d.probabilities for d in reading.digits])
        counts = None
        most = stroke_habits(samples, self.adapt) if ink is not None and \
            self.adapt.habit_penalty else np.full(NUM_DIGITS, np.inf)
        if np.isfinite(most).any():
            # only a digit with more strokes than the habit of the digit read is tested
            counts = habit_counts([[ink[i][:, :2] for i in d.strokes] for d in reading.digits],
                                  most[[d.label for d in reading.digits]])
        paths = group_paths([[p[:, :2] for p in d.pieces] for d in reading.digits], self.adapt) \
            if self.adapt.path_weight and all(d.pieces for d in reading.digits) else None
        to = objected_to(probs, embeddings, samples, self.adapt, counts, paths)
        return [(d.label, int(c)) for d, c in zip(reading.digits, to) if c >= 0]

    def _read(self, ink, scorer, paths, deadline, cancelled, opinion, sequence=True):
        """The Recognition of validated ``ink`` by the search with these scorers, and the
        sequence reader's ``opinion`` of its best texts (None: no reader; unless
        ``sequence`` is false; a number: its weight there, ``SegmentConfig.
        sequence_weight`` otherwise)."""
        if not sequence:
            opinion = None
        config = self.config
        if opinion is not None and sequence is not True:
            config = replace(config, sequence_weight=float(sequence),
                             sequence_proposes=False)
        parts = segment(ink, scorer, path_scorer=paths, config=config,
                        deadline=deadline, cancelled=cancelled, text_scorer=opinion)
        if not parts:
            return Recognition(text="", digits=[], alternatives=[], score=0.0)
        best = parts[0]
        digits = []
        for g, label in zip(best.groups, map(int, best.text)):
            p = g.probabilities[:NUM_DIGITS]
            digits.append(Digit(label=label, confidence=float(p[label]),
                                probabilities=[float(v) for v in p],
                                bbox=tuple(float(v) for v in g.bbox),
                                strokes=list(g.strokes), crop=g.crop, pieces=g.pieces))
        alts = [Alternative(text=p.text, score=p.score) for p in parts[1:6]]
        return Recognition(text=best.text, digits=digits, alternatives=alts, score=best.score)


def within_reach(reading, text, reach):
    """Whether ``reading`` (a Recognition) held ``text``, as its best or among its
    alternatives, at most ``reach`` nats below its best; an infinite reach holds any."""
    if reach == float("inf") or text == reading.text:
        return True
    return any(a.text == text and reading.score - a.score <= reach
               for a in reading.alternatives)
