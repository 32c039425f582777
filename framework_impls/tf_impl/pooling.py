"""Pooling with TensorFlow built-ins; tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf

from framework_impls.tf_impl.conv import pair, tf_padding


def max_pool2d(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if ceil_mode:
        raise NotImplementedError("TensorFlow's pooling has no ceil_mode (floor only): those samples skip TensorFlow")
    if len(x.shape) == 3:  # unbatched (C, H, W): TensorFlow pools batches only, so a batch of one
        return max_pool2d(x[None], kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)[0]
    stride = kernel_size if stride is None else stride  # torch's default: non-overlapping windows
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC: TensorFlow's CPU pooling is NHWC only
    if pair(dilation) == (1, 1):
        out = tf.nn.max_pool2d(x, kernel_size, stride, tf_padding(padding))  # explicit pads never win the max
    else:
        # tf.nn.pool takes dilations but no explicit pads (pad with -inf, which never wins) and no
        # stride > 1 with dilation > 1: pool at stride 1, keep every s-th window.
        padding = tf_padding(padding)
        if not isinstance(padding, str):
            x, padding = tf.pad(x, padding, constant_values=float("-inf")), "VALID"
        (sh, sw) = pair(stride)
        out = tf.nn.pool(x, pair(kernel_size), "MAX", strides=(1, 1), padding=padding, dilations=pair(dilation))
        out = out[:, ::sh, ::sw, :]
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    if ceil_mode:
        raise NotImplementedError("TensorFlow's pooling has no ceil_mode (floor only): those samples skip TensorFlow")
    if len(x.shape) == 3:  # unbatched (C, H, W): TensorFlow pools batches only, so a batch of one
        return avg_pool2d(x[None], kernel_size=kernel_size, stride=stride, padding=padding,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)[0]
    stride = kernel_size if stride is None else stride
    x = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    if padding in ("valid", "same"):
        out = tf.nn.avg_pool2d(x, kernel_size, stride, padding.upper())  # 'SAME' divides by real elements only
        if padding == "same" and count_include_pad:
            # 'SAME' pads cannot be counted directly: scale by real elements / kernel area per window
            kh, kw = pair(kernel_size)
            real = tf.nn.conv2d(tf.ones_like(x[:1, :, :, :1]), tf.ones((kh, kw, 1, 1), x.dtype), stride, "SAME")
            out = out * real / (kh * kw)
    else:
        pads = tf_padding(padding)
        out = tf.nn.avg_pool2d(tf.pad(x, pads), kernel_size, stride, "VALID")  # zeros padded: divided by kh * kw
        if divisor_override is not None:
            out = out * (pair(kernel_size)[0] * pair(kernel_size)[1] / divisor_override)  # mean * area = window sum
        elif not count_include_pad:
            # avg_pool2d takes no explicit pads: rescale by the share of real elements in each window
            real = tf.nn.avg_pool2d(tf.pad(tf.ones_like(x[:1, :, :, :1]), pads), kernel_size, stride, "VALID")
            out = out / real
    return tf.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def max_pool2d_weighted(x, dout, *, kernel_size):
    """``max_pool2d(x) * dout`` (catalog maxpool-ties).

    The gradient of its sum with respect to x is max pooling's pullback of dout.
    """
    return max_pool2d(x, kernel_size=kernel_size) * dout  # MaxPoolGrad: the whole gradient to the recorded argmax


def reduce_max_pool2d_weighted(x, dout, *, kernel_size):
    """Max pooling written as tf.reduce_max over non-overlapping windows, times dout (catalog maxpool-ties)."""
    n, c, h, w = x.shape
    windows = tf.reshape(x, (n, c, h // kernel_size, kernel_size, w // kernel_size, kernel_size))
    return tf.reduce_max(windows, axis=(3, 5)) * dout  # reduce_max's gradient splits ties equally


def adaptive_avg_pool2d(x, *, output_size):
    # Keras 3 (3.15 on) has the layer, with torch's windows; channels_first reads NCHW without a transpose.
    layer = keras.layers.AdaptiveAveragePooling2D(output_size, data_format="channels_first", dtype=x.dtype.name)
    return layer(x)


def keras_average_pooling(x, *, pool_size, strides):
    """keras.layers.AveragePooling2D with a fixed window (catalog adaptive-pool: the naive port)."""
    layer = keras.layers.AveragePooling2D(pool_size, strides=strides, data_format="channels_first", dtype=x.dtype.name)
    return layer(x)
