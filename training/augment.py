"""Image augmentation for training batches: seeded, shape- and dtype-preserving.

Runs inside the tf.data input pipeline (see ``training.train.make_dataset``) on uint8
batches (B, 28, 28), so every epoch sees new distortions; never at inference. Digits are
never flipped (a flipped 2 is not a digit).
"""
from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 28


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random distortions; the defaults are what the shipped model used."""

    rotate_deg: float = 12.0
    shear: float = 0.25
    scale: tuple = (0.85, 1.12)
    shift_px: float = 2.5
    elastic_prob: float = 0.35
    elastic_alpha: float = 2.5      # displacement in pixels
    elastic_sigma: float = 4.0      # smoothness of the displacement field
    thickness_prob: float = 0.3     # dilate or erode by one pixel
    noise_prob: float = 0.15        # gaussian or salt-and-pepper noise
    identity_prob: float = 0.15     # share of images left untouched


def augment_batch(images, seed, config=AugmentConfig()):
    """Distort a batch of digits; the same ``seed`` gives the same result.

    Parameters
    ----------
    images : (B, 28, 28) uint8, white ink on black. Not modified.
    seed : int or sequence of ints, e.g. (base seed, epoch, batch index).

    Returns
    -------
    (B, 28, 28) uint8.
    """
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE) or images.dtype != np.uint8:
        raise ValueError(f"images must be (B, 28, 28) uint8, got {images.shape} {images.dtype}")
    rng = np.random.default_rng(seed)
    out = np.empty_like(images)
    for i, img in enumerate(images):
        out[i] = img if rng.random() < config.identity_prob else _augment_one(img, rng, config)
    return out


def _augment_one(img, rng, c):
    img = _affine(img, rng, c)
    if rng.random() < c.elastic_prob:
        img = _elastic(img, rng, c.elastic_alpha, c.elastic_sigma)
    if rng.random() < c.thickness_prob:
        k = np.ones((2, 2), np.uint8)
        img = cv2.dilate(img, k) if rng.random() < 0.6 else cv2.erode(img, k)
    if rng.random() < c.noise_prob:
        img = _noise(img, rng)
    return img


def _affine(img, rng, c):
    """Rotation, shear and scale about the centre, then a shift."""
    a = np.deg2rad(rng.uniform(-c.rotate_deg, c.rotate_deg))
    sh = rng.uniform(-c.shear, c.shear)
    sx, sy = rng.uniform(*c.scale), rng.uniform(*c.scale)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    m = rot @ np.array([[1, sh], [0, 1]]) @ np.diag([sx, sy])
    centre = np.array([(SIZE - 1) / 2] * 2)
    t = centre - m @ centre + rng.uniform(-c.shift_px, c.shift_px, 2)
    mat = np.hstack([m, t[:, None]]).astype(np.float32)
    return cv2.warpAffine(img, mat, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)


def _elastic(img, rng, alpha, sigma):
    """Simard et al. (2003) elastic distortion: a smooth random displacement field."""
    d = rng.uniform(-1, 1, (2, SIZE, SIZE)).astype(np.float32)
    d = np.stack([cv2.GaussianBlur(x, (0, 0), sigma) for x in d])
    d *= alpha / max(float(np.abs(d).max()), 1e-6)
    gy, gx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    return cv2.remap(img, gx + d[0], gy + d[1], cv2.INTER_LINEAR, borderValue=0)


def _noise(img, rng):
    f = img.astype(np.float32)
    if rng.random() < 0.5:
        f += rng.normal(0, rng.uniform(5, 25), f.shape)
    else:
        mask = rng.random(f.shape)
        p = rng.uniform(0.005, 0.03)
        f[mask < p / 2] = 0
        f[mask > 1 - p / 2] = 255
    return np.clip(f, 0, 255).astype(np.uint8)
