"""Convolution with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle.nn.functional as F


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def tf_same_padding(size, kernel, stride, dilation):
    """TensorFlow's 'SAME' rule along one axis, ``(before, after)``: the odd pixel goes after."""
    out = -(-size // stride)  # ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def explicit_same(size_hw, kernel_hw, stride, dilation=1):
    """TensorFlow's 'SAME' pads as Paddle's explicit ``[top, bottom, left, right]``."""
    (top, bottom), (left, right) = map(tf_same_padding, size_hw, kernel_hw, pair(stride), pair(dilation))
    return [top, bottom, left, right]


def paddle_padding(size_hw, kernel_hw, stride, padding, dilation=1):
    """The ``padding`` argument Paddle's conv and pooling take for the samples' padding.

    Ints and (rows, cols) pairs are symmetric, as in torch; ``((top, bottom), (left,
    right))`` becomes Paddle's flat ``[top, bottom, left, right]`` (Paddle pads
    asymmetrically itself, no explicit pad op); "valid" and "same" are Paddle's own
    "VALID" and "SAME", which follow TensorFlow's rule (the odd pixel goes after).
    """
    if padding == "valid":
        return "VALID"
    if padding == "same":
        if pair(dilation) != (1, 1):
            # Paddle's "SAME" silently convolves with dilation 1: pad explicitly by TensorFlow's rule.
            return explicit_same(size_hw, kernel_hw, stride, dilation)
        return "SAME"
    if isinstance(padding, int) or all(isinstance(p, int) for p in padding):
        return padding if isinstance(padding, int) else list(padding)
    (top, bottom), (left, right) = padding
    return [top, bottom, left, right]


def conv2d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    if x.ndim == 3:  # unbatched (C, H, W): Paddle convolves 4-D batches only, so a batch of one
        return conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)[0]
    # NCHW input and OIHW kernel (out, in / groups, kh, kw): Paddle's defaults, as torch's.
    padding = paddle_padding(x.shape[2:], w.shape[2:], stride, padding, dilation)
    return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
