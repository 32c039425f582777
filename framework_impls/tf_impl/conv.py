"""Convolution with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import tensorflow as tf

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
