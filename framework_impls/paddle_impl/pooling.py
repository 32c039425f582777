"""Pooling with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle.nn.functional as F

from framework_impls.paddle_impl.conv import explicit_same, pair, paddle_padding


def max_pool2d(x, *, kernel_size, stride=None, padding=0):
    stride = kernel_size if stride is None else stride  # torch's default (and Paddle's): non-overlapping windows
    padding = paddle_padding(x.shape[2:], pair(kernel_size), stride, padding)
    return F.max_pool2d(x, kernel_size, stride=stride, padding=padding)  # padded elements never win the max


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, count_include_pad=True):
    stride = kernel_size if stride is None else stride
    padding = paddle_padding(x.shape[2:], pair(kernel_size), stride, padding)
    if count_include_pad and (padding == "SAME" or isinstance(padding, list) and len(padding) == 4):
        # Paddle's divisor never counts "SAME" pads, nor explicit pads after the input (bottom, right),
        # whatever exclusive says: pad the zeros explicitly ...
        if padding == "SAME":
            padding = explicit_same(x.shape[2:], pair(kernel_size), stride)
        top, bottom, left, right = padding
        x, padding = F.pad(x, [left, right, top, bottom]), 0  # F.pad's NCHW order: (left, right, top, bottom)
    # ... exclusive is torch's count_include_pad negated: Paddle's default exclusive=True leaves the pads out.
    return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding, exclusive=not count_include_pad)


# Catalog sides (comparisons/divergences/convolution.py).


def builtin_avg_pool2d(x, *, kernel_size, stride=None, padding=0, **options):
    """F.avg_pool2d with Paddle's own defaults except ``options`` (exclusive=True by default)."""
    return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding, **options)


def adaptive_avg_pool2d(x, *, output_size):
    return F.adaptive_avg_pool2d(x, output_size)  # torch's windows, NCHW by default
