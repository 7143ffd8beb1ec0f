"""The whole number as one pen path: a second reader that needs no segmentation.

The search reads a number digit by digit, so where two digits are written in one stroke
it must cut the stroke, and a link given to the wrong digit spoils its crop. The sequence
reader (a 1-D convolutional network trained with CTC, ``training.train_sequence``) reads
the pen's path of the whole drawing and gives, for every stretch of it, how likely each
digit or none is there; ``log_likelihoods`` turns that into how likely the drawing is to
read a given text, whatever way the text is aligned to the ink. The recognizer uses it to
re-rank the texts the search found (``SegmentConfig.sequence_weight``), with the text it
reads by itself among them, grouped by the search constrained to read it
(``SegmentConfig.sequence_proposes``): it never reads ink no grouping of the search holds.
Training and inference share ``sequence_features``.
"""
import threading
from pathlib import Path

import numpy as np

SEQUENCE_FEATURES = 5   # dx, dy, pen down, a stroke starts, height above the line's middle
STEP = 1.0 / 12.0       # resampling step along the pen's path, in heights of the drawing
MAX_JUMP = 4.0          # a pen-up jump is clipped to this many heights each way
DOWNSAMPLE = 4          # input points per output step of the network (two stride-2 layers)
BLANK = 10              # the CTC blank: the output class that is no digit


def sequence_features(ink, step=STEP):
    """(T, 5) float32 features of a drawing (strokes of (N, >= 2) points, pen order).

    Each stroke is resampled at equal steps of ``step`` heights of the whole drawing (its
    box's height), so the device's sampling rate and the drawing's scale do not matter.
    A row is the move to a point, in heights: dx, dy (y down), pen down (1) or a jump
    between strokes (0, clipped to ``MAX_JUMP``), 1 where a stroke starts, and the point's
    height from the middle of the drawing's box."""
    strokes = [np.asarray(s, np.float64)[:, :2] for s in ink if len(s)]
    if not strokes:
        return np.zeros((0, SEQUENCE_FEATURES), np.float32)
    points = np.concatenate(strokes)
    lo, hi = points.min(axis=0), points.max(axis=0)
    height = max(float(hi[1] - lo[1]), 0.1 * float(hi[0] - lo[0]), 1e-9)   # flat: by width
    middle = (lo[1] + hi[1]) / 2
    rows, last = [], None
    for s in strokes:
        p = _resample(s, step * height)
        start = p[0] - (p[0] if last is None else last)
        moves = np.vstack([start, np.diff(p, axis=0)]) / height
        f = np.zeros((len(p), SEQUENCE_FEATURES))
        f[:, :2] = moves
        f[0, :2] = np.clip(f[0, :2], -MAX_JUMP, MAX_JUMP)
        f[1:, 2] = 1.0
        f[0, 3] = 1.0
        f[:, 4] = (p[:, 1] - middle) / height
        rows.append(f)
        last = p[-1]
    return np.concatenate(rows).astype(np.float32)


