"""2-D max and average pooling in NumPy, forward and hand-derived backward (NCHW).

Both loop over the kernel offsets (p, q) only, never over pixels: offset (p, q) of
every window at once is the strided slice ``xp[:, :, p::s, q::s]`` of the padded
input (see :func:`reference.im2col.offset_slices`), so a 2x2 pool is four
whole-array operations. The ``*_naive`` versions loop over the windows themselves, the
tutorials' picture, and give the same results.
"""

import numpy as np

from reference.im2col import as_pair, offset_slices, pad_hw, unpad_hw, window_geometry


def _pool_geometry(x, kernel_size, stride, padding):
    """Check x and the parameters; ``stride=None`` means the kernel size."""
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    return window_geometry(x.shape[2:], kernel_size, kernel_size if stride is None else stride, padding)


def _offsets(kernel):
    """Kernel offsets (p, q) in row-major order, the order ties are broken in."""
    return [(p, q) for p in range(kernel[0]) for q in range(kernel[1])]


def max_pool2d_forward(x, *, kernel_size, stride=None, padding=0):
    """Maximum over each window.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride : int or (int, int)
        ``stride`` defaults to ``kernel_size`` (non-overlapping windows).
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        Padded positions hold -inf, so they never win.

    Returns
    -------
    out : ndarray, shape (N, C, Ho, Wo)
        ``out[n, c, i, j] = max_{p, q} xp[n, c, i s + p, j s + q]``
    cache : tuple
        ``argmax`` (N, C, Ho, Wo): the row-major index ``p * kw + q`` of the first
        maximum of each window, and the geometry.
    """
    kernel, stride, dilation, pads, out_hw = _pool_geometry(x, kernel_size, stride, padding)
    xp = pad_hw(x, pads, value=-np.inf)  # -inf: a padded position is never the maximum
    # Separable: a window's maximum is the largest of its rows' maxima, and its first maximum in
    # row-major order is the first maximum of the first row holding that value. So reduce each
    # window's kw columns on every padded row first, then kh of those row results: kh + kw - 2
    # whole-array comparisons instead of kh * kw - 1.
    rows, columns = offset_slices(0, 0, stride, dilation, out_hw)
    row_max, column = _first_max([xp[..., _shifted(columns, q)] for q in range(kernel[1])])  # (N, C, Hp, Wo)
    out, row = _first_max([row_max[..., _shifted(rows, p), :] for p in range(kernel[0])])  # (N, C, Ho, Wo)
    index_type = np.min_scalar_type(kernel[0] * kernel[1] - 1)
    argmax = row.astype(index_type) * index_type.type(kernel[1])  # p * kw + q, q read on the winning row p
    for p in range(kernel[0]):
        argmax += (row == p) * column[..., _shifted(rows, p), :].astype(index_type, copy=False)
    return out, (argmax, x.shape, kernel, stride, pads)


def _shifted(index, offset):
    """``index`` (a strided slice) moved ``offset`` elements on."""
    return slice(index.start + offset, index.stop + offset, index.step)


def _first_max(candidates):
    """Elementwise maximum of equally shaped arrays, and the index of the first one holding it.

    Ties keep the earlier index (only a strictly greater candidate takes over); a NaN
    propagates to the maximum, as ``np.maximum`` does, without taking the index.
    """
    index_type = np.min_scalar_type(len(candidates) - 1)
    best, index = candidates[0], np.zeros(candidates[0].shape, dtype=index_type)
    for k, candidate in enumerate(candidates[1:], start=1):
        # k exceeds every earlier index, so "k where the candidate wins" is a maximum (np.where
        # on small integer types is many times slower than this arithmetic)
        index = np.maximum(index, (candidate > best) * index_type.type(k))
        best = np.maximum(best, candidate)
    return best, index


def max_pool2d_backward(dout, cache):
    """Gradient of :func:`max_pool2d_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, C, Ho, Wo)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Each ``dout[n, c, i, j]`` goes whole to the first maximum of its window in
        row-major order (PyTorch's and TensorFlow's rule for ties); overlapping
        windows add up.
    """
    argmax, x_shape, kernel, stride, pads = cache
    padded_hw = (x_shape[2] + sum(pads[0]), x_shape[3] + sum(pads[1]))
    # Windows that tile the padded input (stride = kernel, no remainder) cover every element
    # exactly once: each offset's share is written, with no zero fill and no read-modify-write.
    tiles = stride == kernel and all(size == k * o for size, k, o in zip(padded_hw, kernel, dout.shape[2:]))
    dxp = (np.empty if tiles else np.zeros)(x_shape[:2] + padded_hw, dtype=dout.dtype)
    # mask * dout is several times faster than np.where, and exact unless dout holds an inf or a
    # NaN (inf * 0 is NaN where the gradient must be 0): those take np.where
    finite = np.isfinite(dout).all()
    for k, (p, q) in enumerate(_offsets(kernel)):
        index = (..., *offset_slices(p, q, stride, (1, 1), dout.shape[2:]))
        share = (argmax == k) * dout if finite else np.where(argmax == k, dout, 0)
        if tiles:
            dxp[index] = share
        else:
            dxp[index] += share
    return unpad_hw(dxp, pads)


