"""A writer's profile: digits they corrected, as the digit CNN's embeddings. Plain data.

The caller holds the profile (in memory, a file, a database row) and passes it to
``NumberRecognizer.recognize(strokes, profile=...)``; ``NumberRecognizer.learn`` adds to
it. The recognizer keeps nothing, so one recognizer serves any number of writers.

Each sample also keeps how many strokes the writer drew it with (0: not known, in a
profile of version 1 or 2): a writer's habits (their 1 is one stroke, their 4 two), which
``recognizer.adapt`` holds a reading to; and, from version 4, its pen's path
(``path_codes``: ``PATH_POINTS`` points along the strokes in pen order, 64 bytes), which
tells apart two of the writer's digits that look alike to the CNN but are drawn
differently (a flagged 1 climbs to its top, a 7 starts with its bar).

Besides digits it holds ``JUNK`` samples: groups of ink a reading took for a digit that
the writer's correction showed are none (a piece of a digit, two digits read as one).
A profile is small and bounded: each sample is its digit label, its embedding
quantised to bytes (128 bytes for the shipped CNN) and its path (64), at most ``PER_DIGIT`` samples of each
digit, the oldest dropped first; its bytes are JSON, at most ``MAX_BYTES``. It names the
model whose embeddings it holds (``model``, the CNN's fingerprint): embeddings of one
model mean nothing to another, so the recognizer refuses a profile made for another.
"""
import base64
import binascii
import json
import threading
from dataclasses import dataclass

import numpy as np

from recognizer.pen_path import PATH_POINTS, path_descriptor, path_shape

FORMAT = "inkdigits-profile"
VERSION = 4              # of the byte format; a newer one is refused, never guessed at
READS = (1, 2, 3, 4)     # 2 added the JUNK class, 3 each sample's strokes, 4 its pen's
                         # path; older ones read unchanged (strokes, paths not known)
MAX_STROKES = 255        # strokes recorded of one sample, at most
MAX_BYTES = 64 * 1024    # what to_bytes writes, and from_bytes reads, at most
PER_DIGIT = 20           # samples kept of each digit: 200 in all
MAX_EMBEDDING = 4096     # larger embeddings would not fit a useful profile in MAX_BYTES
NUM_DIGITS = 10
JUNK = NUM_DIGITS        # the label of ink the writer showed is not one digit
CLASSES = NUM_DIGITS + 1
PATH_CODE = 2 * PATH_POINTS   # bytes of one sample's path: x, y of each point, int8


class InvalidProfile(ValueError):
    """Profile bytes that cannot be read, or a profile made for another model."""


@dataclass(frozen=True)
class Samples:
    """An immutable snapshot of a profile's samples, what the adapted reading uses.

    ``labels`` (n,) int, ``codes`` (n, d) uint8 quantised embeddings, ``order`` (n,) the
    correction each came from, ``vectors`` (n, d) float32: the codes as unit vectors,
    ``strokes`` (n,) int: the strokes each was drawn with (0: not known), ``paths``
    (n, PATH_CODE) int8: its pen's path (``path_codes``; all 0: not known) and
    ``path_vectors`` (n, 2 PATH_CODE) float32 their ``path_descriptor`` (0 rows: not
    known).
    """

    labels: np.ndarray
    codes: np.ndarray
    order: np.ndarray
    vectors: np.ndarray
    strokes: np.ndarray
    paths: np.ndarray = None
    path_vectors: np.ndarray = None


def quantise(embeddings):
    """(n, d) float embeddings -> (n, d) uint8: each row scaled so its largest entry is
    255 (the CNN's embeddings are ReLU outputs, >= 0; negatives are clipped)."""
    e = np.maximum(np.asarray(embeddings, np.float64), 0.0)
    top = e.max(axis=1, keepdims=True)
    return np.round(255.0 * e / np.where(top > 0, top, 1.0)).astype(np.uint8)


def unit_vectors(codes):
    """(n, d) uint8 codes -> (n, d) float32 rows of length 1 (an all-zero row stays 0)."""
    v = codes.astype(np.float32)
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


def path_codes(paths):
    """(n, PATH_POINTS, >= 2) pen paths (``recognizer.pen_path.path_features``: scaled by
    the ink's longer side) -> (n, PATH_CODE) int8: their ``path_shape``, x and y of each
    point in 1/127ths."""
    xy = path_shape(paths).reshape(len(paths), -1)
    return np.round(np.clip(xy, -1.0, 1.0) * 127.0).astype(np.int8)


