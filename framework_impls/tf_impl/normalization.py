"""Data normalisation with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import tensorflow as tf


def min_max_normalize(x, *, axis=0):
    lo = tf.reduce_min(x, axis=axis, keepdims=True)
    hi = tf.reduce_max(x, axis=axis, keepdims=True)
    span = hi - lo
    return (x - lo) / tf.where(span == 0, tf.ones_like(span), span)  # a constant column becomes 0


def standardize(x, *, axis=0):
    mean, var = tf.nn.moments(x, axes=[axis], keepdims=True)  # population variance
    return (x - mean) / tf.sqrt(tf.where(var == 0, tf.ones_like(var), var))  # a constant column becomes 0
