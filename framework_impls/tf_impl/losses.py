"""Costs with TensorFlow / Keras built-ins; tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf


def binary_cross_entropy(p, y, *, reduction="mean"):
    # Keras averages over the last axis before its reduction, so ask for element-wise
    # losses (one per entry) and reduce them here the way torch does.
    losses = keras.ops.binary_crossentropy(y, p)  # clips p to [1e-7, 1 - 1e-7]
    if reduction == "none":
        return losses
    return tf.reduce_sum(losses) if reduction == "sum" else tf.reduce_mean(losses)
