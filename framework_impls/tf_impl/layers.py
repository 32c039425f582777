"""Layers with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf


def linear(x, w, b):
    # Keras Dense stores its kernel as (in, out): w.T is torch's (out, in) layout. tensordot contracts
    # x's last axis with w's in axis whatever x's rank ((in,), (N, in), (N, T, in), ...).
    return tf.tensordot(x, w, axes=[[-1], [1]]) + b


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    # NCHW: the channel is axis 1, so the statistics run over every other axis.
    axes = [0] + list(range(2, len(x.shape)))  # (N, C, *): every axis but the channel
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


def keras_dense(x, w, b, *, transpose_weight):
    """A keras.layers.Dense holding torch's (out, in) weight ``w`` as its kernel, as is or transposed.

    Catalog entry dense-kernel-layout: Keras computes ``x @ kernel + b`` with a kernel of
    shape (in, out), so torch's weight must go in as ``w.T``.
    """
    dense = keras.layers.Dense(w.shape[0], dtype=x.dtype.name)
    dense.build((None, w.shape[1]))
    kernel = tf.transpose(w) if transpose_weight else w  # (out, in) -> (in, out); as is, it only fits when in == out
    dense.set_weights([kernel.numpy(), b.numpy()])
    return dense(x)


# Catalog sides (comparisons/divergences/layers.py): a side returns one array.


def keras_batch_norm(x, gamma, beta, running_mean, running_var, *, output, unbias_running_var=False, **options):
    """One output of keras.layers.BatchNormalization in training mode, with the given state and options.

    ``output`` is "out", "running_mean" (Keras's moving_mean) or "running_var"
    (moving_variance). With ``unbias_running_var`` the new batch's share of
    moving_variance is scaled by m / (m - 1), m = N*H*W: the unbiased variance torch stores.
    """
    layer = keras.layers.BatchNormalization(axis=1, dtype=x.dtype.name, **options)  # axis=1: NCHW channels
    layer.build(x.shape)
    layer.set_weights([v.numpy() for v in (gamma, beta, running_mean, running_var)])
    out = layer(x, training=True)
    if output == "out":
        return out
    if output == "running_mean":
        return tf.identity(layer.moving_mean.value)  # momentum * moving_mean + (1 - momentum) * batch mean
    variance = tf.identity(layer.moving_variance.value)  # updated with the biased batch variance
    if unbias_running_var:
        m = x.shape.num_elements() // x.shape[1]
        kept = layer.momentum * running_var
        variance = kept + (variance - kept) * (m / (m - 1))
    return variance


def seeded_dropout(x, *, p, seed=(1, 2)):
    """TensorFlow's own dropout (its own mask) from a fixed stateless seed."""
    return tf.nn.experimental.stateless_dropout(x, rate=p, seed=seed)  # inverted: kept units scaled by 1 / (1 - p)


def mask_of_seeded_dropout(x, *, p, seed=(1, 2), inverted):
    """x times the keep-mask :func:`seeded_dropout` draws, read back from its output (x has no zeros).

    ``inverted=False`` is the original paper's dropout, ``x * mask``; ``inverted=True``
    the hand-written inverted dropout :func:`dropout`, ``x * mask / (1 - p)``.
    """
    mask = tf.cast(seeded_dropout(x, p=p, seed=seed) != 0, x.dtype)
    return dropout(x, mask, p=p) if inverted else x * mask  # the paper scaled the weights by 1 - p at test time instead
