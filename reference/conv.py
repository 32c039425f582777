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

from reference.im2col import (
    as_batch, as_pair, offset_slices, pad_hw, resolve_padding, unpad_hw, window_geometry, window_view,
)


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


def _channels_last_padded(x, pads):
    """``x`` (N, C, H, W) as zero-padded (N, Hp, Wp, C): one copy."""
    (top, bottom), (left, right) = pads
    n, channels, height, width = x.shape
    xp = np.zeros((n, height + top + bottom, width + left + right, channels), dtype=x.dtype)
    xp[:, top : top + height, left : left + width] = x.transpose(0, 2, 3, 1)
    return xp


def _columns(xp, kernel, stride, dilation, out_hw, groups):
    """im2col of a channels-last padded input: (N Ho Wo, G, kh kw C_g), one copy.

    ``cols[(n, i, j), g, (p, q, c)] = xp[n, i s + p d, j s + q d, g C_g + c]``: every
    window is a run of ``kw C_g`` neighbouring numbers per kernel row.
    """
    n, _, _, channels = xp.shape
    batch, row, column, channel = xp.strides
    group_channels = channels // groups
    windows = np.lib.stride_tricks.as_strided(
        xp,
        (n, *out_hw, groups, *kernel, group_channels),
        (batch, row * stride[0], column * stride[1], channel * group_channels,
         row * dilation[0], column * dilation[1], channel),
        writeable=False,
    )
    return np.ascontiguousarray(windows).reshape(n * out_hw[0] * out_hw[1], groups, -1)


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
        The column matrix ``cols`` of shape (N * Ho * Wo, groups, kh * kw * C/groups),
        the only large buffer kept, and the weight in the same (p, q, c) order.

    Notes
    -----
    The columns are built channels last: ``cols[(n, i, j), g, (p, q, c)] =
    xp[n, g C_g + c, i s + p d, j s + q d]``, so per group ``out_g = cols_g @ w_g``
    with ``w_g[(p, q, c), o] = w[g C_out/G + o, c, p, q]``. In this layout the copy
    reads runs of ``kw C_g`` numbers and BLAS runs the products faster than on the
    channels-first columns (docs/decisions.md has the figures).
    """
    x, unbatched = as_batch(x)
    kernel, stride, dilation, pads, out_hw = _conv_geometry(x, w, b, stride, padding, dilation, groups)
    n, out_channels = x.shape[0], w.shape[0]
    cols = _columns(_channels_last_padded(x, pads), kernel, stride, dilation, out_hw, groups)
    w_cols = w.reshape(groups, out_channels // groups, *w.shape[1:]).transpose(0, 3, 4, 2, 1)  # (G, kh, kw, C_g, C_out/G)
    w_cols = np.ascontiguousarray(w_cols).reshape(groups, -1, out_channels // groups)
    out_last = np.matmul(cols.transpose(1, 0, 2), w_cols)  # (G, N Ho Wo, C_out/G)
    out_last = out_last.reshape(groups, n, *out_hw, -1).transpose(1, 0, 4, 2, 3).reshape(n, out_channels, *out_hw)
    out = np.add(out_last, b[:, None, None], out=np.empty((n, out_channels, *out_hw), dtype=out_last.dtype))
    return (out[0] if unbatched else out), (cols, w_cols, w.shape, x.shape, kernel, stride, dilation, pads, unbatched)


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
        kernel offset (p, q) at a time into a channels-last buffer, so each addition
        runs over whole rows and no second column-sized buffer is made.
    dw : ndarray, shape (C_out, C / groups, kh, kw)
        ``dw_g = cols_g^T @ dout_g`` (per group), back in the (o, c, p, q) order.
    db : ndarray, shape (C_out,)
        ``dout`` summed over n, i, j.
    """
    cols, w_cols, w_shape, x_shape, kernel, stride, dilation, pads, unbatched = cache
    dout = dout[None] if unbatched else dout
    n, channels, height, width = x_shape
    groups, out_hw = cols.shape[1], dout.shape[2:]
    group_channels = channels // groups
    dout_last = np.ascontiguousarray(dout.transpose(0, 2, 3, 1)).reshape(cols.shape[0], groups, -1)
    dout_g = dout_last.transpose(1, 0, 2)  # (G, N Ho Wo, C_out/G)
    db = dout.sum(axis=(0, 2, 3))
    dw = np.matmul(cols.transpose(1, 2, 0), dout_g)  # (G, kh kw C_g, C_out/G)
    dw = dw.reshape(groups, *kernel, group_channels, -1).transpose(0, 4, 3, 1, 2).reshape(w_shape)
    (top, bottom), (left, right) = pads
    dxp = np.zeros((n, height + top + bottom, width + left + right, groups, group_channels), dtype=dout.dtype)
    w_offsets = w_cols.reshape(groups, *kernel, group_channels, -1)  # (G, kh, kw, C_g, C_out/G)
    part = np.empty((groups, cols.shape[0], group_channels), dtype=dout.dtype)  # reused by every offset
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            np.matmul(dout_g, w_offsets[:, p, q].transpose(0, 2, 1), out=part)  # (G, N Ho Wo, C_g)
            rows, columns = offset_slices(p, q, stride, dilation, out_hw)
            dxp[:, rows, columns] += part.reshape(groups, n, *out_hw, group_channels).transpose(1, 2, 3, 0, 4)
    dx = dxp.reshape(n, *dxp.shape[1:3], channels)[:, top : top + height, left : left + width]
    dx = np.ascontiguousarray(dx.transpose(0, 3, 1, 2))
    return (dx[0] if unbatched else dx), dw, db


