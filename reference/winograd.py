"""Winograd's minimal filtering F(2x2, 3x3): a 3x3, stride-1 convolution with 2.25 times fewer products.

Each 2x2 block of outputs (tile ``(t, u)``) is computed from the 4x4 input tile ``d`` under it,
``d[a, b] = xp[2 t + a, 2 u + b]`` (neighbouring tiles overlap by two rows / columns), as

.. math::

    Y = A^T \\Big[ \\sum_c (G\\, g_{o,c}\\, G^T) \\odot (B^T d_c\\, B) \\Big] A

    B^T = \\begin{bmatrix} 1 & 0 & -1 & 0 \\\\ 0 & 1 & 1 & 0 \\\\ 0 & -1 & 1 & 0 \\\\ 0 & 1 & 0 & -1 \\end{bmatrix},\\;
    G = \\begin{bmatrix} 1 & 0 & 0 \\\\ 1/2 & 1/2 & 1/2 \\\\ 1/2 & -1/2 & 1/2 \\\\ 0 & 0 & 1 \\end{bmatrix},\\;
    A^T = \\begin{bmatrix} 1 & 1 & 1 & 0 \\\\ 0 & 1 & -1 & -1 \\end{bmatrix}

(Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). With
``U[a, b] = (G g G^T)[a, b]`` of shape (C_out, C) and ``V[a, b] = (B^T d B)[a, b]`` of shape
(C, tiles), the sum over channels is, for each of the 16 tile positions ``(a, b)``, one matrix
product ``M[a, b] = U[a, b] @ V[a, b]``: 16 products per tile and channel pair for 4 outputs,
where the direct method (im2col) spends 4 * 9 = 36. The entries of B, G and A are 0, +-1 and
+-1/2, exact in binary; float32 results differ from the direct sum by a few more roundings
(tests/test_winograd.py bounds them).

Backward: ``dx`` is the exact adjoint of the same steps, ``dM = A dY A^T``,
``dV[a, b] = U[a, b]^T @ dM[a, b]``, then ``B dV B^T`` added back into the overlapping tiles.
``dw`` is the direct sum (:func:`weight_gradient`), not ``G^T (sum dM V^T) G``: that one
carries the rounding error of the largest entries of ``dU`` into every entry of dw, and on
small entries float32 then strays from the direct sum by more than the float32 tolerance.

How it runs fast in NumPy:

- Image axes first, (rows, columns, N, C): every strided view has N * C contiguous numbers
  innermost, long runs for NumPy's loops, and each ``V[a, b]`` is a (tiles * N, C) matrix.
  Going there from (N, C, H, W) and back takes two copies through (N, H, C, W), with short
  strides (see :func:`to_image_axes_first`); the copies are split over threads
  (:mod:`reference.parallel`).
- The transforms are BLAS products, not Python passes: along one axis, tile ``t`` is the
  (4, rest) matrix of rows ``2 t .. 2 t + 3`` (a strided view, no copy), multiplied by ``B^T``
  in one batched ``np.matmul``; the output transform of all tiles is one (4, 16) @ (16, ...)
  product with ``A^T kron A^T``.
- Intermediate buffers are reused between calls (:mod:`reference.scratch`).
"""

from typing import NamedTuple

import numpy as np

from reference.parallel import run_split
from reference.scratch import scratch

G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
"""The kernel transform: ``U = G g G^T`` (4x4 from 3x3)."""

B_T = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
"""The input transform: ``V = B^T d B`` (4x4 from a 4x4 tile)."""

A_T = np.array([[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]])
"""The output transform: ``Y = A^T M A`` (2x2 from 4x4)."""


class Cache(NamedTuple):
    """What :func:`backward` needs: the padded input, the transformed kernel, and the geometry."""

    xp: np.ndarray  # (rows, columns, N, C): the padded input, image axes first
    u: np.ndarray  # (16, C_out, C): G g G^T
    x_shape: tuple
    pads: tuple
    out_hw: tuple
    unbatched: bool = False  # conv2d was given one (C, H, W) image (the caller's business, kept here)


def applies(kernel, stride, dilation, groups):
    """Whether F(2x2, 3x3) computes this convolution: a 3x3 kernel, stride 1, no dilation, one group."""
    return tuple(kernel) == (3, 3) and tuple(stride) == (1, 1) and tuple(dilation) == (1, 1) and groups == 1


