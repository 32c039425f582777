"""2-D max and average pooling in NumPy, forward and hand-derived backward (NCHW).

Both loop over the kernel offsets (p, q) only, never over pixels: offset (p, q) of
every window at once is the strided slice ``xp[:, :, p::s, q::s]`` of the padded
input (see :func:`reference.im2col.offset_slices`), so a 2x2 pool is four
whole-array operations. The ``*_naive`` versions loop over the windows themselves, the
tutorials' picture, and give the same results.
"""

import numpy as np

from reference.im2col import as_batch, as_pair, offset_slices, pad_hw, unpad_hw, window_geometry


def _pool_geometry(x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Check x (N, C, H, W) and the parameters; ``stride=None`` means the kernel size.

    Returns ``(kernel, stride, dilation, pads, out_hw, grown)``: ``grown`` is ``pads``
    with the bottom and right widened to hold the last window of ``ceil_mode``, which
    may reach past the padding (that part is neither summed nor counted).
    """
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    if not isinstance(ceil_mode, (bool, np.bool_)):  # torch refuses 0 and 1 too
        raise ValueError(f"ceil_mode must be True or False, got {ceil_mode!r}")
    if ceil_mode and (isinstance(padding, str) or any(a != b for a, b in _pairs(padding))):
        raise ValueError(f"padding must be symmetric (an int or a pair) with ceil_mode, as torch takes it, got {padding!r}")
    stride = kernel_size if stride is None else stride
    kernel, stride, dilation, pads, out_hw = window_geometry(x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    for k, side_pads in zip(kernel, pads):
        if not isinstance(padding, str) and max(side_pads) > k // 2:  # "same" is TensorFlow's rule, not torch's
            raise ValueError(f"padding must be at most half the kernel size ({k} // 2 = {k // 2}), as torch requires, got {padding!r}")
    grown = tuple(
        (before, max(after, (out - 1) * s + d * (k - 1) + 1 - size - before))
        for size, k, s, d, (before, after), out in zip(x.shape[2:], kernel, stride, dilation, pads, out_hw)
    )
    return kernel, stride, dilation, pads, out_hw, grown


def _pairs(padding):
    """``((top, bottom), (left, right))`` of an int / pair / nested-pair padding (strings have none)."""
    padding = (padding, padding) if np.isscalar(padding) else padding
    return [(p, p) if np.isscalar(p) else tuple(p) for p in padding]


def _offsets(kernel):
    """Kernel offsets (p, q) in row-major order, the order ties are broken in."""
    return [(p, q) for p in range(kernel[0]) for q in range(kernel[1])]


def _grown_shape(x_shape, grown):
    return x_shape[:2] + (x_shape[2] + sum(grown[0]), x_shape[3] + sum(grown[1]))


def max_pool2d_forward(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Maximum over each window.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or unbatched (C, H, W)
    kernel_size, stride : int or (int, int)
        ``stride`` defaults to ``kernel_size`` (non-overlapping windows).
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        Padded positions hold -inf, so they never win. At most half the kernel size
        on every side, as torch requires.
    dilation : int or (int, int)
        Spacing of the window's elements (1: adjacent).
    ceil_mode : bool
        Round the number of windows up: a last, partial window at the bottom and
        right, kept only where it starts inside the input or its top / left
        padding (torch's rule). Symmetric padding only.

    Returns
    -------
    out : ndarray, shape (N, C, Ho, Wo) (or (C, Ho, Wo))
        ``out[n, c, i, j] = max_{p, q} xp[n, c, i s + p d, j s + q d]``
    cache : tuple
        ``argmax`` (N, C, Ho, Wo): the row-major index ``p * kw + q`` of the first
        maximum of each window, and the geometry.
    """
    x, unbatched = as_batch(x)
    kernel, stride, dilation, _, out_hw, pads = _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode)
    xp = pad_hw(x, pads, value=-np.inf)  # -inf: a padded position is never the maximum
    offsets = _offsets(kernel)
    out = xp[(..., *offset_slices(0, 0, stride, dilation, out_hw))]
    argmax = np.zeros(out.shape, dtype=np.min_scalar_type(len(offsets) - 1))
    for k, (p, q) in enumerate(offsets[1:], start=1):
        candidate = xp[(..., *offset_slices(p, q, stride, dilation, out_hw))]
        wins = candidate > out  # strictly greater: on a tie the earlier offset keeps the max
        argmax = np.where(wins, k, argmax)
        out = np.maximum(out, candidate)
    return (out[0] if unbatched else out), (argmax, x.shape, kernel, stride, dilation, pads, unbatched)


def max_pool2d_backward(dout, cache):
    """Gradient of :func:`max_pool2d_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, C, Ho, Wo) (or (C, Ho, Wo))

    Returns
    -------
    dx : ndarray, shape (N, C, H, W) (or (C, H, W))
        Each ``dout[n, c, i, j]`` goes whole to the first maximum of its window in
        row-major order (PyTorch's and TensorFlow's rule for ties); overlapping
        windows add up.
    """
    argmax, x_shape, kernel, stride, dilation, pads, unbatched = cache
    dout = dout[None] if unbatched else dout
    dxp = np.zeros(_grown_shape(x_shape, pads), dtype=dout.dtype)
    for k, (p, q) in enumerate(_offsets(kernel)):
        dxp[(..., *offset_slices(p, q, stride, dilation, dout.shape[2:]))] += np.where(argmax == k, dout, 0)
    dx = unpad_hw(dxp, pads)
    return dx[0] if unbatched else dx


