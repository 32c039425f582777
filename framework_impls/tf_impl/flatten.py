"""A feature map flattened and fed to a dense layer, with keras.layers Flatten and Dense; tf.GradientTape
supplies the gradients.

Keras flattens an NHWC map as (H, W, C): :func:`framework_impls.conversions.conv.torch_flatten_dense_to_keras`
reorders torch's dense weight to match, and ``stateless_call`` runs the Dense layer with that kernel in
place of its variables, so the tape follows the gradient back to the torch-layout weight.
"""

import keras
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from framework_impls.conversions.conv import torch_flatten_dense_to_keras


def flatten_dense(x, w, b):
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC, Keras's layout
    flat = keras.layers.Flatten(dtype=x.dtype.name)(x)  # (H, W, C) order
    dense = keras.layers.Dense(w.shape[0], dtype=x.dtype.name)
    dense.build(flat.shape)
    kernel = torch_flatten_dense_to_keras(w, (x.shape[3], x.shape[1], x.shape[2]), xp=tnp)  # rows reordered to (H, W, C)
    out, _ = dense.stateless_call([kernel, b], [], flat)
    return out


def flatten_dense_plain_transpose(x, w, b):
    """The same Keras head with the kernel ``w.T`` (catalog flatten-dense-order: the naive port)."""
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    flat = keras.layers.Flatten(dtype=x.dtype.name)(x)
    dense = keras.layers.Dense(w.shape[0], dtype=x.dtype.name)
    dense.build(flat.shape)
    out, _ = dense.stateless_call([tf.transpose(w), b], [], flat)  # the right shape, rows in (C, H, W) order
    return out
