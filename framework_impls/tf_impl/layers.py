"""Layers with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import tensorflow as tf


def linear(x, w, b):
    # Keras Dense stores its kernel as (in, out): w.T is torch's (out, in) layout.
    return tf.matmul(x, w, transpose_b=True) + b