def _resample(points, spacing):
    """Points along a polyline at equal arc-length ``spacing``, its ends kept."""
    arc = np.r_[0.0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    if arc[-1] <= spacing:
        return points[[0, -1]] if arc[-1] > 0 else points[:1]
    # whole steps up to the end (a last step within rounding of the end is the end)
    u = np.r_[spacing * np.arange(int(np.ceil(arc[-1] / spacing - 1e-6))), arc[-1]]
    return np.column_stack([np.interp(u, arc, points[:, 0]), np.interp(u, arc, points[:, 1])])


def output_steps(n):
    """Output steps of the network for ``n`` input points ('same' padding, stride 2 twice)."""
    for _ in range(2):
        n = (n + 1) // 2
    return n


def log_likelihoods(log_probs, texts):
    """(len(texts),) log P(text | drawing) under CTC, from the network's (T, 11) log
    probabilities per step (digits 0-9, then ``BLANK``); -inf for a text the T steps
    cannot hold. From (T, M, 11), M readers' side by side (``training.average_sequence``):
    the mean over the readers of each text's log-likelihood. All texts (of all readers)
    are run through one forward pass of the CTC recursion."""
    log_probs = np.asarray(log_probs, np.float64)
    if not texts:
        return np.zeros(0)
    if log_probs.ndim == 3:
        members = log_probs.shape[1]
        rows = _ctc(log_probs, [t for _ in range(members) for t in texts],
                    np.repeat(np.arange(members), len(texts)))
        return rows.reshape(members, len(texts)).mean(axis=0)
    return _ctc(log_probs[:, None], texts, np.zeros(len(texts), np.int64))


def _ctc(log_probs, texts, member):
    """log P(texts[k] | drawing) under reader ``member[k]`` of (T, M, 11) ``log_probs``."""
    steps = len(log_probs)
    sizes = np.array([2 * len(t) + 1 for t in texts])
    width = int(sizes.max())
    ext = np.full((len(texts), width), BLANK, np.int64)
    for k, t in enumerate(texts):
        ext[k, 1:sizes[k]:2] = [int(c) for c in t]
    valid = np.arange(width)[None, :] < sizes[:, None]
    skip = np.zeros_like(valid)
    skip[:, 2:] = (ext[:, 2:] != BLANK) & (ext[:, 2:] != ext[:, :-2])
    if steps == 0:
        return np.where(sizes == 1, 0.0, -np.inf)
    rows = np.arange(len(texts))[:, None]
    alpha = np.full((len(texts), width), -np.inf)
    alpha[:, 0] = log_probs[0, member, BLANK]
    alpha[:, 1:2] = np.where(sizes[:, None] > 1, log_probs[0, member[:, None], ext[:, 1:2]],
                             -np.inf)
    for t in range(1, steps):
        one = np.full_like(alpha, -np.inf)
        one[:, 1:] = alpha[:, :-1]
        two = np.full_like(alpha, -np.inf)
        two[:, 2:] = np.where(skip[:, 2:], alpha[:, :-2], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, one), two) + log_probs[t][member[:, None], ext]
        alpha[~valid] = -np.inf
    last = alpha[rows[:, 0], sizes - 1]
    before = np.where(sizes > 1, alpha[rows[:, 0], np.maximum(sizes - 2, 0)], -np.inf)
    return np.logaddexp(last, before)


def best_path(log_probs):
    """The text the reader reads by itself: the likeliest step of each output step,
    repeats merged, blanks dropped. Of M readers side by side (T, M, 11), the members'
    best paths are compared by their mean log-likelihood (``log_likelihoods``)."""
    log_probs = np.asarray(log_probs)
    if log_probs.ndim == 2:
        row = log_probs.argmax(axis=-1)
        keep = (row != BLANK) & np.r_[True, row[1:] != row[:-1]]
        return "".join(map(str, row[keep]))
    texts = sorted({best_path(log_probs[:, m]) for m in range(log_probs.shape[1])})
    return texts[int(np.argmax(log_likelihoods(log_probs, texts)))]


class Opinion:
    """The sequence reader's view of one drawing, its network run once, when first
    needed (``compute()`` gives the log-probabilities, or None for no opinion): called
    with texts, their log-likelihoods (zeros without an opinion); ``text()``, what it
    reads by itself ("" without one)."""

    def __init__(self, compute):
        self._compute, self._done, self._log_probs = compute, False, None

    @property
    def log_probs(self):
        if not self._done:
            self._log_probs, self._done = self._compute(), True
        return self._log_probs

    def __call__(self, texts):
        if self.log_probs is None:
            return np.zeros(len(texts))
        return log_likelihoods(self.log_probs, texts)

    def text(self):
        return "" if self.log_probs is None else best_path(self.log_probs)

    def merged(self, pairs):
        """This opinion blind to the difference between the classes of each pair (a, b)
        (``merge_classes``); the network's run is shared. It reads nothing by itself."""
        table = str.maketrans({str(c): str(r) for c, r in class_roots(pairs).items()})
        merged = Opinion(lambda: None if self.log_probs is None
                         else merge_classes(self.log_probs, pairs))
        return Muted(merged, table)


class Muted:
    """An ``Opinion`` asked about texts with some digits replaced by their class's
    representative (``class_roots``), so that texts differing only there read alike."""

    def __init__(self, opinion, table):
        self._opinion, self._table = opinion, table

    def __call__(self, texts):
        return self._opinion([t.translate(self._table) for t in texts])

    def text(self):
        return ""


def class_roots(pairs):
    """{class: its representative} for the classes joined by ``pairs`` (a, b), pairs
    sharing a class joined too; the smallest class of each stands for it."""
    owner = {}

    def root(c):
        while owner.setdefault(c, c) != c:
            c = owner[c]
        return c

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        owner[max(ra, rb)] = min(ra, rb)
    return {c: root(c) for c in list(owner)}