def conv2d_matmuls(x, w, b, **params):
    """The matrix products of :func:`conv2d_forward` and :func:`conv2d_backward`, alone.

    Returns a callable that repeats only those products (forward, ``dw``, and one per
    kernel offset for ``dx``) on operands of the same shapes: the time no copying
    strategy can go under with this BLAS. ``rosetta bench`` reports it beside the
    full NumPy time.
    """
    _, (cols, w_cols, _, _, kernel, *_) = conv2d_forward(x, w, b, **params)
    groups, out_per_group = w_cols.shape[0], w_cols.shape[2]
    group_channels = w_cols.shape[1] // (kernel[0] * kernel[1])
    dout_g = np.ones((groups, cols.shape[0], out_per_group), dtype=cols.dtype)
    w_offset = np.ones((groups, out_per_group, group_channels), dtype=cols.dtype)
    part = np.empty((groups, cols.shape[0], group_channels), dtype=cols.dtype)

    def run():
        np.matmul(cols.transpose(1, 0, 2), w_cols)
        np.matmul(cols.transpose(1, 2, 0), dout_g)
        for _ in range(kernel[0] * kernel[1]):
            np.matmul(dout_g, w_offset, out=part)

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


# Transposed convolution ---------------------------------------------------------------


def _transpose_geometry(x, w, b, stride, padding, output_padding, dilation, groups):
    """Check shapes and parameters of a transposed convolution.

    Returns (kernel, stride, dilation, crop, out_hw): ``crop`` is the (top, left) offset
    of the output inside the full (uncropped) result, ``out_hw`` the output size.
    """
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C_in, H, W) and w (C_in, C_out/groups, kh, kw); got x {x.shape}, w {w.shape}")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    channels = x.shape[1]
    if channels % groups:
        raise ValueError(f"groups={groups} must divide the input channels ({channels})")
    if w.shape[0] != channels:
        raise ValueError(f"w must have {channels} input channels (its first axis), got w {w.shape}")
    out_channels = w.shape[1] * groups
    if b.shape != (out_channels,):
        raise ValueError(f"b must have shape ({out_channels},), got {b.shape}")
    kernel = tuple(int(k) for k in w.shape[2:])
    stride, dilation = as_pair(stride, "stride"), as_pair(dilation, "dilation")
    extra = (output_padding, output_padding) if np.isscalar(output_padding) else tuple(output_padding)
    if len(extra) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in extra):
        raise ValueError(f"output_padding must be a non-negative int or pair, got {output_padding!r}")
    for e, s, d in zip(extra, stride, dilation):
        if e >= s and e >= d:  # torch's rule: any more would only add rows no input reaches
            raise ValueError(f"output_padding {e} must be smaller than the stride ({s}) or the dilation ({d})")
    full_hw = [(n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip(x.shape[2:], stride, dilation, kernel)]
    if isinstance(padding, str) and padding.lower() == "same":
        if any(extra):
            raise ValueError(f"output_padding must be 0 with padding='same' (the output is H * stride), got {output_padding!r}")
        # The adjoint of conv2d 'same' on an input of H * s: TensorFlow's numbers, the odd pixel cropped at the end
        out_hw = tuple(n * s for n, s in zip(x.shape[2:], stride))
        pads = resolve_padding("same", out_hw, kernel, stride, dilation)
    else:
        pads = resolve_padding(padding, x.shape[2:], kernel, stride, dilation)
        out_hw = tuple(f - before - after + e for f, (before, after), e in zip(full_hw, pads, extra))
    if min(out_hw) <= 0:
        raise ValueError(f"padding {padding!r} crops the whole output (full size {tuple(full_hw)})")
    crop = tuple(before for before, _ in pads)
    return kernel, stride, dilation, crop, out_hw


def conv_transpose2d_forward(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    """2-D transposed convolution ("deconvolution"): the adjoint of :func:`conv2d_forward` in x.

    Every input pixel scatters a copy of the kernel, scaled by its value, into the output,
    ``stride`` pixels apart; ``padding`` crops the result and ``output_padding`` adds rows
    and columns at the bottom and right. It is conv2d's gradient with respect to its input
    (the backward-data pass), which is how up-sampling layers are built.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    w : ndarray, shape (C_in, C_out / groups, kh, kw)
        PyTorch's layout for transposed convolutions: input channels first.
    b : ndarray, shape (C_out,)
    stride, dilation : int or (int, int)
    padding : int, (int, int), ((top, bottom), (left, right)), "valid" or "same"
        The padding of the conv2d this is the adjoint of: cropped from the full result.
        "same" makes the output ``(H s, W s)`` and crops TensorFlow's numbers (the odd
        pixel at the bottom/right), as Keras ``Conv2DTranspose(padding='same')``.
    output_padding : int or (int, int)
        Extra rows / columns at the bottom / right, smaller than the stride or the dilation
        (picks one of the input sizes a strided conv2d maps to the same output size).
    groups : int
        Divides C_in; input channels of group g feed output channels of group g only.

    Returns
    -------
    out : ndarray, shape (N, C_out, Ho, Wo)
        ``Ho = (H - 1) s - top - bottom + d (kh - 1) + 1 + output_padding``. With ``full``
        the uncropped result,
        ``full[n, o, i s + p d, j s + q d] += sum_{c in g(o)} x[n, c, i, j] w[c, o mod C_out/G, p, q]``
        and ``out[n, o, i, j] = b[o] + full[n, o, top + i, left + j]`` (zero beyond ``full``).
    cache : tuple
        x and the geometry.

    Notes
    -----
    ``<conv2d(z, w), x> = <z, conv_transpose2d(x, w)>`` for every z of the output's shape
    (without biases): the same weight read in both directions.
    """
    kernel, stride, dilation, crop, out_hw = _transpose_geometry(
        x, w, b, stride, padding, output_padding, dilation, groups
    )
    n, channels, height, width = x.shape
    out_channels = w.shape[1] * groups
    # a buffer holding the full result and any output_padding rows beyond it, from the top-left crop on
    buffer_hw = [max(c + o, (size - 1) * s + d * (k - 1) + 1)
                 for c, o, size, s, d, k in zip(crop, out_hw, (height, width), stride, dilation, kernel)]
    full = np.zeros((out_channels, n, *buffer_hw), dtype=x.dtype)  # (C_out, N, ...): channels lead, like cols
    x_g = x.transpose(1, 0, 2, 3).reshape(groups, channels // groups, -1)  # (G, C_in/G, N H W)
    w_g = w.reshape(groups, channels // groups, out_channels // groups, *kernel)
    part = np.empty((groups, out_channels // groups, x_g.shape[2]), dtype=x.dtype)  # reused by every offset
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            np.matmul(w_g[:, :, :, p, q].transpose(0, 2, 1), x_g, out=part)  # (G, C_out/G, N H W)
            rows, columns = offset_slices(p, q, stride, dilation, (height, width))
            full[:, :, rows, columns] += part.reshape(out_channels, n, height, width)
    out = full[:, :, crop[0] : crop[0] + out_hw[0], crop[1] : crop[1] + out_hw[1]] + b[:, None, None, None]
    out = np.ascontiguousarray(out.transpose(1, 0, 2, 3))
    return out, (x, w, kernel, stride, dilation, crop, buffer_hw, groups)


def conv_transpose2d_backward(dout, cache):
    """Gradients of :func:`conv_transpose2d_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, C_out, Ho, Wo)

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
        ``dx[n, c, i, j] = sum_{o, p, q} w[c, o, p, q] dfull[n, o, i s + p d, j s + q d]``:
        a (strided, dilated) conv2d of ``dfull`` with w read as an OIHW kernel, where
        ``dfull`` is dout placed back at the crop offset, zero where the output was cropped.
    dw : ndarray, shape (C_in, C_out / groups, kh, kw)
        ``dw[c, o, p, q] = sum_{n, i, j} x[n, c, i, j] dfull[n, o, i s + p d, j s + q d]``, per group.
    db : ndarray, shape (C_out,)
        ``dout`` summed over n, i, j.
    """
    x, w, kernel, stride, dilation, crop, buffer_hw, groups = cache
    n, channels, height, width = x.shape
    out_channels = dout.shape[1]
    dfull = np.zeros((out_channels, n, *buffer_hw), dtype=dout.dtype)  # (C_out, N, ...)
    dfull[:, :, crop[0] : crop[0] + dout.shape[2], crop[1] : crop[1] + dout.shape[3]] = dout.transpose(1, 0, 2, 3)
    windows = window_view(dfull, kernel, stride, dilation, (height, width), offset_first=True)  # (C_out, N, kh, kw, H, W)
    cols = np.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(groups, -1, n * height * width)
    w_g = w.reshape(groups, channels // groups, -1)  # (G, C_in/G, C_out/G kh kw): the columns' (o, p, q) order
    dx = np.matmul(w_g, cols).reshape(channels, n, height, width).transpose(1, 0, 2, 3)
    x_g = x.transpose(1, 0, 2, 3).reshape(groups, channels // groups, -1)  # (G, C_in/G, N H W)
    dw = np.matmul(x_g, cols.transpose(0, 2, 1)).reshape(w.shape)
    return np.ascontiguousarray(dx), dw, dout.sum(axis=(0, 2, 3))