def _snapshot(labels, codes, order, strokes=None, paths=None):
    labels = np.asarray(labels, np.int64)
    codes = np.asarray(codes, np.uint8)
    order = np.asarray(order, np.int64)
    strokes = np.zeros(len(labels), np.int64) if strokes is None else \
        np.clip(np.asarray(strokes, np.int64), 0, MAX_STROKES)
    paths = np.zeros((len(labels), PATH_CODE), np.int8) if paths is None else \
        np.asarray(paths, np.int8).reshape(len(labels), PATH_CODE)
    vectors = unit_vectors(codes)
    path_vectors = path_descriptor(paths.reshape(len(labels), PATH_POINTS, 2) / 127.0)
    for a in (labels, codes, order, strokes, vectors, paths, path_vectors):
        a.setflags(write=False)
    return Samples(labels, codes, order, vectors, strokes, paths, path_vectors)


class Profile:
    """What one writer taught the recognizer. ``Profile()`` is empty and reads exactly as
    no profile; ``to_bytes``/``from_bytes`` store it.

    Attributes: ``model`` (the fingerprint of the CNN it was made with, None while
    empty), ``corrections`` (how many ``learn`` calls taught it), ``samples`` (a
    :class:`Samples` snapshot, replaced, never changed in place, by each ``learn``: a
    reading running meanwhile sees the old or the new one, never half of each)."""

    def __init__(self):
        self.model = None
        self.corrections = 0
        self.samples = _snapshot(np.zeros(0), np.zeros((0, 0)), np.zeros(0), np.zeros(0))
        self._lock = threading.Lock()

    def __len__(self):
        return len(self.samples.labels)

    def __repr__(self):
        counts = self.counts()
        return (f"Profile(model={self.model!r}, corrections={self.corrections}, "
                f"samples per digit={counts})")

    def counts(self):
        """Samples held of each digit 0-9."""
        return np.bincount(self.samples.labels, minlength=CLASSES)[:NUM_DIGITS].tolist()

    def junk(self):
        """Samples held of ink the writer's corrections showed is not one digit."""
        return int(np.sum(self.samples.labels == JUNK))

    def add(self, model, labels, embeddings, strokes=None, paths=None):
        """Add one correction's digits (``labels`` (k,), ``embeddings`` (k, d) floats,
        ``strokes`` (k,), how many strokes drew each, and ``paths`` (k, PATH_POINTS, >= 2),
        their pens' paths; None: not known) made with ``model``; returns how many old
        samples were dropped to keep the bounds."""
        embeddings = np.asarray(embeddings)
        strokes = np.zeros(len(labels), np.int64) if strokes is None else \
            np.asarray(strokes, np.int64)
        if strokes.shape != (len(labels),):
            raise ValueError(f"strokes must give one count per label, got {strokes.shape}")
        paths = np.zeros((len(labels), PATH_CODE), np.int8) if paths is None else \
            path_codes(paths)
        if paths.shape != (len(labels), PATH_CODE):
            raise ValueError(f"paths must give {PATH_POINTS} points per label, got {paths.shape}")
        with self._lock:
            check_model(self, model, embeddings.shape[1])
            s = self.samples
            n = self.corrections + 1
            d = embeddings.shape[1]
            labels_ = np.concatenate([s.labels, np.asarray(labels, np.int64)])
            codes = np.concatenate([s.codes.reshape(-1, d), quantise(embeddings)])
            order = np.concatenate([s.order, np.full(len(labels), n, np.int64)])
            drawn = np.concatenate([s.strokes, strokes])
            ways = np.concatenate([s.paths, paths])
            keep = _bounded(labels_, order, capacity(d))
            self.model = model
            self.corrections = n
            self.samples = _snapshot(labels_[keep], codes[keep], order[keep], drawn[keep],
                                     ways[keep])
            return len(labels_) - len(keep)

    def to_bytes(self):
        """The profile as UTF-8 JSON bytes (at most MAX_BYTES)."""
        s = self.samples
        body = {"format": FORMAT, "version": VERSION, "model": self.model,
                "corrections": self.corrections, "dim": int(s.codes.shape[1]),
                "labels": s.labels.tolist(), "order": s.order.tolist(),
                "strokes": s.strokes.tolist(),
                "codes": base64.b64encode(s.codes.tobytes()).decode("ascii"),
                "paths": base64.b64encode(s.paths.tobytes()).decode("ascii")}
        return json.dumps(body, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_bytes(cls, blob):
        """A profile from ``to_bytes`` output; raises ``InvalidProfile`` for anything else
        (too large, not JSON, another format or a newer version, values out of range)."""
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise InvalidProfile(f"profile bytes must be bytes, got {type(blob).__name__}")
        if len(blob) > MAX_BYTES:
            raise InvalidProfile(f"profile is {len(blob)} bytes; at most {MAX_BYTES} are read")
        try:
            body = json.loads(bytes(blob).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise InvalidProfile(f"profile bytes are not JSON ({exc})") from None
        return _from_body(body)


def _field(body, name, kind):
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidProfile(f"profile field {name!r} must be {kind.__name__}, got {value!r:.40}")
    return value


def _from_body(body):
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise InvalidProfile(f"not an {FORMAT} (no \"format\": \"{FORMAT}\")")
    version = _field(body, "version", int)
    if version not in READS:
        raise InvalidProfile(f"profile format version {version}; this inkdigits reads "
                             f"versions {', '.join(map(str, READS))} only")
    model = body.get("model")
    if model is not None and (not isinstance(model, str) or len(model) > 64):
        raise InvalidProfile(f"profile field 'model' must be a short string, got {model!r:.40}")
    corrections = _field(body, "corrections", int)
    dim = _field(body, "dim", int)
    labels, order = _field(body, "labels", list), _field(body, "order", list)
    if not 0 <= dim <= MAX_EMBEDDING:
        raise InvalidProfile(f"profile embedding size {dim} is outside 0..{MAX_EMBEDDING}")
    n = len(labels)
    if len(order) != n or n > (capacity(dim) if dim else 0) or (n and model is None):
        raise InvalidProfile(f"profile holds {n} labels, {len(order)} orders for embeddings "
                             f"of size {dim}: inconsistent or beyond the bounds")
    top = JUNK if version >= 2 else NUM_DIGITS - 1
    strokes = _field(body, "strokes", list) if version >= 3 else [0] * n
    if len(strokes) != n:
        raise InvalidProfile(f"profile holds {n} labels and {len(strokes)} stroke counts")
    for name, values, lo, hi in (("labels", labels, 0, top),
                                 ("order", order, 1, corrections),
                                 ("strokes", strokes, 0, MAX_STROKES)):
        if not all(isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
                   for v in values):
            raise InvalidProfile(f"profile {name} must be integers in {lo}..{hi}")
    raw = _base64(body, "codes", n * dim)
    paths = _base64(body, "paths", n * PATH_CODE) if version >= 4 else bytes(n * PATH_CODE)
    labels_ = np.array(labels, np.int64)
    if n and np.bincount(labels_, minlength=CLASSES).max() > PER_DIGIT:
        raise InvalidProfile(f"profile holds more than {PER_DIGIT} samples of a digit")
    profile = Profile()
    profile.model, profile.corrections = model, corrections
    codes = np.frombuffer(raw, np.uint8).reshape(n, dim)
    profile.samples = _snapshot(labels_, codes, np.array(order, np.int64),
                                np.array(strokes, np.int64),
                                np.frombuffer(paths, np.int8).reshape(n, PATH_CODE))
    return profile


def _base64(body, name, size):
    """The bytes of base64 field ``name``, which must hold ``size`` of them."""
    try:
        raw = base64.b64decode(_field(body, name, str), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidProfile(f"profile {name} are not base64 ({exc})") from None
    if len(raw) != size:
        raise InvalidProfile(f"profile {name} hold {len(raw)} bytes; {size} expected")
    return raw


def capacity(dim):
    """Samples a profile with embeddings of size ``dim`` may hold and stay in MAX_BYTES:
    PER_DIGIT of each digit, fewer for large embeddings (base64 costs 4/3 of each byte;
    its path takes PATH_CODE, and 12 are left for its label, order and strokes)."""
    return int(min(PER_DIGIT * CLASSES, (MAX_BYTES - 4096) * 3 // 4 // (dim + PATH_CODE + 12)))


def _bounded(labels, order, limit):
    """Indices (in their order) of the samples kept: the newest PER_DIGIT of each digit,
    then, if still more than ``limit``, the newest ``limit``."""
    newest_first = np.argsort(-order, kind="stable")
    seen = np.zeros(CLASSES, int)
    keep = []
    for i in newest_first:
        if seen[labels[i]] < PER_DIGIT and len(keep) < limit:
            seen[labels[i]] += 1
            keep.append(i)
    return np.sort(np.array(keep, np.intp))


def check_model(profile, model, dim=None):
    """Raise ``InvalidProfile`` unless ``profile`` is empty or was made with ``model``."""
    if len(profile) == 0 and profile.model is None:
        return
    if profile.model != model:
        raise InvalidProfile(f"this profile was made with model {profile.model}, not with this "
                             f"recognizer's model {model}: its samples cannot be compared; "
                             f"start a new Profile() for this model")
    if dim is not None and profile.samples.codes.shape[1] not in (0, dim):
        raise InvalidProfile(f"profile embeddings have size {profile.samples.codes.shape[1]}, "
                             f"the model's have {dim}")