def merge_classes(log_probs, pairs):
    """``log_probs`` (T, [M,] 11) with each class joined by ``pairs`` (``class_roots``)
    given the log-probability of any of its class: read with texts whose digits are
    replaced by their representatives, CTC then sums every path that reads the text with
    any member of a class in each of its places (``tests/test_sequence.py`` checks this
    against every path summed)."""
    out = np.array(log_probs, np.float64)
    groups = {}
    for c, r in class_roots(pairs).items():
        groups.setdefault(r, []).append(c)
    for members in groups.values():
        if len(members) > 1:
            out[..., members] = np.logaddexp.reduce(out[..., members], axis=-1)[..., None]
    return out


MAX_POINTS = 6000       # a longer pen path gets no opinion (its reading is the search's)
SHIPPED_SEQUENCE_MODEL = Path(__file__).parent / "models" / "sequence.keras"


class SequenceReader:
    """The sequence reader's Keras model behind one traced function; thread-safe."""

    def __init__(self, model):
        from recognizer.quiet import import_tensorflow

        tf = import_tensorflow()
        if tuple(model.input_shape[2:]) != (SEQUENCE_FEATURES,) or \
                model.output_shape[-1] != BLANK + 1 or len(model.output_shape) not in (3, 4):
            from recognizer.classifier import ModelError

            raise ModelError(f"model takes {model.input_shape} and returns {model.output_shape};"
                             f" expected (None, None, {SEQUENCE_FEATURES}) -> "
                             f"(None, None, {BLANK + 1})")
        self.model = model
        spec = tf.TensorSpec((1, None, SEQUENCE_FEATURES), tf.float32)
        self._fn = tf.function(lambda x: tf.nn.log_softmax(model(x, training=False)),
                               input_signature=[spec]).get_concrete_function()
        self._lock = threading.Lock()

    def log_probs(self, features):
        """(T, 5) ``sequence_features`` -> (output_steps(T), 11) log-probabilities, or
        (output_steps(T), M, 11) for M readers averaged (``training.average_sequence``)."""
        if len(features) == 0:
            return np.zeros((0, BLANK + 1))
        with self._lock:
            return self._fn(np.asarray(features, np.float32)[None]).numpy()[0]

    def opinion(self, ink):
        """The ``Opinion`` of a drawing; none for a pen path longer than ``MAX_POINTS``."""
        def compute():
            features = sequence_features(ink)
            return None if len(features) > MAX_POINTS else self.log_probs(features)

        return Opinion(compute)

    def log_likelihoods(self, ink, texts):
        """(len(texts),) log P(text | ink) (``log_likelihoods``); zeros, no opinion, for
        a pen path longer than ``MAX_POINTS``."""
        return self.opinion(ink)(texts)


class LiteSequenceReader(SequenceReader):
    """The sequence reader's LiteRT export (``training.export.export_sequence_lite``):
    the same log-probabilities without importing TensorFlow."""

    def __init__(self, tflite_path):
        from ai_edge_litert.interpreter import Interpreter

        from recognizer.quiet import notices_dropped

        with notices_dropped():
            self._interpreter = Interpreter(model_path=str(tflite_path), num_threads=1)
            self._run = self._interpreter.get_signature_runner("serve")
            self._run(x=np.zeros((1, 8, SEQUENCE_FEATURES), np.float32))
        self._lock = threading.Lock()

    def log_probs(self, features):
        if len(features) == 0:
            return np.zeros((0, BLANK + 1))
        with self._lock:
            out = self._run(x=np.ascontiguousarray(np.asarray(features, np.float32)[None]))
        return np.array(out["log_probs"][0])


def load_sequence_reader(path=None, runtime=None):
    """The sequence reader at ``path`` (default: the shipped one): on LiteRT when its
    export is beside it and the runtime is installed, else on Keras (``runtime`` as for
    ``recognizer.classifier.load_classifier``)."""
    from recognizer.classifier import ModelError
    from recognizer.lite import runtime_choice, usable_export
    from recognizer.quiet import import_tensorflow

    path = Path(path) if path is not None else SHIPPED_SEQUENCE_MODEL
    if not path.is_file():
        raise ModelError(f"{path}: model file not found (train one with "
                         f"`inkdigits train-sequence`)")
    runtime = runtime or runtime_choice()
    if runtime != "keras":
        found = usable_export(path)
        if found is not None:
            return LiteSequenceReader(found[0])
        if runtime == "lite":
            raise ModelError(f"{path}: no LiteRT export made from this file beside it, or "
                             f"ai-edge-litert is not installed")
    import_tensorflow()
    import keras

    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as exc:  # Keras raises many types for a bad archive
        raise ModelError(f"{path}: not a readable Keras model ({exc})") from None
    return SequenceReader(model)
