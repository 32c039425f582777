"""Convolution with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from framework_impls.conversions.conv import conv_transpose_crops, torch_conv_transpose_to_keras, torch_depthwise_to_keras
from reference.im2col import same_padding


def tf_padding(padding):
    """'SAME' / 'VALID', or TensorFlow's explicit NHWC form [[0, 0], [top, bottom], [left, right], [0, 0]]."""
    if isinstance(padding, str):
        return padding.upper()
    rows, cols = (padding, padding) if isinstance(padding, int) else padding
    rows, cols = [(p, p) if isinstance(p, int) else tuple(p) for p in (rows, cols)]
    return [[0, 0], list(rows), list(cols), [0, 0]]


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _convolution(x, w, stride, padding, dilation):
    """One NHWC / HWIO convolution (tf.nn.convolution: its dilated path has CPU gradients)."""
    (sh, sw), dilation = pair(stride), pair(dilation)
    if isinstance(padding, str) and padding.lower() == "same" and max(sh, sw) > 1 and max(dilation) > 1:
        # Below, the convolution runs at stride 1, where 'SAME' would pad for stride 1: pad for the real
        # stride explicitly (TensorFlow's rule, the same numbers tf.nn.conv2d uses).
        padding = tuple(same_padding(n, k, s, d) for n, k, s, d in zip(x.shape[1:3], w.shape[:2], (sh, sw), dilation))
    padding = tf_padding(padding)
    if not isinstance(padding, str):
        x, padding = tf.pad(x, padding), "VALID"  # tf.nn.convolution takes no explicit pads: zeros first
    if max(sh, sw) > 1 and max(dilation) > 1:
        # tf.nn.convolution refuses stride > 1 with dilation > 1: convolve at stride 1, keep every s-th output
        return tf.nn.convolution(x, w, strides=1, padding=padding, dilations=dilation)[:, ::sh, ::sw, :]
    return tf.nn.convolution(x, w, strides=(sh, sw), padding=padding, dilations=dilation)


def conv2d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    if len(x.shape) == 3:  # unbatched (C, H, W): TensorFlow convolves batches only, so a batch of one
        return conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)[0]
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC, TensorFlow's layout
    w = tf.transpose(w, (2, 3, 1, 0))  # OIHW -> HWIO
    # TensorFlow's CPU kernels have no gradient for grouped convolutions: one convolution per group
    parts = zip(tf.split(x, groups, axis=3), tf.split(w, groups, axis=3))
    out = tf.concat([_convolution(xg, wg, stride, padding, dilation) for xg, wg in parts], axis=3) + b
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def conv2d_kernel_reshaped(x, w, b):
    """conv2d with torch's OIHW kernel reshaped, not transposed, to HWIO (catalog entry conv-layout).

    The shape fits tf.nn.conv2d, the weights land in the wrong places.
    """
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC, done right
    kernel = tf.reshape(w, (w.shape[2], w.shape[3], w.shape[1], w.shape[0]))  # OIHW memory read as HWIO
    out = tf.nn.conv2d(x, kernel, strides=1, padding="VALID") + b
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def conv_transpose2d(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    if max(pair(dilation)) > 1:
        raise ValueError("dilation > 1: TensorFlow's CPU Conv2DBackpropInput (tf.nn.conv2d_transpose) refuses it")
    (top, bottom), (left, right) = conv_transpose_crops(x.shape[2:], w.shape[2:], stride, padding, output_padding)
    (sh, sw), (kh, kw) = pair(stride), w.shape[2:]
    # conv2d_transpose is conv2d's input gradient: it takes that conv2d's padding and the output size it maps from
    out_hw = ((x.shape[2] - 1) * sh + kh - top - bottom, (x.shape[3] - 1) * sw + kw - left - right)
    # explicit pads are non-negative: output_padding beyond the bottom pad is in out_hw alone (zeros there)
    pads = "SAME" if padding == "same" else [[0, 0], [top, max(bottom, 0)], [left, max(right, 0)], [0, 0]]
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    out_channels = w.shape[1]
    parts = []
    # tf.nn.conv2d_transpose has no groups: one per group, each with its own slice of channels
    for xg, wg in zip(tf.split(x, groups, axis=3), tf.split(w, groups, axis=0)):
        kernel = torch_conv_transpose_to_keras(wg, xp=tnp)  # (C_in/G, C_out/G, kh, kw) -> (kh, kw, C_out/G, C_in/G)
        shape = (x.shape[0], *out_hw, out_channels)
        parts.append(tf.nn.conv2d_transpose(xg, kernel, shape, strides=(sh, sw), padding=pads))
    out = tf.concat(parts, axis=3) + b
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


# Catalog sides (comparisons/divergences/convolution.py).


def keras_conv_transpose(x, w, b, *, stride, padding):
    """keras.layers.Conv2DTranspose holding torch's (C_in, C_out, kh, kw) weight (catalog conv-transpose-layout-same)."""
    layer = keras.layers.Conv2DTranspose(w.shape[1], tuple(w.shape[2:]), strides=stride, padding=padding,
                                         dtype=x.dtype.name)
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    layer.build(x.shape)
    kernel = torch_conv_transpose_to_keras(w, xp=tnp)  # (C_in, C_out, kh, kw) -> (kh, kw, C_out, C_in)
    out, _ = layer.stateless_call([kernel, b], [], x)  # 'same': output H * stride, the odd row cropped at the end
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def keras_depthwise(x, w, b, *, kernel_order):
    """keras.layers.DepthwiseConv2D holding torch's (C M, 1, kh, kw) depthwise weight (catalog depthwise-layout).

    ``kernel_order`` "torch" converts with :func:`torch_depthwise_to_keras` (output channel c M + m is
    filter m of channel c); "naive" reads torch's output channels as (M, C) instead.
    """
    channels = x.shape[1]
    multiplier = w.shape[0] // channels
    layer = keras.layers.DepthwiseConv2D(tuple(w.shape[2:]), depth_multiplier=multiplier, dtype=x.dtype.name)
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    layer.build(x.shape)
    if kernel_order == "torch":
        kernel = torch_depthwise_to_keras(w, channels, xp=tnp)  # w.reshape(C, M, kh, kw).transpose(2, 3, 0, 1)
    else:
        kernel = tnp.transpose(tnp.reshape(w, (multiplier, channels, *w.shape[2:])), (2, 3, 1, 0))  # (M, C): wrong
    out, _ = layer.stateless_call([kernel, b], [], x)
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW
