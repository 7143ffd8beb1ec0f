"""MNIST-faithful rendering of a group of strokes into the 28x28 image the CNN sees."""
import cv2
import numpy as np

from recognizer.constants import BOX_SIZE, CROP_SIZE, PEN_WIDTH, SUPERSAMPLE
from recognizer.threads import helpers

SHIFT = 8  # fixed-point bits of the coordinates given to cv2's drawing functions
BIG = CROP_SIZE * SUPERSAMPLE


def normalize_crop(strokes, pen_width=PEN_WIDTH):
    """Render strokes as one MNIST-style digit image.

    Parameters
    ----------
    strokes : list of ndarray, each (N, 2) or (N, 3)
        x, y (y down) in any unit and offset; t, if present, is ignored.
    pen_width : float
        Stroke width in crop pixels, so that in input units it follows the digit's size.

    Returns
    -------
    ndarray, (28, 28) uint8
        White (255) ink on black (0): longer side of the ink fitted into 20 px with the
        aspect ratio kept, centred by centre of mass, as MNIST was made.
    """
    return _center_of_mass(_draw(_plan(strokes, pen_width)))


def normalize_many(groups, pen_width=PEN_WIDTH):
    """``normalize_crop`` of each group of strokes: (N, 28, 28) uint8, the same bytes.

    The drawing (cv2, which lets go of Python's lock) is shared with the helper threads
    of ``recognizer.threads``: most of a crop's time, so a drawing's candidates are
    rendered in about half the time on two cores; where the helper has not begun by the
    time the caller has drawn its half (it is busy with another drawing's), the caller
    draws the rest, so a busy server never queues for it."""
    plans = [_plan(g, pen_width) for g in groups]
    pool = helpers() if len(plans) >= 4 else None
    if pool is None:
        drawn = [_draw(p) for p in plans]
    else:                                  # a helper draws the second half meanwhile
        cut = (len(plans) + 1) // 2
        theirs = pool.submit(lambda: [_draw(p) for p in plans[cut:]])
        drawn = [_draw(p) for p in plans[:cut]]
        if theirs.cancel():                # the helper is busy with other drawings' crops
            drawn += [_draw(p) for p in plans[cut:]]
        else:
            drawn += theirs.result()
    out = np.zeros((len(groups), CROP_SIZE, CROP_SIZE), np.uint8)
    for i, img in enumerate(drawn):
        out[i] = _center_of_mass(img)
    return out


def _plan(strokes, pen_width):
    """(polylines, dots, thickness) to draw on the supersampled canvas, in cv2's
    fixed-point coordinates; None for no ink."""
    pts = [np.asarray(s, dtype=np.float64)[:, :2] for s in strokes if len(s)]
    if not pts:
        return None
    allp = np.concatenate(pts) if len(pts) > 1 else pts[0]
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    # 1. Scale: the skeleton's longer side plus the pen width fills the 20 px box; a dot
    #    (no extent) stays a dot of pen width instead of dividing by zero.
    extent = float((hi - lo).max())
    inner = BOX_SIZE - pen_width
    scale = inner / extent if extent > 0 else 0.0
    # 2. Drawn at SUPERSAMPLE x resolution, centred by bounding box, with anti-aliased lines
    #    (fixed-point coordinates with SHIFT fractional bits for sub-pixel accuracy).
    k = scale * SUPERSAMPLE * (1 << SHIFT)
    q = np.round((allp - (lo + hi) / 2) * k + BIG / 2 * (1 << SHIFT)).astype(np.int32)
    thick = max(1, int(round(pen_width * SUPERSAMPLE)))
    lines, dots, start = [], [], 0
    for p in pts:
        seg = q[start:start + len(p)]
        start += len(p)
        if len(seg) == 1 or not (seg != seg[0]).any():
            dots.append((int(seg[0, 0]), int(seg[0, 1])))
        else:
            lines.append(seg.reshape(-1, 1, 2))
    return lines, dots, thick


def _draw(plan):
    """The plan drawn and area-averaged down to 28x28: grey edges like MNIST's
    anti-aliasing."""
    if plan is None:
        return np.zeros((CROP_SIZE, CROP_SIZE), np.uint8)
    lines, dots, thick = plan
    canvas = np.zeros((BIG, BIG), np.uint8)
    for dot in dots:
        cv2.circle(canvas, dot, (thick << SHIFT) // 2, 255, -1, cv2.LINE_AA, SHIFT)
    if lines:
        cv2.polylines(canvas, lines, False, 255, thick, cv2.LINE_AA, SHIFT)
    return cv2.resize(canvas, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_AREA)


def _center_of_mass(img):
    """4. Translated so the centre of mass sits at the centre of the 28x28 field."""
    m = cv2.moments(img, binaryImage=False)
    if m["m00"] <= 0:
        return img
    dx = (CROP_SIZE - 1) / 2 - m["m10"] / m["m00"]
    dy = (CROP_SIZE - 1) / 2 - m["m01"] / m["m00"]
    mat = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, mat, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