def _flatten_after(a, axis):
    """View ``a`` as ``(*a.shape[:axis], a.shape[axis], rest)``: the axes after ``axis`` merged (contiguous)."""
    return a.reshape(*a.shape[: axis + 1], -1)


def input_transform_1d(d, axis, count, out):
    """``out[k] = (B^T d)[k]`` for the ``count`` tiles along ``axis`` (4 rows each, 2 apart).

    ``out`` has a new leading axis of 4 and ``count`` in place of ``axis`` (shifted by one).
    One batched product: tile ``t`` is the (4, rest) matrix of rows ``2 t .. 2 t + 3`` of ``d``,
    a strided view, multiplied by B^T (4, 4) into ``out``'s (k, rest) matrix of that tile.
    """
    flat = _flatten_after(d, axis)  # (..., rows, rest)
    windows = np.lib.stride_tricks.sliding_window_view(flat, 4, axis=-2)[..., : 2 * count : 2, :, :]
    target = np.moveaxis(_flatten_after(out, axis + 1), 0, -2)  # (..., count, 4, rest), a view of out
    np.matmul(B_T.astype(d.dtype), windows.swapaxes(-1, -2), out=target)
    return out


def input_adjoint_1d(e, axis, out):
    """The adjoint of :func:`input_transform_1d`: ``B e`` added back into overlapping tiles.

    ``e`` has the leading axis of 4 and ``count`` tiles on ``axis`` (of ``e[k]``); ``out``
    (written, not accumulated) has ``2 count + 2`` rows there. Row ``k`` of tile ``t`` is row
    ``2 t + k``, so rows ``2 t + 2`` and ``2 t + 3`` hold rows 2 and 3 of tile ``t`` plus rows 0
    and 1 of tile ``t + 1``: one batched product ``B e`` per tile, then one addition of the two.
    """
    count = e.shape[axis + 1]
    tiles = np.moveaxis(_flatten_after(e, axis + 1), 0, -2)  # (..., count, 4, rest)
    be = scratch("input-adjoint", tiles.shape, e.dtype)
    np.matmul(B_T.T.astype(e.dtype), tiles, out=be)
    pairs = _flatten_after(out, axis).reshape(*out.shape[:axis], count + 1, 2, -1)  # rows (2 t, 2 t + 1)

    def overlap_add(part):  # split over the first axis
        pairs[part, ..., 0, :, :] = be[part, ..., 0, :2, :]
        np.add(be[part, ..., 1:, :2, :], be[part, ..., :-1, 2:, :], out=pairs[part, ..., 1:count, :, :])
        pairs[part, ..., count, :, :] = be[part, ..., count - 1, 2:, :]

    run_split(pairs.shape[0], overlap_add)
    return out