def _window_counts(in_hw, kernel, stride, pads, grown, out_hw, dtype):
    """Per window (Ho, Wo): the real (unpadded) elements, and those inside the padding as declared.

    The second excludes the part of a ``ceil_mode`` window beyond the declared padding,
    which torch's count_include_pad=True does not count either.
    """
    real = pad_hw(np.ones(in_hw, dtype=dtype), grown)  # 1 on the image, 0 on the padding
    overhang = tuple((0, after - declared) for (_, after), (_, declared) in zip(grown, pads))
    countable = pad_hw(np.ones((in_hw[0] + sum(pads[0]), in_hw[1] + sum(pads[1])), dtype=dtype), overhang)
    counts = np.zeros((2,) + out_hw, dtype=dtype)
    for p, q in _offsets(kernel):
        index = offset_slices(p, q, stride, (1, 1), out_hw)
        counts += np.stack([real[index], countable[index]])
    return counts


def _check_divisor(divisor_override):
    """None, or a non-zero int as torch takes it (a negative one flips the sign)."""
    integer = isinstance(divisor_override, (int, np.integer)) and not isinstance(divisor_override, bool)
    if divisor_override is not None and not (integer and divisor_override != 0):
        raise ValueError(f"divisor_override must be a non-zero int or None, got {divisor_override!r}")


def _divisor(counts, count_include_pad, divisor_override):
    """torch's divisor of each window: ``divisor_override``, or the counted elements."""
    _check_divisor(divisor_override)
    if divisor_override is not None:
        return np.full_like(counts[0], divisor_override)
    return counts[1] if count_include_pad else counts[0]


def avg_pool2d_forward(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                       divisor_override=None):
    """Mean over each window.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or unbatched (C, H, W)
    kernel_size, stride, padding, ceil_mode
        As for :func:`max_pool2d_forward`; padded positions hold 0.
    count_include_pad : bool
        True (PyTorch's default): divide by the window's elements inside the padded
        input, ``kh * kw`` but for a ``ceil_mode`` window reaching past it. False
        (TensorFlow's 'SAME'): divide by the number of real (unpadded) elements.
    divisor_override : int or None
        Divide every window's sum by this instead (torch's sum pooling: 1).

    Returns
    -------
    out : ndarray, shape (N, C, Ho, Wo) (or (C, Ho, Wo))
        ``out[n, c, i, j] = sum_{p, q} xp[n, c, i s + p, j s + q] / count[i, j]``
    cache : tuple
        ``count`` (Ho, Wo) and the geometry.
    """
    x, unbatched = as_batch(x)
    kernel, stride, _, pads, out_hw, grown = _pool_geometry(x, kernel_size, stride, padding, ceil_mode=ceil_mode)
    count = _divisor(_window_counts(x.shape[2:], kernel, stride, pads, grown, out_hw, x.dtype),
                     count_include_pad, divisor_override)
    xp = pad_hw(x, grown)
    total = np.zeros(x.shape[:2] + out_hw, dtype=x.dtype)
    for p, q in _offsets(kernel):
        total += xp[(..., *offset_slices(p, q, stride, (1, 1), out_hw))]
    out = total / count
    return (out[0] if unbatched else out), (count, x.shape, kernel, stride, grown, unbatched)


def avg_pool2d_backward(dout, cache):
    """Gradient of :func:`avg_pool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W) (or (C, H, W))
        Every element of window (i, j) receives ``dout[n, c, i, j] / count[i, j]``;
        overlapping windows add up; the padding's share is dropped.
    """
    count, x_shape, kernel, stride, pads, unbatched = cache
    share = (dout[None] if unbatched else dout) / count
    dxp = np.zeros(_grown_shape(x_shape, pads), dtype=dout.dtype)
    for p, q in _offsets(kernel):
        dxp[(..., *offset_slices(p, q, stride, (1, 1), share.shape[2:]))] += share
    dx = unpad_hw(dxp, pads)
    return dx[0] if unbatched else dx


def _window(xp, i, j, kernel, stride, dilation=(1, 1)):
    """The (..., kh, kw) window of output position (i, j) in a padded input."""
    top, left = i * stride[0], j * stride[1]
    return xp[..., top : top + dilation[0] * (kernel[0] - 1) + 1 : dilation[0],
              left : left + dilation[1] * (kernel[1] - 1) + 1 : dilation[1]]


