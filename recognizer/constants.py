"""Numbers that training and inference must agree on. Change them only with a new model."""

CROP_SIZE = 28          # side of the square image the CNN sees (MNIST)
BOX_SIZE = 20           # the digit's longer side, ink included, is fitted into this box
PEN_WIDTH = 2.5         # stroke width in crop pixels: width in input units follows digit size
SUPERSAMPLE = 2           # drawn at this multiple, then area-averaged: anti-aliasing like MNIST's
NUM_DIGITS = 10
JUNK = 10               # index of the reject class: "this crop is not one digit"
NUM_CLASSES = 11
CLASS_NAMES = tuple("0123456789") + ("junk",)
