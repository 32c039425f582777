"""Resizing the two spatial axes of an NCHW batch, forward and hand-derived backward.

Resizing is linear in the image and separable: every output row is a weighted sum of
input rows, every output column a weighted sum of input columns. So one (H_out, H) matrix
``A`` and one (W_out, W) matrix ``B`` describe the whole operation,

    out[n, c] = A @ x[n, c] @ B.T,

and, because it is linear, the backward pass is the transpose (the adjoint) of the same
two matrices,

    dx[n, c] = A.T @ dout[n, c] @ B.

Nearest-neighbour resizing fits too: each row of its matrix holds a single 1, and its
transpose adds every output's gradient onto the input it copied (a scatter-add).

Each matrix is built from three choices, named as in the ONNX ``Resize`` operator:

* the coordinate rule: which input coordinate ``src`` output index ``i`` samples, with
  ``s = n_in / n_out``:

  ======================  ============================================================
  ``half_pixel``           ``src = (i + 0.5) s - 0.5`` (pixel centres line up; torch
                           ``align_corners=False``, TF2, JAX, Paddle ``align_mode=0``)
  ``pytorch_half_pixel``   the same, but ``src = 0`` when ``n_out == 1``
  ``align_corners``        ``src = i (n_in - 1) / (n_out - 1)`` (corner pixels line up;
                           ``src = 0`` when ``n_out == 1``)
  ``asymmetric``           ``src = i s`` (TF1's default, Paddle ``align_mode=1``,
                           torch ``mode='nearest'``)
  ======================  ============================================================

* the mode: ``nearest`` copies input ``round(src)`` (``nearest_mode`` says how halves
  and fractions round: ``round_prefer_floor``, ``round_prefer_ceil``, ``floor``,
  ``ceil``), clipped into the image; ``linear`` weights input ``j`` by the triangle
  ``k(t) = max(0, 1 - |t|)`` at ``t = j - src``; ``cubic`` by Keys' cubic kernel

      k(t) = (a + 2)|t|^3 - (a + 3)|t|^2 + 1          for |t| <= 1
      k(t) = a|t|^3 - 5a|t|^2 + 8a|t| - 4a             for 1 < |t| < 2

  with ``a = cubic_coeff_a`` (-0.75 in torch, Paddle and OpenCV; -0.5 in TF, JAX and PIL).

* antialiasing: when downsampling (``s > 1``) with ``antialias=True`` the kernel is
  stretched by ``s``, ``w_ij = k((j - src_i) / s)``, and each row divided by its sum, so
  every output averages all the inputs it covers (a low-pass filter before sampling;
  the definition of ``torch ... antialias=True``, ``tf.image.resize(antialias=True)``,
  ``jax.image.resize`` and PIL). Upsampling is unchanged.

Taps that fall outside the image (``j < 0`` or ``j >= n_in``) either repeat the edge
pixel (``exclude_outside=False``, torch's and Paddle's rule: the index is clamped), or are
dropped and the remaining weights divided by their sum (``exclude_outside=True``: TF's
and JAX's rule for cubic, every framework's for antialiasing). For ``linear`` without
antialiasing both give the same result.
"""

import numpy as np

from reference import checks

