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


def l2_normalize(x, *, axis=1, eps=1e-12):
    # TF: x * rsqrt(max(sum x^2, epsilon)), eps on the squared norm: torch's eps squared (catalog l2-normalize-eps).
    return tf.math.l2_normalize(x, axis=axis, epsilon=eps**2)


# Catalog sides (comparisons/divergences/normalization.py).


def l2_normalize_same_eps(x, *, axis=1, eps=1e-12):
    """tf.math.l2_normalize with torch's eps passed unchanged: it bounds the squared norm, not the norm."""
    return tf.math.l2_normalize(x, axis=axis, epsilon=eps)
