"""Convolution with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle.nn.functional as F

from framework_impls.conversions.conv import conv_transpose_crops


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


def conv_transpose2d(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    # w is (C_in, C_out / groups, kh, kw), as in torch.
    if padding == "same":
        # Paddle's "SAME" applies TensorFlow's rule to the input size, not to the output's H * stride:
        # crop explicitly by the Keras numbers (a negative crop at the end becomes output_padding).
        (top, bottom), (left, right) = conv_transpose_crops(x.shape[2:], w.shape[2:], stride, padding,
                                                            dilation=dilation)
        padding = [top, max(bottom, 0), left, max(right, 0)]
        output_padding = [max(-bottom, 0), max(-right, 0)]
    else:
        padding = paddle_padding(x.shape[2:], w.shape[2:], stride, padding, dilation)
    extra_h, extra_w = pair(output_padding)
    if extra_h >= pair(stride)[0] or extra_w >= pair(stride)[1]:
        # Paddle refuses output_padding >= stride (torch allows it below the dilation): the rows it
        # would add lie beyond every input's reach, so pad them with zeros, then add the bias.
        out = F.conv2d_transpose(x, w, stride=stride, padding=padding, groups=groups, dilation=dilation)
        return F.pad(out, [0, extra_w, 0, extra_h]) + b.reshape([-1, 1, 1])  # F.pad NCHW: (left, right, top, bottom)
    return F.conv2d_transpose(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                              groups=groups, dilation=dilation)
