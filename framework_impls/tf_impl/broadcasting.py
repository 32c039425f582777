"""Broadcasting and matrix products with TensorFlow built-ins; tf.GradientTape un-broadcasts the gradients."""

import tensorflow as tf


def broadcast_add(a, b):
    return tf.add(a, b)  # broadcasts like NumPy


def broadcast_mul(a, b):
    return tf.multiply(a, b)  # element-wise, not tf.matmul


def matmul(a, b):
    # tf.linalg.matmul needs rank >= 2; TF's NumPy API takes 1-D operands as NumPy does.
    return tf.experimental.numpy.matmul(a, b)  # batched over broadcast leading axes
