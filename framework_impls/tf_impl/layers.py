"""Layers with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import keras
import numpy as np
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


def dropout(x, *, p, seed=(1, 2)):
    """tf.nn's stateless dropout, and the keep-mask it drew from ``seed`` read back from its output."""
    out = seeded_dropout(x, p=p, seed=seed)
    return {"out": out, "mask": tf.cast(out != 0, x.dtype)}  # x has no zeros: a zero output is a dropped unit


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
    the hand-written inverted dropout of the reference, ``x * mask / (1 - p)``.
    """
    mask = tf.cast(seeded_dropout(x, p=p, seed=seed) != 0, x.dtype)
    return x * mask / (1 - p) if inverted else x * mask  # the paper scaled the weights by 1 - p at test time instead


# Normalisation layers and embeddings: the Keras layer built for x, then called with the given
# tensors in place of its variables (``stateless_call``), so the tape reaches gamma, beta and the table.


def _stateless(layer, x, weights):
    layer.build(x.shape)
    out, _ = layer.stateless_call(weights, layer.non_trainable_variables, x)
    return out


def _trailing_axes(x, gamma):
    """The axes torch's normalized_shape = gamma.shape covers: the last gamma.ndim of x."""
    return list(range(len(x.shape) - len(gamma.shape), len(x.shape)))


def layer_norm(x, gamma, beta, *, eps=1e-5):
    # axis: the trailing axes gamma covers; Keras's default epsilon is 1e-3
    layer = keras.layers.LayerNormalization(axis=_trailing_axes(x, gamma), epsilon=eps, dtype=x.dtype.name)
    return _stateless(layer, x, [gamma, beta])


def group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    layer = keras.layers.GroupNormalization(
        groups=num_groups, axis=1, epsilon=eps, dtype=x.dtype.name  # axis=1: NCHW channels (Keras's default -1 is NHWC)
    )
    return _stateless(layer, x, [gamma, beta])


def rms_norm(x, gamma, *, eps=None):
    if eps is None:
        eps = float(np.finfo(x.dtype.as_numpy_dtype).eps)  # torch's default eps=None; Keras's is 1e-6
    layer = keras.layers.RMSNormalization(axis=_trailing_axes(x, gamma), epsilon=eps, dtype=x.dtype.name)
    return _stateless(layer, x, [gamma])


def embedding(ids, table, *, padding_idx=None):
    if padding_idx is not None:
        # Keras has no padding_idx (mask_zero only masks later layers): stop the gradient into that row as torch does
        is_padding = tf.range(table.shape[0]) == padding_idx % table.shape[0]
        table = tf.where(is_padding[:, None], tf.stop_gradient(table), table)
    layer = keras.layers.Embedding(table.shape[0], table.shape[1], dtype=table.dtype.name)
    return _stateless(layer, ids, [table])


def keras_layer_norm(x, gamma, beta, **options):
    """keras.layers.LayerNormalization over the last axis with Keras's defaults (epsilon=1e-3) except ``options``."""
    return _stateless(keras.layers.LayerNormalization(dtype=x.dtype.name, **options), x, [gamma, beta])


def keras_group_norm(x, gamma, beta, *, num_groups, **options):
    """keras.layers.GroupNormalization on NCHW x (axis=1) with Keras's defaults (epsilon=1e-3) except ``options``."""
    layer = keras.layers.GroupNormalization(groups=num_groups, axis=1, dtype=x.dtype.name, **options)
    return _stateless(layer, x, [gamma, beta])


def keras_rms_norm(x, gamma, **options):
    """keras.layers.RMSNormalization over the last axis with Keras's defaults (epsilon=1e-6) except ``options``."""
    return _stateless(keras.layers.RMSNormalization(dtype=x.dtype.name, **options), x, [gamma])


def keras_embedding(ids, table, **options):
    """keras.layers.Embedding holding ``table``, with Keras's defaults except ``options`` (e.g. mask_zero)."""
    layer = keras.layers.Embedding(table.shape[0], table.shape[1], dtype=table.dtype.name, **options)
    return _stateless(layer, ids, [table])
