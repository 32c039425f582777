"""Layers with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import tensorflow as tf


def linear(x, w, b):
    # Keras Dense stores its kernel as (in, out): w.T is torch's (out, in) layout.
    return tf.matmul(x, w, transpose_b=True) + b


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    # NCHW: the channel is axis 1, so the statistics run over every other axis.
    axes = [0] if len(x.shape) == 2 else [0, 2, 3]
    shape = [1, -1] + [1] * (len(x.shape) - 2)
    if training:
        mean, var = tf.nn.moments(x, axes)  # biased variance, as Keras BatchNormalization uses
        m = tf.cast(tf.size(x) // tf.shape(x)[1], x.dtype)
        # momentum is torch's (weight of the new batch; Keras's is 1 - momentum), and torch's
        # running variance is unbiased: scale the batch variance by m / (m - 1).
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
    r = lambda v: tf.reshape(v, shape)  # noqa: E731 - (C,) -> (1, C[, 1, 1])
    out = tf.nn.batch_normalization(x, r(mean), r(var), offset=r(beta), scale=r(gamma), variance_epsilon=eps)
    return {"out": out, "running_mean": running_mean, "running_var": running_var}


def dropout(x, mask, *, p):
    # tf.nn.dropout draws its own mask; with an injected one, inverted dropout is this product.
    return x * mask / (1 - p)
