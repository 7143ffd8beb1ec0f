"""Training crops from real pen trajectories: digits, and "junk" (mis-segmented ink).

Everything is rendered through ``recognizer.normalize.normalize_crop``, the function the
recognizer uses at inference, so the CNN learns exactly what pen ink looks like there.
The junk class is made of what segmentation can get wrong: two digits taken as one
(apart, overlapping, or joined by the pen's run-on stroke), a stroke of a multi-stroke
digit alone (the bar of a 5, the "L" of a 4), and pieces of a stroke cut in the wrong
place. Junk must not look like a digit: a digit with a bit of its neighbour, or a piece
of a 7's or a 2's stroke, often still does, and taught the CNN to reject real 7s. Digit variants include what real hands add:
a strong slant, a lead-in or run-on to the next digit, and the slash of a slashed zero,
and what devices do to ink (``device_variant``): fewer points (a 60 Hz tablet or a mouse
gives every 2nd-4th point of a 100-200 Hz one) and coordinates on a coarse grid.
"""
import numpy as np

from recognizer.constants import JUNK, PEN_WIDTH
from recognizer.normalize import normalize_crop


SLANT = (-0.3, 0.5)     # shear x += -y * slant: hands lean right more often and further
LIGATURE = 0.3          # share of digit variants with a lead-in or a run-on stroke
SLASH = 0.15            # share of zero variants with a slash through them
FLAG = 0.3              # share of one variants given the flag of a continental "1"
COARSE = 0.25           # share of variants keeping only every 2nd-4th pen point
QUANTISED = 0.15        # share of variants on a coarse grid of device units
GRID_UNITS = (8.0, 30.0)  # digit height in device units on that grid
WHOLE_WHEN_CUT = (1, 2, 7)  # digits whose stroke fragments look like a digit (a 2 cut at its
                            # bottom corner is an uncrossed 7): never junk


def jitter_ink(strokes, rng, slant=SLANT, rotate_deg=10.0, aspect=(0.75, 1.25)):
    """A random affine variant of a digit's strokes (slant, rotation, aspect), x/y only."""
    a = np.deg2rad(rng.uniform(-rotate_deg, rotate_deg))
    m = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    m = m @ np.array([[1.0, rng.uniform(*slant)], [0.0, 1.0]])
    m = m @ np.diag([rng.uniform(*aspect), 1.0])
    return [np.asarray(s, float)[:, :2] @ m.T for s in strokes]


def pen_variant(digit, rng):
    """A random variant of a PenDigit's strokes: jittered, sometimes with a lead-in or a
    run-on stroke, the flag of a continental 1 or the slash of a zero (x/y only)."""
    ink = jitter_ink(digit.strokes, rng)
    if digit.label == 1 and rng.random() < FLAG:
        ink = add_ligature(ink, rng, lead_in=True, angle=(30.0, 70.0), length=(0.15, 0.4))
    elif rng.random() < LIGATURE:
        ink = add_ligature(ink, rng)
    if digit.label == 0 and rng.random() < SLASH:
        ink = add_slash(ink, rng)
    return device_variant(ink, rng)


def device_variant(strokes, rng, coarse=COARSE, quantised=QUANTISED):
    """The strokes as a coarser device records them: sometimes only every 2nd-4th point
    (``thin_out``), sometimes snapped to a grid of ``GRID_UNITS`` cells per digit height,
    with repeated points on one cell merged as a tablet reports them (x/y only)."""
    strokes = [np.asarray(s, float)[:, :2] for s in strokes]
    if rng.random() < coarse:
        strokes = thin_out(strokes, int(rng.integers(2, 5)))
    if rng.random() < quantised:
        h, _ = _height(strokes)
        cell = h / rng.uniform(*GRID_UNITS)
        strokes = [_unique_runs(np.round(s / cell) * cell) for s in strokes]
    return strokes


def _unique_runs(s):
    keep = np.r_[True, np.any(np.diff(s, axis=0) != 0, axis=1)]
    return s[keep]


def _pen_width(rng):
    return PEN_WIDTH * rng.uniform(0.75, 1.3)


def render_digits(digits, variants, seed):
    """(N*variants, 28, 28) uint8 crops and their labels from PenDigits, jittered."""
    rng = np.random.default_rng(seed)
    imgs, labels = [], []
    for d in digits:
        for v in range(variants):
            ink = d.strokes if v == 0 else pen_variant(d, rng)
            imgs.append(normalize_crop(ink, _pen_width(rng)))
            labels.append(d.label)
    return np.array(imgs, np.uint8).reshape(-1, 28, 28), np.array(labels, np.uint8)


def thin_out(strokes, k):
    """Every ``k``-th point of each stroke, and its last: the ink of a device that samples
    the pen less often (a mouse sampled at 60 Hz gives a digit drawn in 0.25 s 15 points)."""
    return [s if len(s) <= 2 else np.concatenate([s[:-1:k], s[-1:]]) for s in strokes]


def _line(a, b, n=8):
    return np.linspace(a, b, n)


def add_ligature(strokes, rng, lead_in=None, angle=(20.0, 70.0), length=(0.2, 0.5)):
    """The digit with a straight lead-in to its first point or a run-on from its last one,
    rising to the right as the pen travels to or from a neighbour in joined writing (on a
    "1" a lead-in is its flag). ``lead_in`` None picks either at random; ``angle`` is in
    degrees above the horizontal, ``length`` in digit heights."""
    strokes = [np.asarray(s, float)[:, :2] for s in strokes]
    _, p = _height(strokes)
    h = float(np.ptp(p[:, 1])) or 1.0
    a = np.deg2rad(rng.uniform(*angle))
    step = rng.uniform(*length) * h * np.array([np.cos(a), -np.sin(a)])
    if not (rng.random() < 0.5 if lead_in is None else lead_in):
        last = strokes[-1]
        return strokes[:-1] + [np.concatenate([last, _line(last[-1], last[-1] + step)[1:]])]
    first = strokes[0]
    return [np.concatenate([_line(first[0] - step, first[0])[:-1], first])] + strokes[1:]