def tiles_of(out_hw):
    """Number of 2x2 output tiles along each axis: ``ceil(Ho / 2), ceil(Wo / 2)``."""
    return tuple(-(-size // 2) for size in out_hw)


def kernel_transform(w):
    """``U[a, b, o, c] = (G w[o, c] G^T)[a, b]``, shape (16, C_out, C) with (a, b) flattened, in w's dtype.

    As one matrix product: ``vec(G g G^T) = (G kron G) vec(g)`` for every (o, c) at once.
    """
    gg = np.kron(G, G).astype(w.dtype)  # (16, 9)
    return np.ascontiguousarray((w.reshape(-1, 9) @ gg.T).T).reshape(16, *w.shape[:2])


def to_image_axes_first(x, out):
    """Copy x (N, C, H, W) into out (H, W, N, C), through (N, H, C, W); images split over threads.

    A direct copy reads C numbers ``H * W`` apart for every pixel: with power-of-two image
    sizes they all fall in one cache set and evict each other. Two copies with short strides
    are faster.
    """
    n, channels, height, width = x.shape
    middle = scratch("n-h-c-w", (n, height, channels, width), x.dtype)

    def copy(part):
        np.copyto(middle[part], x[part].transpose(0, 2, 1, 3))
        np.copyto(out[:, :, part], middle[part].transpose(1, 3, 0, 2))

    run_split(n, copy)
    return out


def to_channels_first(y):
    """The inverse of :func:`to_image_axes_first`: y (H, W, N, C) -> a new (N, C, H, W), through (H, N, C, W)."""
    height, width, n, channels = y.shape
    middle = scratch("h-n-c-w", (height, n, channels, width), y.dtype)
    result = np.empty((n, channels, height, width), dtype=y.dtype)

    def copy(part):
        np.copyto(middle[:, part], y[:, :, part].transpose(0, 2, 3, 1))
        np.copyto(result[part], middle[:, part].transpose(1, 2, 0, 3))

    run_split(n, copy)
    return result


def tiles_to_channels_first(y, out_hw, n):
    """Output tiles y (4 = (i, j), rows * cols * N * C_out) -> a new out (N, C_out, Ho, Wo).

    ``out[n, o, 2 t + i, 2 u + j] = y[(i, j), (t, u, n, o)]``, the odd last row / column cropped.
    Through (rows, i, N, C_out, cols, j), as :func:`to_channels_first`.
    """
    rows, cols = tiles_of(out_hw)
    tiles = y.reshape(2, 2, rows, cols, n, -1)  # (i, j, t, u, N, C_out)
    channels = tiles.shape[-1]
    middle = scratch("h-n-c-w", (rows, 2, n, channels, cols, 2), y.dtype)
    image = middle.reshape(2 * rows, n, channels, 2 * cols)[: out_hw[0], :, :, : out_hw[1]]
    result = np.empty((n, channels, *out_hw), dtype=y.dtype)

    def copy(part):
        np.copyto(middle[:, :, part], tiles[..., part, :].transpose(2, 0, 4, 5, 3, 1))
        np.copyto(result[part], image[:, part].transpose(1, 2, 0, 3))

    run_split(n, copy)
    return result


def forward(x, w, b, pads, out_hw):
    """The convolution of x (N, C, H, W) with w (C_out, C, 3, 3), padded by ``pads``, plus b.

    Returns ``out`` (N, C_out, Ho, Wo) and :class:`Cache`, which keeps the padded input
    (about the size of x), not the four times larger ``V``.
    """
    n, channels, height, width = x.shape
    out_channels = w.shape[0]
    rows, cols = tiles_of(out_hw)
    (top, _), (left, _) = pads
    # Image axes first, (rows, columns, N, C): every strided view below then still has N * C
    # contiguous numbers innermost, long runs for NumPy's loops. One zero row / column is added
    # to the padding when Ho / Wo is odd (its output is cropped).
    xp = np.empty((2 * rows + 2, 2 * cols + 2, n, channels), dtype=x.dtype)
    xp[:top], xp[top + height :], xp[:, :left], xp[:, left + width :] = 0, 0, 0, 0
    to_image_axes_first(x, xp[top : top + height, left : left + width])
    by_column = input_transform_1d(xp, 1, cols, scratch("in-by-column", (4, 2 * rows + 2, cols, n, channels), x.dtype))
    v = input_transform_1d(by_column, 1, rows, scratch("v", (4, 4, rows, cols, n, channels), x.dtype))
    v = v.reshape(16, -1, channels)  # V[a, b]: a (tiles * N, C) matrix
    u = kernel_transform(w)
    m = scratch("m", (16, rows * cols * n, out_channels), x.dtype)
    np.matmul(v, u.transpose(0, 2, 1), out=m)  # M[a, b]^T = V[a, b] U[a, b]^T
    m[5] += b  # (a, b) = (1, 1): A^T e11 A is all ones, the bias reaches the four outputs of a tile
    # Y = A^T M A for every tile at once: vec(Y) = (A^T kron A^T) vec(M), one (4, 16) @ (16, tiles N C_out) product
    y = scratch("out-tiles", (4, rows * cols * n * out_channels), x.dtype)
    np.matmul(np.kron(A_T, A_T).astype(x.dtype), m.reshape(16, -1), out=y)
    return tiles_to_channels_first(y, out_hw, n), Cache(xp, u, x.shape, pads, out_hw)


def backward(dout, cache):
    """Gradients (dx, dw, db) of :func:`forward`.

    dx is the adjoint of the forward steps (Winograd again, with the transposed transforms);
    dw is the direct sum (:func:`weight_gradient`): through ``G^T dU G`` it would carry
    rounding errors of the size of the largest entries of dU to every entry of dw, and
    float32 results would then stray from the direct sum by more than float32 tolerances
    allow on the small entries.
    """
    xp, u, x_shape, pads, out_hw, _ = cache
    n, channels, height, width = x_shape
    out_channels = u.shape[1]
    rows, cols = tiles_of(out_hw)
    db = dout.sum(axis=(0, 2, 3))
    # dout with image axes first, as wide as xp; rows and columns beyond Ho / Wo are 0
    image = scratch("dout-image", (2 * rows, xp.shape[1], n, out_channels), dout.dtype)
    image[out_hw[0] :], image[:, out_hw[1] :] = 0, 0
    to_image_axes_first(dout, image[: out_hw[0], : out_hw[1]])
    dw = weight_gradient(xp, image, out_hw)
    dy = scratch("out-tiles", (2, 2, rows, cols, n, out_channels), dout.dtype)  # dY[i, j, t, u] = dout[2 t + i, 2 u + j]
    np.copyto(dy, image[:, : 2 * cols].reshape(rows, 2, cols, 2, n, out_channels).transpose(1, 3, 0, 2, 4, 5))
    dm = scratch("m", (16, rows * cols * n, out_channels), dout.dtype)
    np.matmul(np.kron(A_T, A_T).T.astype(dout.dtype), dy.reshape(4, -1), out=dm.reshape(16, -1))  # dM = A dY A^T
    dv = scratch("v", (16, rows * cols * n, channels), dout.dtype)
    np.matmul(dm, u, out=dv)  # dV[a, b]^T = dM[a, b]^T U[a, b]
    dv = dv.reshape(4, 4, rows, cols, n, channels)
    by_column = input_adjoint_1d(dv, 1, scratch("in-by-column", (4, 2 * rows + 2, cols, n, channels), dout.dtype))
    dxp = input_adjoint_1d(by_column, 1, scratch("dxp", xp.shape, dout.dtype))
    (top, _), (left, _) = pads
    return to_channels_first(dxp[top : top + height, left : left + width]), dw, db


def weight_gradient(xp, image, out_hw):
    """``dw[o, c, p, q] = sum_{n, i, j} dout[n, o, i, j] xp[n, c, i + p, j + q]``, nine products.

    ``xp`` (rows, columns, N, C) and ``image`` (dout as (rows', columns, N, C_out), zero beyond
    Ho, Wo) have the same width, so flattening (row, column, n) turns the offset (p, q) into a
    shift of ``(p * columns + q) * N`` rows: each offset is one contiguous slice of ``xp``, and
    ``dw[:, :, p, q] = image_flat^T @ xp_flat[shift : shift + K]``. A shifted slice runs into the
    next row only where ``image`` is 0 (columns beyond Wo). Returns (C_out, C, 3, 3).
    """
    columns, n, channels = xp.shape[1:]
    positions = out_hw[0] * columns - 2  # the last two positions are zero columns; dropping them keeps slices in xp
    d = image.reshape(-1, image.shape[-1])[: positions * n]
    x_flat = xp.reshape(-1, channels)
    dw = np.empty((3, 3, image.shape[-1], channels), dtype=image.dtype)
    for p in range(3):
        for q in range(3):
            shift = (p * columns + q) * n
            np.matmul(d.T, x_flat[shift : shift + positions * n], out=dw[p, q])
    return np.ascontiguousarray(dw.transpose(2, 3, 0, 1))


def matmuls(cache):
    """A callable repeating only the channel-mixing products of :func:`forward` and :func:`backward`.

    ``M = V U^T`` and ``dV = dM U`` (16 batched products each) and the nine products of
    :func:`weight_gradient`; not the transforms.
    """
    xp, u, _, _, out_hw, _ = cache
    columns, n, channels = xp.shape[1:]
    out_channels = u.shape[1]
    tiles = np.prod(tiles_of(out_hw)) * n
    v = np.ones((16, tiles, channels), dtype=xp.dtype)
    dm = np.ones((16, tiles, out_channels), dtype=xp.dtype)
    image = np.ones((-(-out_hw[0] // 2) * 2, columns, n, out_channels), dtype=xp.dtype)

    def run():
        np.matmul(v, u.transpose(0, 2, 1))
        np.matmul(dm, u)
        weight_gradient(xp, image, out_hw)

    return run
