"""The digit CNN: conv-batchnorm-ReLU blocks, 11 outputs (digits 0-9 and the reject class).

Sized for speed as much as accuracy: recognition sends every candidate group of a drawing
(often 20-40 crops) through it in one batch, within a 15 ms budget on two CPU cores.
"""
import keras
from keras import layers

from recognizer.constants import CROP_SIZE, NUM_CLASSES


def _block(x, filters, strides=1):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_model(num_classes=NUM_CLASSES, dropout=0.35):
    """(None, 28, 28, 1) float32 in [0, 1] -> (None, num_classes) softmax."""
    inputs = keras.Input((CROP_SIZE, CROP_SIZE, 1))
    x = _block(inputs, 32)               # 28x28x32
    x = _block(x, 32, strides=2)         # 14x14x32
    x = _block(x, 64)                    # 14x14x64
    x = layers.MaxPooling2D()(x)         # 7x7x64
    x = _block(x, 128)                   # 7x7x128
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="inkdigits_cnn")
