"""Convolution with PyTorch built-ins; autograd supplies the gradients."""

import torch.nn.functional as F

from framework_impls.conversions.conv import conv_transpose_crops


def tf_same_padding(size, kernel, stride, dilation):
    """TensorFlow's 'SAME' rule along one axis, ``(before, after)``: the odd pixel goes after.

    torch's own ``padding="same"`` exists for stride 1 only; at stride 2 on an even
    size TensorFlow pads (0, 1) where a symmetric padding=1 would pad (1, 1).
    """
    out = -(-size // stride)  # ceil(size / stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def split_padding(size_hw, kernel_hw, stride, padding, dilation=1):
    """``(pad, padding)``: an explicit ``F.pad`` argument (or None) and what the torch op takes.

    Symmetric ints and pairs go to the op; "same" (TensorFlow's rule) and
    ``((top, bottom), (left, right))`` become an explicit (left, right, top, bottom) pad.
    """
    if padding == "valid":
        return None, 0
    if padding == "same":
        pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
        (top, bottom), (left, right) = map(tf_same_padding, size_hw, kernel_hw, pair(stride), pair(dilation))
        return (left, right, top, bottom), 0
    if isinstance(padding, int) or all(isinstance(p, int) for p in padding):
        return None, padding
    (top, bottom), (left, right) = padding
    return (left, right, top, bottom), 0


def conv2d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    pad, padding = split_padding(x.shape[-2:], w.shape[2:], stride, padding, dilation)  # x (N, C, H, W) or (C, H, W)
    if pad is not None:
        x = F.pad(x, pad)  # explicit zeros (left, right, top, bottom): asymmetric or TensorFlow 'SAME'
    return F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)


def conv2d_single_channel(image, kernel):
    """F.conv2d of one (H, W) image with one (kh, kw) kernel, 'valid' (catalog entry cross-correlation)."""
    return F.conv2d(image[None, None], kernel[None, None])[0, 0]  # slides the kernel unflipped: a cross-correlation


def conv_transpose2d(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    # w is (C_in, C_out / groups, kh, kw): torch's transposed-conv layout, the reference's too.
    if isinstance(padding, int) or all(isinstance(p, int) for p in padding):  # symmetric: torch's own arguments
        return F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                                  groups=groups, dilation=dilation)
    # "same" (Keras's rule) or ((top, bottom), (left, right)): torch crops symmetrically only, so take the
    # full result and crop it with F.pad's negative numbers (a negative crop adds zero rows), then the bias.
    full = F.conv_transpose2d(x, w, stride=stride, groups=groups, dilation=dilation)
    (top, bottom), (left, right) = conv_transpose_crops(x.shape[2:], w.shape[2:], stride, padding,
                                                        output_padding, dilation)
    return F.pad(full, (-left, -right, -top, -bottom)) + b[:, None, None]


def conv2d_depthwise(x, w, b):
    """F.conv2d with groups = C: w (C M, 1, kh, kw), output channel c M + m (catalog depthwise-layout)."""
    return F.conv2d(x, w, b, groups=x.shape[1])
