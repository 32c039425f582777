"""Activations with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf


def sigmoid(x):
    return tf.math.sigmoid(x)


def tanh(x):
    return tf.math.tanh(x)


def relu(x):
    return tf.nn.relu(x)


def leaky_relu(x, *, negative_slope=0.01):
    # tf.nn.leaky_relu calls the slope alpha and defaults to 0.2: pass it explicitly.
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def elu(x, *, alpha=1.0):
    return keras.ops.elu(x, alpha=alpha)  # tf.nn.elu has no alpha


def softplus(x):
    return tf.math.softplus(x)


def gelu(x, *, approximate="none"):
    # torch's approximate="tanh" is TF's approximate=True (keras.ops.gelu defaults to True).
    return tf.nn.gelu(x, approximate=approximate == "tanh")


def softmax(x, *, axis=-1):
    return tf.nn.softmax(x, axis=axis)


def log_softmax(x, *, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)