MODES = ("nearest", "linear", "cubic")
COORDINATE_RULES = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric")
NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _choice(value, name, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")


def source_coordinates(n_in, n_out, rule):
    """Input coordinate sampled by each output index, shape (n_out,), float64.

    Products are taken before divisions so that exact rational positions (integers,
    halves) stay exact and round the way the rule says.
    """
    i = np.arange(n_out, dtype=np.float64)
    if rule == "align_corners" or (rule == "pytorch_half_pixel" and n_out == 1):
        return i * (n_in - 1) / (n_out - 1) if n_out > 1 else np.zeros(1)
    if rule == "asymmetric":
        return i * n_in / n_out
    return (i + 0.5) * n_in / n_out - 0.5  # half_pixel (and pytorch_half_pixel for n_out > 1)


def _nearest_index(src, nearest_mode):
    if nearest_mode == "round_prefer_floor":
        return np.ceil(src - 0.5)  # x.5 goes down
    if nearest_mode == "round_prefer_ceil":
        return np.floor(src + 0.5)  # x.5 goes up
    return np.floor(src) if nearest_mode == "floor" else np.ceil(src)


def _linear_kernel(t, a):
    return np.maximum(0.0, 1.0 - np.abs(t))


def _cubic_kernel(t, a):
    t = np.abs(t)
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def interpolation_matrix(n_in, n_out, *, mode="nearest", coordinate_transformation_mode="half_pixel",
                         nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False,
                         exclude_outside=False):
    """The (n_out, n_in) float64 matrix that resizes one axis: ``out = M @ x`` along it.

    Row ``i`` holds the weights of output ``i`` on every input (see the module's text for
    the rules). Rows sum to 1, so constant signals stay constant.
    """
    src = source_coordinates(n_in, n_out, coordinate_transformation_mode)
    matrix = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode == "nearest":
        matrix[rows, np.clip(_nearest_index(src, nearest_mode), 0, n_in - 1).astype(int)] = 1.0
        return matrix
    kernel, radius = (_linear_kernel, 1) if mode == "linear" else (_cubic_kernel, 2)
    stretch = max(n_in / n_out, 1.0) if antialias else 1.0  # the kernel widens only when downsampling
    reach = int(np.ceil(radius * stretch))
    taps = np.floor(src)[:, None] + np.arange(-reach, reach + 2)  # (n_out, taps): every j with k != 0, and more
    weights = kernel((taps - src[:, None]) / stretch, cubic_coeff_a)
    if antialias:
        weights /= weights.sum(axis=1, keepdims=True)  # the stretched kernel's weights no longer sum to 1
    inside = (taps >= 0) & (taps <= n_in - 1)
    if exclude_outside:
        weights = np.where(inside, weights, 0.0)
        weights /= weights.sum(axis=1, keepdims=True)  # what is left shares the whole weight
    np.add.at(matrix, (np.repeat(rows, taps.shape[1]), np.clip(taps, 0, n_in - 1).astype(int).ravel()),
              weights.ravel())  # outside taps (weight 0 when excluded) fold onto the edge pixel
    return matrix


def _size_pair(size):
    pair = (size, size) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) else size
    try:
        h, w = pair
    except (TypeError, ValueError):
        raise ValueError(f"size must be an int or a pair of ints, got {size!r}") from None
    for value in (h, w):
        checks.count(value, "size", minimum=1)
    return int(h), int(w)


def resize_forward(x, *, size, mode="nearest", coordinate_transformation_mode="half_pixel",
                   nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False, exclude_outside=False):
    """Resize the H and W axes of an NCHW batch.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    size : int or (int, int)
        (H_out, W_out); an int for both. Each at least 1.
    mode : {"nearest", "linear", "cubic"}
    coordinate_transformation_mode : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"}
        Which input coordinate each output samples (ONNX Resize's names; see the module).
    nearest_mode : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}
        How ``nearest`` rounds the source coordinate; ignored by the other modes.
    cubic_coeff_a : float
        Keys' ``a`` of the cubic kernel (torch -0.75, TF / JAX -0.5); ignored unless cubic.
    antialias : bool
        Stretch the kernel by the downsampling factor (linear and cubic only).
    exclude_outside : bool
        Drop taps outside the image and renormalise, instead of repeating the edge (ONNX's
        attribute of that name).

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out), dtype of x
        ``out[n, c] = A @ x[n, c] @ B.T`` with ``A = interpolation_matrix(H, H_out, ...)``
        and ``B = interpolation_matrix(W, W_out, ...)``.
    cache : tuple
        ``(A, B)`` in x's dtype.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    size = _size_pair(size)
    _choice(mode, "mode", MODES)
    _choice(coordinate_transformation_mode, "coordinate_transformation_mode", COORDINATE_RULES)
    _choice(nearest_mode, "nearest_mode", NEAREST_MODES)
    if not checks._is_real(cubic_coeff_a):
        raise ValueError(f"cubic_coeff_a must be a real number, got {cubic_coeff_a!r}")
    if antialias and mode == "nearest":
        raise ValueError("antialias applies to mode 'linear' and 'cubic' only (nearest copies pixels)")
    options = dict(mode=mode, coordinate_transformation_mode=coordinate_transformation_mode,
                   nearest_mode=nearest_mode, cubic_coeff_a=cubic_coeff_a, antialias=bool(antialias),
                   exclude_outside=bool(exclude_outside))
    rows = interpolation_matrix(x.shape[2], size[0], **options).astype(x.dtype)
    cols = interpolation_matrix(x.shape[3], size[1], **options).astype(x.dtype)
    out = rows @ x @ cols.T
    return out, (rows, cols)


def resize_backward(dout, cache):
    """Gradient of :func:`resize_forward`: the adjoint of the two interpolation matrices.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``dx[n, c] = A.T @ dout[n, c] @ B``: each output's gradient flows back to the
        inputs it mixed, times their weights (for nearest: added onto the one it copied).
    """
    rows, cols = cache
    return rows.T @ dout @ cols
