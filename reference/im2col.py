"""Window geometry shared by convolution and pooling: padding rules and strided views.

Every sliding-window operation reads, for output position (i, j) and kernel offset
(p, q), the padded input element at row ``i * stride + p * dilation`` and column
``j * stride + q * dilation``. The helpers here resolve the padding argument into
explicit ``((top, bottom), (left, right))`` numbers, check the combination is
possible, and build zero-copy strided views of the padded input.
"""

import numpy as np


def as_pair(value, name):
    """``3`` -> ``(3, 3)``; ``(2, 1)`` stays; values must be positive integers.

    Raises
    ------
    ValueError
        Naming ``name`` when a value is not a positive integer.
    """
    pair = (value, value) if np.isscalar(value) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise ValueError(f"{name} must be a positive int or a pair of positive ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def same_padding(size, kernel, stride, dilation):
    """TensorFlow's 'SAME' rule along one axis: ``(before, after)``.

    out = ceil(size / stride); total = max((out - 1) * stride + (kernel - 1) * dilation
    + 1 - size, 0); before = total // 2, and the odd element goes after (bottom/right).
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, in_hw, kernel_hw, stride_hw, dilation_hw):
    """Explicit ``((top, bottom), (left, right))`` for every accepted padding form.

    Parameters
    ----------
    padding : int, (int, int), ((int, int), (int, int)), "valid" or "same"
        An int pads all four sides; a pair pads (rows, columns) symmetrically;
        nested pairs are (top, bottom), (left, right); "valid" is no padding; "same"
        follows TensorFlow's rule (:func:`same_padding`).
    in_hw, kernel_hw, stride_hw, dilation_hw : (int, int)
    """
    if isinstance(padding, str):
        if padding.lower() == "valid":
            return (0, 0), (0, 0)
        if padding.lower() == "same":
            return tuple(same_padding(*args) for args in zip(in_hw, kernel_hw, stride_hw, dilation_hw))
        raise ValueError(f"padding must be 'valid', 'same', an int or pairs, got {padding!r}")
    if np.isscalar(padding):
        padding = (padding, padding)
    if len(padding) != 2:
        raise ValueError(f"padding must have two entries (rows, columns), got {padding!r}")
    pads = tuple((p, p) if np.isscalar(p) else tuple(p) for p in padding)
    if not all(len(p) == 2 and isinstance(v, (int, np.integer)) and v >= 0 for p in pads for v in p):
        raise ValueError(f"padding must be non-negative ints, got {padding!r}")
    return tuple((int(a), int(b)) for a, b in pads)


def window_geometry(in_hw, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Resolve and check the parameters of a sliding window over an (H, W) image.

    Returns
    -------
    kernel, stride, dilation : (int, int)
    pads : ((top, bottom), (left, right))
    out_hw : (int, int)
        ``floor((H + top + bottom - dilation * (kernel - 1) - 1) / stride) + 1``; with
        ``ceil_mode`` (pooling) the ceiling, less one where that last window would
        start past the input and its top (left) padding, torch's rule.

    Raises
    ------
    ValueError
        Naming the argument: non-positive kernel, stride or dilation, a bad padding,
        or a (dilated) kernel larger than the padded input (in ``ceil_mode``: no window at all).
    """
    kernel = as_pair(kernel_size, "kernel_size")
    stride = as_pair(stride, "stride")
    dilation = as_pair(dilation, "dilation")
    pads = resolve_padding(padding, in_hw, kernel, stride, dilation)
    out_hw = []
    for size, k, s, d, (before, after) in zip(in_hw, kernel, stride, dilation, pads):
        span = d * (k - 1) + 1
        reach = size + before + after - span  # where the last window may start, counted from the padded start
        out = (reach + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= size + before:
            out -= 1  # that window would start in the bottom (right) padding or beyond: torch drops it
        if out < 1:
            raise ValueError(
                f"kernel_size {k} (dilation {d}, span {span}) is larger than the padded input {size + before + after}"
            )
        out_hw.append(out)
    return kernel, stride, dilation, pads, tuple(out_hw)


def as_batch(x):
    """``(x4, unbatched)``: x as (N, C, H, W), an unbatched (C, H, W) as a batch of one (torch's rule)."""
    if x.ndim not in (3, 4):
        raise ValueError(f"x must be (N, C, H, W) or unbatched (C, H, W), got shape {x.shape}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def pad_hw(x, pads, value=0.0):
    """Pad the last two axes of ``x`` with ``pads = ((top, bottom), (left, right))`` (no copy without pads)."""
    if not any(pads[0] + pads[1]):
        return x
    return np.pad(x, ((0, 0),) * (x.ndim - 2) + tuple(pads), constant_values=value)


def window_view(xp, kernel, stride, dilation, out_hw, offset_first=False):
    """Zero-copy view of the sliding windows of a padded ``(..., Hp, Wp)`` array.

    Returns shape ``(..., Ho, Wo, kh, kw)``, or ``(..., kh, kw, Ho, Wo)`` with
    ``offset_first``: element ``[..., i, j, p, q]`` is
    ``xp[..., i * sh + p * dh, j * sw + q * dw]``. Read-only: windows overlap.
    """
    *lead, row, col = xp.strides
    shape_out = tuple(out_hw)
    strides_out = (row * stride[0], col * stride[1])
    strides_k = (row * dilation[0], col * dilation[1])
    if offset_first:
        shape, strides = tuple(kernel) + shape_out, strides_k + strides_out
    else:
        shape, strides = shape_out + tuple(kernel), strides_out + strides_k
    return np.lib.stride_tricks.as_strided(
        xp, xp.shape[:-2] + shape, tuple(lead) + strides, writeable=False
    )


def offset_slices(p, q, stride, dilation, out_hw):
    """Index of the padded input read by kernel offset (p, q) at every output position.

    ``xp[..., rows, cols]`` has shape ``(..., Ho, Wo)``; backward passes add into it.
    """
    rows = slice(p * dilation[0], p * dilation[0] + stride[0] * (out_hw[0] - 1) + 1, stride[0])
    cols = slice(q * dilation[1], q * dilation[1] + stride[1] * (out_hw[1] - 1) + 1, stride[1])
    return rows, cols


def unpad_hw(xp, pads):
    """The inverse of :func:`pad_hw`: crop the padded border of the last two axes."""
    (top, bottom), (left, right) = pads
    return xp[..., top : xp.shape[-2] - bottom, left : xp.shape[-1] - right]
