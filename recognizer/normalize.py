"""MNIST-faithful rendering of a group of strokes into the 28x28 image the CNN sees."""
import cv2
import numpy as np

from recognizer.constants import BOX_SIZE, CROP_SIZE, PEN_WIDTH, SUPERSAMPLE

SHIFT = 8  # fixed-point bits of the coordinates given to cv2's drawing functions


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
    pts = [np.asarray(s, dtype=np.float64)[:, :2] for s in strokes if len(s)]
    if not pts:
        return np.zeros((CROP_SIZE, CROP_SIZE), np.uint8)
    allp = np.concatenate(pts) if len(pts) > 1 else pts[0]
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    # 1. Scale: the skeleton's longer side plus the pen width fills the 20 px box; a dot
    #    (no extent) stays a dot of pen width instead of dividing by zero.
    extent = float((hi - lo).max())
    inner = BOX_SIZE - pen_width
    scale = inner / extent if extent > 0 else 0.0
    # 2. Draw at SUPERSAMPLE x resolution, centred by bounding box, with anti-aliased lines
    #    (fixed-point coordinates with SHIFT fractional bits for sub-pixel accuracy).
    big = CROP_SIZE * SUPERSAMPLE
    k = scale * SUPERSAMPLE * (1 << SHIFT)
    q = np.round((allp - (lo + hi) / 2) * k + big / 2 * (1 << SHIFT)).astype(np.int32)
    canvas = np.zeros((big, big), np.uint8)
    thick = max(1, int(round(pen_width * SUPERSAMPLE)))
    lines, start = [], 0
    for p in pts:
        seg = q[start:start + len(p)]
        start += len(p)
        if len(seg) == 1 or not (seg != seg[0]).any():
            cv2.circle(canvas, (int(seg[0, 0]), int(seg[0, 1])), (thick << SHIFT) // 2, 255, -1,
                       cv2.LINE_AA, SHIFT)
        else:
            lines.append(seg.reshape(-1, 1, 2))
    if lines:
        cv2.polylines(canvas, lines, False, 255, thick, cv2.LINE_AA, SHIFT)
    # 3. Area-average down to 28x28: grey edges like MNIST's anti-aliasing.
    img = cv2.resize(canvas, (CROP_SIZE, CROP_SIZE), interpolation=cv2.INTER_AREA)
    # 4. Translate so the centre of mass sits at the centre of the 28x28 field.
    return _center_of_mass(img)


def _center_of_mass(img):
    m = cv2.moments(img, binaryImage=False)
    if m["m00"] <= 0:
        return img
    dx = (CROP_SIZE - 1) / 2 - m["m10"] / m["m00"]
    dy = (CROP_SIZE - 1) / 2 - m["m01"] / m["m00"]
    mat = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, mat, (CROP_SIZE, CROP_SIZE), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def normalize_many(groups, pen_width=PEN_WIDTH):
    """Stack ``normalize_crop`` over groups of strokes: (N, 28, 28) uint8."""
    out = np.zeros((len(groups), CROP_SIZE, CROP_SIZE), np.uint8)
    for i, g in enumerate(groups):
        out[i] = normalize_crop(g, pen_width)
    return out