def avg_pool2d_forward(x, *, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean over each window.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size, stride, padding
        As for :func:`max_pool2d_forward`; padded positions hold 0.
    count_include_pad : bool
        True (PyTorch's default): divide by ``kh * kw``. False (TensorFlow's 'SAME'):
        divide by the number of real (unpadded) elements in the window.

    Returns
    -------
    out : ndarray, shape (N, C, Ho, Wo)
        ``out[n, c, i, j] = sum_{p, q} xp[n, c, i s + p, j s + q] / count[i, j]``
    cache : tuple
        ``count`` (Ho, Wo) and the geometry.
    """
    kernel, stride, dilation, pads, out_hw = _pool_geometry(x, kernel_size, stride, padding)
    xp = pad_hw(x, pads)
    real = pad_hw(np.ones(x.shape[2:], dtype=x.dtype), pads)  # 1 on the image, 0 on the padding
    total = np.zeros(x.shape[:2] + out_hw, dtype=x.dtype)
    count = np.zeros(out_hw, dtype=x.dtype)
    for p, q in _offsets(kernel):
        index = offset_slices(p, q, stride, dilation, out_hw)
        total += xp[(..., *index)]
        count += real[index]
    if count_include_pad:
        count[...] = kernel[0] * kernel[1]
    return total / count, (count, x.shape, kernel, stride, pads)


def avg_pool2d_backward(dout, cache):
    """Gradient of :func:`avg_pool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Every element of window (i, j) receives ``dout[n, c, i, j] / count[i, j]``;
        overlapping windows add up; the padding's share is dropped.
    """
    count, x_shape, kernel, stride, pads = cache
    share = dout / count
    dxp = np.zeros(x_shape[:2] + (x_shape[2] + sum(pads[0]), x_shape[3] + sum(pads[1])), dtype=dout.dtype)
    for p, q in _offsets(kernel):
        dxp[(..., *offset_slices(p, q, stride, (1, 1), dout.shape[2:]))] += share
    return unpad_hw(dxp, pads)


def _window(xp, i, j, kernel, stride):
    """The (..., kh, kw) window of output position (i, j) in a padded input."""
    top, left = i * stride[0], j * stride[1]
    return xp[..., top : top + kernel[0], left : left + kernel[1]]


def max_pool2d_forward_naive(x, *, kernel_size, stride=None, padding=0):
    """Loop version of :func:`max_pool2d_forward`: one window at a time, ``np.argmax`` inside it.

    Same parameters and result; ``cache`` is ``(xp, argmax, pads, kernel, stride)``.
    ``np.argmax`` returns the first maximum in row-major order, the tie rule.
    """
    kernel, stride, _, pads, (out_h, out_w) = _pool_geometry(x, kernel_size, stride, padding)
    xp = pad_hw(x, pads, value=-np.inf)  # -inf: a padded position is never the maximum
    out = np.empty(x.shape[:2] + (out_h, out_w), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.intp)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(out_h):
                for j in range(out_w):
                    window = _window(xp[n, c], i, j, kernel, stride)
                    argmax[n, c, i, j] = np.argmax(window)
                    out[n, c, i, j] = window.flat[argmax[n, c, i, j]]
    return out, (xp, argmax, pads, kernel, stride)


def max_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`max_pool2d_backward`: each window hands ``dout`` to its argmax."""
    xp, argmax, pads, kernel, stride = cache
    dxp = np.zeros_like(xp)
    for n, c, i, j in np.ndindex(*dout.shape):
        p, q = divmod(int(argmax[n, c, i, j]), kernel[1])
        dxp[n, c, i * stride[0] + p, j * stride[1] + q] += dout[n, c, i, j]
    return unpad_hw(dxp, pads)


def avg_pool2d_forward_naive(x, *, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Loop version of :func:`avg_pool2d_forward`; ``cache`` is ``(xp, count, pads, kernel, stride)``."""
    kernel, stride, _, pads, (out_h, out_w) = _pool_geometry(x, kernel_size, stride, padding)
    xp = pad_hw(x, pads)
    real = pad_hw(np.ones(x.shape[2:], dtype=x.dtype), pads)  # 1 on the image, 0 on the padding
    out = np.empty(x.shape[:2] + (out_h, out_w), dtype=x.dtype)
    count = np.empty((out_h, out_w), dtype=x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            count[i, j] = kernel[0] * kernel[1] if count_include_pad else _window(real, i, j, kernel, stride).sum()
            out[:, :, i, j] = _window(xp, i, j, kernel, stride).sum(axis=(-2, -1)) / count[i, j]
    return out, (xp, count, pads, kernel, stride)


def avg_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`avg_pool2d_backward`: every element of a window gets ``dout / count``."""
    xp, count, pads, kernel, stride = cache
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            _window(dxp, i, j, kernel, stride)[...] += (dout[:, :, i, j] / count[i, j])[:, :, None, None]
    return unpad_hw(dxp, pads)


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
