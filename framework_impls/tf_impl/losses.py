"""Costs with TensorFlow / Keras built-ins; tf.GradientTape supplies the gradients.

Keras losses average over the last axis before their batch reduction, so these
functions ask Keras (or tf.nn) for element-wise losses, one per entry, and reduce
them the way torch does.
"""

import keras
import tensorflow as tf


def _reduce(losses, reduction):
    """torch's reductions over element-wise losses: "none", "mean" or "sum"."""
    if reduction == "none":
        return losses
    return tf.reduce_sum(losses) if reduction == "sum" else tf.reduce_mean(losses)


def binary_cross_entropy(p, y, *, reduction="mean"):
    losses = keras.ops.binary_crossentropy(y, p)  # clips p to [1e-7, 1 - 1e-7]
    return _reduce(losses, reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    # keras.losses.mean_squared_error would average over the last axis: take the squares.
    return _reduce(tf.math.squared_difference(y_pred, y_true), reduction)


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    if reduction == "sum":
        return tf.nn.l2_loss(y_pred - y_true)  # sum(t ** 2) / 2
    return _reduce(0.5 * tf.math.squared_difference(y_pred, y_true), reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    # max(z, 0) - z * y + log(1 + exp(-|z|)); labels come first, by keyword.
    return _reduce(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), reduction)


def cross_entropy(logits, target, *, reduction="mean"):
    if logits.shape.rank > 2:
        logits = keras.ops.moveaxis(logits, 1, -1)  # torch's (N, C, d) -> Keras's (N, d, C)
    # Sparse: integer class indices, no one-hot needed; from_logits=True puts the softmax inside.
    losses = keras.losses.sparse_categorical_crossentropy(target, logits, from_logits=True)
    return _reduce(losses, reduction)


def keras_categorical_crossentropy_default(logits, target):
    """keras.losses.CategoricalCrossentropy() with its defaults on one-hot targets and logits (catalog ce-targets)."""
    one_hot = keras.ops.one_hot(target, logits.shape[-1], dtype=logits.dtype)
    # from_logits=False: the logits are taken for probabilities, renormalised and clipped, no softmax.
    return keras.losses.CategoricalCrossentropy()(one_hot, logits)
