"""2-D convolution (cross-correlation) in NumPy, forward and hand-derived backward.

Layout is PyTorch's: x (N, C, H, W), w (C_out, C / groups, kh, kw), b (C_out,).
Two versions compute the same thing: :func:`conv2d_forward_naive` slides a window
over the image in Python loops (the tutorials' picture), :func:`conv2d_forward`
copies every window once into a column matrix (im2col) and does one matrix product
per group. With ``xp`` the padded input, ``s`` the stride and ``d`` the dilation:

.. math::

    \\mathrm{out}[n, o, i, j] = b[o] + \\sum_{c \\in g(o)} \\sum_{p, q}
        w[o, c, p, q] \\; xp[n, c, i s + p d, j s + q d]

Like PyTorch and TensorFlow this is a cross-correlation: the kernel is not flipped.
"""

import numpy as np

from reference.im2col import as_batch, offset_slices, pad_hw, unpad_hw, window_geometry, window_view


def _conv_geometry(x, w, b, stride, padding, dilation, groups):
    """Check shapes and parameters; return (kernel, stride, dilation, pads, out_hw)."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W) and w (C_out, C/groups, kh, kw); got x {x.shape}, w {w.shape}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    channels, out_channels = x.shape[1], w.shape[0]
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide the input channels ({channels}) and the output channels ({out_channels})"
        )
    if w.shape[1] * groups != channels:
        raise ValueError(f"w has {w.shape[1]} input channels per group; x has {channels} channels in {groups} groups")
    if b.shape != (out_channels,):
        raise ValueError(f"b must have shape ({out_channels},), got {b.shape}")
    return window_geometry(x.shape[2:], w.shape[2:], stride, padding, dilation)


def conv2d_forward(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Vectorised 2-D convolution: im2col, then one matrix product per group.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W) or unbatched (C, H, W)
        Unbatched as ``F.conv2d`` takes it: a batch of one, and an unbatched result.
    w : ndarray, shape (C_out, C / groups, kh, kw)
    b : ndarray, shape (C_out,)
    stride, dilation : int or (int, int)
        Positive.
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        "same" is TensorFlow's rule: extra padding at the bottom/right.
    groups : int
        Divides C and C_out; ``groups == C`` is a depthwise convolution.

    Returns
    -------
    out : ndarray, shape (N, C_out, Ho, Wo) (or (C_out, Ho, Wo))
        ``Ho = (H + top + bottom - d (kh - 1) - 1) // s + 1``; math in the module docstring.
    cache : tuple
        The column matrix ``cols`` of shape (groups, C/groups * kh * kw, N * Ho * Wo),
        the only large buffer kept.

    Notes
    -----
    ``cols[g, (c, p, q), (n, i, j)] = xp[n, g C_g + c, i s + p d, j s + q d]``, so per
    group ``out_g = w_g @ cols_g`` with ``w_g`` of shape (C_out/groups, C_g kh kw).
    The columns are ordered (c, p, q) by (n, i, j) so that the copy reads runs of
    ``Wo`` neighbouring pixels.
    """
    x, unbatched = as_batch(x)
    kernel, stride, dilation, pads, out_hw = _conv_geometry(x, w, b, stride, padding, dilation, groups)
    n, channels = x.shape[:2]
    out_channels = w.shape[0]
    xp = pad_hw(x.transpose(1, 0, 2, 3), pads)  # (C, N, Hp, Wp): channels lead, like the rows of cols
    windows = window_view(xp, kernel, stride, dilation, out_hw, offset_first=True)  # (C, N, kh, kw, Ho, Wo)
    cols = np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(groups, -1, n * out_hw[0] * out_hw[1])
    out = np.matmul(w.reshape(groups, out_channels // groups, -1), cols).reshape(out_channels, -1)
    out += b[:, None]
    out = np.ascontiguousarray(out.reshape(out_channels, n, *out_hw).transpose(1, 0, 2, 3))
    return (out[0] if unbatched else out), (cols, w, x.shape, kernel, stride, dilation, pads, groups, unbatched)


def conv2d_backward(dout, cache):
    """Gradients of :func:`conv2d_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, C_out, Ho, Wo) (or (C_out, Ho, Wo))

    Returns
    -------
    dx : ndarray, shape (N, C, H, W) (or (C, H, W))
        ``dxp[n, c, i s + p d, j s + q d] += sum_o w[o, c, p, q] dout[n, o, i, j]``
        (a transposed convolution), then the padding is cropped. Accumulated one
        kernel offset (p, q) at a time, so no second column-sized buffer is made.
    dw : ndarray, shape (C_out, C / groups, kh, kw)
        ``dw_g = dout_g @ cols_g^T`` (per group).
    db : ndarray, shape (C_out,)
        ``dout`` summed over n, i, j.
    """
    cols, w, x_shape, kernel, stride, dilation, pads, groups, unbatched = cache
    dout = dout[None] if unbatched else dout
    n, channels, height, width = x_shape
    out_channels, group_channels = w.shape[:2]
    out_hw = dout.shape[2:]
    db = dout.sum(axis=(0, 2, 3))
    dout_g = dout.transpose(1, 0, 2, 3).reshape(groups, out_channels // groups, -1)  # (G, C_out/G, N Ho Wo)
    # (cols @ dout_g^T)^T: BLAS runs this orientation of the long N*Ho*Wo sum faster than dout_g @ cols^T
    dw = np.matmul(cols, dout_g.transpose(0, 2, 1)).transpose(0, 2, 1).reshape(w.shape)
    padded_hw = (height + sum(pads[0]), width + sum(pads[1]))
    dxp = np.zeros((channels, n, *padded_hw), dtype=dout.dtype)  # (C, N, Hp, Wp) like cols
    w_g = w.reshape(groups, out_channels // groups, group_channels, *kernel)
    part = np.empty((groups, group_channels, dout_g.shape[2]), dtype=dout.dtype)  # reused by every offset
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            np.matmul(w_g[:, :, :, p, q].transpose(0, 2, 1), dout_g, out=part)  # (G, C_g, N Ho Wo)
            rows, columns = offset_slices(p, q, stride, dilation, out_hw)
            dxp[:, :, rows, columns] += part.reshape(channels, n, *out_hw)
    dx = np.ascontiguousarray(unpad_hw(dxp, pads).transpose(1, 0, 2, 3))
    return (dx[0] if unbatched else dx), dw, db


def conv2d_matmuls(x, w, b, **params):
    """The matrix products of :func:`conv2d_forward` and :func:`conv2d_backward`, alone.

    Returns a callable that repeats only those products (forward, ``dw``, and one per
    kernel offset for ``dx``) on operands of the same shapes: the time no copying
    strategy can go under with this BLAS. ``rosetta bench`` reports it beside the
    full NumPy time.
    """
    out, (cols, *_) = conv2d_forward(x, w, b, **params)
    groups = params.get("groups", 1)
    out_channels, group_channels, kh, kw = w.shape
    w_g = w.reshape(groups, out_channels // groups, group_channels, kh, kw)
    dout_g = np.ones((groups, out_channels // groups, cols.shape[2]), dtype=out.dtype)
    part = np.empty((groups, group_channels, cols.shape[2]), dtype=out.dtype)

    def run():
        np.matmul(w.reshape(groups, out_channels // groups, -1), cols)
        np.matmul(cols, dout_g.transpose(0, 2, 1))
        for p in range(kh):
            for q in range(kw):
                np.matmul(w_g[:, :, :, p, q].transpose(0, 2, 1), dout_g, out=part)

    return run


def conv2d_forward_naive(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    """Loop version of :func:`conv2d_forward`: slide the window, one dot product per position.

    Same parameters, shapes and result; ``cache`` is ``(xp, w, params)``. Four Python
    loops (image, group, row, column) make it thousands of times slower than the
    vectorised version on real sizes.
    """
    x, unbatched = as_batch(x)
    kernel, stride, dilation, pads, (out_h, out_w) = _conv_geometry(x, w, b, stride, padding, dilation, groups)
    xp = pad_hw(x, pads)
    out_per_group, in_per_group = w.shape[0] // groups, w.shape[1]
    out = np.zeros((x.shape[0], w.shape[0], out_h, out_w), dtype=x.dtype)
    for n in range(x.shape[0]):
        for g in range(groups):
            filters = w[g * out_per_group : (g + 1) * out_per_group]  # (C_out/G, C_g, kh, kw)
            image = xp[n, g * in_per_group : (g + 1) * in_per_group]  # (C_g, Hp, Wp)
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride[0], j * stride[1]
                    window = image[
                        :,
                        top : top + dilation[0] * (kernel[0] - 1) + 1 : dilation[0],
                        left : left + dilation[1] * (kernel[1] - 1) + 1 : dilation[1],
                    ]
                    out[n, g * out_per_group : (g + 1) * out_per_group, i, j] = np.tensordot(filters, window, axes=3)
    out += b[None, :, None, None]
    return (out[0] if unbatched else out), (xp, w, kernel, stride, dilation, pads, groups, unbatched)


def conv2d_backward_naive(dout, cache):
    """Loop version of :func:`conv2d_backward`: each window hands its share back.

    For every output position, ``dw_g += dout[n, g, i, j] (outer) window`` and
    ``dwindow += sum_o dout[n, o, i, j] w[o]``; ``db`` sums ``dout``.
    """
    xp, w, kernel, stride, dilation, pads, groups, unbatched = cache
    dout = dout[None] if unbatched else dout
    out_per_group, in_per_group = w.shape[0] // groups, w.shape[1]
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(dout.shape[0]):
        for g in range(groups):
            outs = slice(g * out_per_group, (g + 1) * out_per_group)
            ins = slice(g * in_per_group, (g + 1) * in_per_group)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    top, left = i * stride[0], j * stride[1]
                    rows = slice(top, top + dilation[0] * (kernel[0] - 1) + 1, dilation[0])
                    cols = slice(left, left + dilation[1] * (kernel[1] - 1) + 1, dilation[1])
                    upstream = dout[n, outs, i, j]  # (C_out/G,)
                    dw[outs] += np.multiply.outer(upstream, xp[n, ins, rows, cols])
                    dxp[n, ins, rows, cols] += np.tensordot(upstream, w[outs], axes=1)
    dx = unpad_hw(dxp, pads)
    return (dx[0] if unbatched else dx), dw, dout.sum(axis=(0, 2, 3))