def max_pool2d_forward_naive(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Loop version of :func:`max_pool2d_forward`: one window at a time, ``np.argmax`` inside it.

    Same parameters and result; ``cache`` is ``(xp, argmax, pads, kernel, stride, dilation, unbatched)``.
    ``np.argmax`` returns the first maximum in row-major order, the tie rule.
    """
    x, unbatched = as_batch(x)
    kernel, stride, dilation, _, (out_h, out_w), pads = _pool_geometry(x, kernel_size, stride, padding, dilation,
                                                                       ceil_mode)
    xp = pad_hw(x, pads, value=-np.inf)  # -inf: a padded position is never the maximum
    out = np.empty(x.shape[:2] + (out_h, out_w), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.intp)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = _window(xp[n, c], i, j, kernel, stride, dilation)
                    argmax[n, c, i, j] = np.argmax(window)
                    out[n, c, i, j] = window.flat[argmax[n, c, i, j]]
    return (out[0] if unbatched else out), (xp, argmax, pads, kernel, stride, dilation, unbatched)


def max_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`max_pool2d_backward`: each window hands ``dout`` to its argmax."""
    xp, argmax, pads, kernel, stride, dilation, unbatched = cache
    dout = dout[None] if unbatched else dout
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(*dout.shape):
        p, q = divmod(int(argmax[n, c, i, j]), kernel[1])
        dxp[n, c, i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]] += dout[n, c, i, j]
    dx = unpad_hw(dxp, pads)
    return dx[0] if unbatched else dx


def avg_pool2d_forward_naive(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                             divisor_override=None):
    """Loop version of :func:`avg_pool2d_forward`; ``cache`` is ``(xp, count, pads, kernel, stride, unbatched)``."""
    _check_divisor(divisor_override)
    x, unbatched = as_batch(x)
    kernel, stride, _, declared, (out_h, out_w), pads = _pool_geometry(x, kernel_size, stride, padding,
                                                                       ceil_mode=ceil_mode)
    xp = pad_hw(x, pads)
    real = pad_hw(np.ones(x.shape[2:], dtype=x.dtype), pads)  # 1 on the image, 0 on the padding
    inside = pad_hw(np.ones(x.shape[2:], dtype=x.dtype), declared, value=1.0)  # 1 also on the declared padding
    inside = pad_hw(inside, tuple((0, a - b) for (_, a), (_, b) in zip(pads, declared)))  # 0 past it (ceil_mode)
    out = np.empty(x.shape[:2] + (out_h, out_w), dtype=x.dtype)
    count = np.empty((out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            if divisor_override is not None:
                count[i, j] = divisor_override
            else:
                count[i, j] = _window(inside if count_include_pad else real, i, j, kernel, stride).sum()
            out[:, :, i, j] = _window(xp, i, j, kernel, stride).sum(axis=(-2, -1)) / count[i, j]
    return (out[0] if unbatched else out), (xp, count, pads, kernel, stride, unbatched)


def avg_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`avg_pool2d_backward`: every element of a window gets ``dout / count``."""
    xp, count, pads, kernel, stride, unbatched = cache
    dout = dout[None] if unbatched else dout
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            _window(dxp, i, j, kernel, stride)[...] += (dout[:, :, i, j] / count[i, j])[:, :, None, None]
    dx = unpad_hw(dxp, pads)
    return dx[0] if unbatched else dx


# Adaptive average pooling ------------------------------------------------------------


def adaptive_windows(size, out):
    """PyTorch's adaptive windows along one axis: ``[floor(i size / out), ceil((i + 1) size / out))``.

    Returns a list of ``out`` (start, end) pairs. Neighbouring windows overlap by one
    element where ``out`` does not divide ``size``; all have the same length when it does.
    """
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


def adaptive_average_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages window i of :func:`adaptive_windows`."""
    matrix = np.zeros((out, size), dtype=dtype)
    for i, (start, end) in enumerate(adaptive_windows(size, out)):
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d_forward(x, *, output_size):
    """Average pooling to a fixed output size, whatever the input size (PyTorch's windows).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    output_size : int or (int, int)
        (Ho, Wo), positive. 1 is global average pooling; ``(H, W)`` is the identity.

    Returns
    -------
    out : ndarray, shape (N, C, Ho, Wo)
        ``out[n, c, i, j] = mean(x[n, c, h0(i) : h1(i), w0(j) : w1(j)])`` with
        ``h0(i) = floor(i H / Ho)``, ``h1(i) = ceil((i + 1) H / Ho)`` (the same along W).
        A window is a rectangle, so its mean is separable: ``out = A_H x A_W^T`` with
        ``A_H`` (Ho, H) holding ``1 / (h1 - h0)`` on row i's window
        (:func:`adaptive_average_matrix`).
    cache : tuple
        ``(A_H, A_W)``.
    """
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    out_hw = as_pair(output_size, "output_size")
    rows, cols = (adaptive_average_matrix(n, o, x.dtype) for n, o in zip(x.shape[2:], out_hw))
    return rows @ x @ cols.T, (rows, cols)


def adaptive_avg_pool2d_backward(dout, cache):
    """Gradient of :func:`adaptive_avg_pool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``A_H^T dout A_W``: every element of window (i, j) receives
        ``dout[n, c, i, j] / |window|``; overlapping windows add up.
    """
    rows, cols = cache
    return rows.T @ dout @ cols