def add_slash(strokes, rng):
    """A zero crossed by a diagonal stroke reaching a little beyond its box."""
    strokes = [np.asarray(s, float)[:, :2] for s in strokes]
    p = np.concatenate(strokes)
    lo, hi = p.min(axis=0), p.max(axis=0)
    over = (hi - lo) * rng.uniform(0.0, 0.15, 2)
    a, b = np.array([lo[0] - over[0], hi[1] + over[1]]), np.array([hi[0] + over[0], lo[1] - over[1]])
    if rng.random() < 0.5:
        a, b = b, a
    return strokes + [_line(a, b)]


def _height(strokes):
    p = np.concatenate([s[:, :2] for s in strokes])
    return max(float(np.ptp(p[:, 1])), 1e-6), p


def _place(strokes, height, x0, y_mid):
    """Scale strokes to ``height`` and put their left edge at x0, vertical centre at y_mid."""
    h, p = _height(strokes)
    k = height / h
    lo = p.min(axis=0)
    off = np.array([x0, y_mid - height / 2])
    return [(s[:, :2] - lo) * k + off for s in strokes]


def pair_ink(a, b, rng, join=0.5):
    """Two digits written next to each other by one hand (one slant), taken as one group:
    apart, overlapping (slanted writing kerns), or joined in one stroke (share ``join``)."""
    h = 100.0
    shear = rng.uniform(*SLANT)
    slant = (shear - 0.05, shear + 0.05)
    left = _place(jitter_ink(a, rng, slant=slant), h * rng.uniform(0.9, 1.1), 0.0, 0.0)
    right_x = max(float(s[:, 0].max()) for s in left) + h * rng.uniform(-0.4, 0.35)
    right = _place(jitter_ink(b, rng, slant=slant), h * rng.uniform(0.85, 1.15), right_x,
                   h * rng.uniform(-0.12, 0.12))
    if rng.random() < join:
        run = np.concatenate([left[-1], _line(left[-1][-1], right[0][0])[1:-1], right[0]])
        return left[:-1] + [run] + right[1:]
    return left + right


def looks_like_one(strokes):
    """True for nearly straight, roughly vertical ink: a "1", never junk."""
    p = np.concatenate([s[:, :2] for s in strokes])
    if len(p) < 2:
        return False
    c = p - p.mean(axis=0)
    _, sv, vt = np.linalg.svd(c, full_matrices=False)
    if sv[0] <= 0:
        return False
    straight = (sv[1] if len(sv) > 1 else 0.0) / sv[0] < 0.15
    return straight and abs(vt[0, 1]) > np.cos(np.deg2rad(40))


def _arc_length(s):
    return float(np.linalg.norm(np.diff(s[:, :2], axis=0), axis=1).sum())


def stroke_subsets(digit):
    """Proper subsets of a multi-stroke digit's strokes that are no digit themselves.

    Without its longest stroke a digit is a bar, a serif or a hook: junk. With it, it may
    still be the digit (a 7 without its cross, a 5 without its bar), so it is left out,
    except for the 4, whose two strokes alone are an "L" and a "1".
    """
    s = digit.strokes
    n = len(s)
    main = max(range(n), key=lambda i: _arc_length(s[i]))
    out = []
    for mask in range(1, (1 << n) - 1):
        if mask >> main & 1 and digit.label != 4:
            continue
        part = [s[i] for i in range(n) if mask >> i & 1]
        if not looks_like_one(part):
            out.append(part)
    return out


def stroke_fragment(digit, rng, share=(0.25, 0.65)):
    """A contiguous piece (``share`` of its points) of a digit's longest stroke, or None
    if that is a "1"."""
    s = max(digit.strokes, key=len)
    if len(s) < 8:
        return None
    n = len(s)
    k = max(3, int(n * rng.uniform(*share)))
    start = int(rng.integers(0, n - k + 1))
    part = [s[start:start + k]]
    return None if looks_like_one(part) else part


def render_junk(digits, count, seed):
    """(count, 28, 28) uint8 junk crops: ~45% pairs, ~30% stroke subsets, ~25% fragments."""
    rng = np.random.default_rng(seed)
    multi = [d for d in digits if len(d.strokes) > 1]
    cut = [d for d in digits if d.label not in WHOLE_WHEN_CUT]
    imgs = []
    while len(imgs) < count:
        r = rng.random()
        if r < 0.45:
            a, b = rng.choice(len(digits), 2)
            ink = pair_ink(digits[a].strokes, digits[b].strokes, rng)
        elif r < 0.75 and multi:
            subs = stroke_subsets(multi[int(rng.integers(len(multi)))])
            if not subs:
                continue
            ink = jitter_ink(subs[int(rng.integers(len(subs)))], rng)
        elif cut:
            ink = stroke_fragment(cut[int(rng.integers(len(cut)))], rng)
            if ink is None:
                continue
            ink = jitter_ink(ink, rng)
        else:
            continue
        imgs.append(normalize_crop(ink, _pen_width(rng)))
    return np.array(imgs, np.uint8).reshape(-1, 28, 28), np.full(count, JUNK, np.uint8)
