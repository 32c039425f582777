"""Pooling with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle.nn.functional as F

from framework_impls.paddle_impl.conv import explicit_same, pair, paddle_padding


def drop_windows_in_padding(out, size_hw, stride, padding):
    """Crop the last row / column of windows that ``ceil_mode`` starts in the bottom / right padding.

    Paddle's ceil_mode keeps such a window (max -3.4e38, mean 0); torch keeps a last window
    only when it starts inside the input or its top / left padding (catalog entry
    paddle-ceil-mode-window-in-padding). ``padding`` is an int or a symmetric (rows, cols) pair.
    """
    keep = [o - ((o - 1) * s >= n + p) for o, n, s, p in zip(out.shape[-2:], size_hw, pair(stride), pair(padding))]
    return out[..., : keep[0], : keep[1]]


def max_pool2d(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if pair(dilation) != (1, 1):
        raise NotImplementedError("Paddle's F.max_pool2d has no dilation: those samples skip Paddle")
    if x.ndim == 3:  # unbatched (C, H, W): Paddle pools 4-D batches only, so a batch of one
        return max_pool2d(x[None], kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode)[0]
    stride = kernel_size if stride is None else stride  # torch's default (and Paddle's): non-overlapping windows
    padding = paddle_padding(x.shape[2:], pair(kernel_size), stride, padding)
    out = F.max_pool2d(x, kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode)  # padding never wins
    return drop_windows_in_padding(out, x.shape[2:], stride, padding) if ceil_mode else out


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    if x.ndim == 3:  # unbatched (C, H, W): Paddle pools 4-D batches only, so a batch of one
        return avg_pool2d(x[None], kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                          count_include_pad=count_include_pad, divisor_override=divisor_override)[0]
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
    out = F.avg_pool2d(x, kernel_size, stride=stride, padding=padding, exclusive=not count_include_pad,
                       ceil_mode=ceil_mode, divisor_override=divisor_override)
    return drop_windows_in_padding(out, x.shape[2:], stride, padding) if ceil_mode else out


# Catalog sides (comparisons/divergences/convolution.py).


def builtin_max_pool2d(x, *, kernel_size, stride=None, padding=0, **options):
    """F.max_pool2d with Paddle's own rules, ``options`` passed as they are (ceil_mode)."""
    return F.max_pool2d(x, kernel_size, stride=stride, padding=padding, **options)


def builtin_avg_pool2d(x, *, kernel_size, stride=None, padding=0, **options):
    """F.avg_pool2d with Paddle's own defaults except ``options`` (exclusive=True by default)."""
    return F.avg_pool2d(x, kernel_size, stride=stride, padding=padding, **options)


def adaptive_avg_pool2d(x, *, output_size):
    return F.adaptive_avg_pool2d(x, output_size)  # torch's windows, NCHW by default
