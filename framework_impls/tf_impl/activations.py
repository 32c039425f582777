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


def softplus(x, *, beta=1.0, threshold=20.0):
    # TF has no beta: softplus of beta * x, scaled back; and no threshold (log1p(exp(z)) everywhere),
    # so samples whose beta * x passes it skip TensorFlow.
    return tf.math.softplus(beta * x) / beta


def gelu(x, *, approximate="none"):
    # torch's approximate="tanh" is TF's approximate=True (keras.ops.gelu defaults to True).
    return tf.nn.gelu(x, approximate=approximate == "tanh")


def softmax(x, *, axis=-1):
    return tf.nn.softmax(x, axis=axis)


def log_softmax(x, *, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


# Catalog sides (comparisons/divergences/activations.py): each framework's defaults, as a naive port uses them.


def log_sigmoid(x):
    """log(sigmoid(x)) as TensorFlow computes it."""
    return tf.math.log_sigmoid(x)  # -softplus(-x): finite for any x, -x itself for x << 0


def keras_gelu_default(x):
    """keras.ops.gelu with nothing passed: Keras's default form."""
    return keras.ops.gelu(x)  # approximate=True: the tanh approximation, not torch's exact erf


def keras_leaky_relu_default(x):
    """A keras.layers.LeakyReLU() layer with nothing passed: Keras 3's default slope."""
    return keras.layers.LeakyReLU()(x)  # negative_slope=0.3 (torch 0.01, tf.nn.leaky_relu 0.2)
