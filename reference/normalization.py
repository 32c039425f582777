"""Data normalisation in NumPy, as the tutorials do before training, with gradients.

Both scalings work column-wise: statistics are taken along ``axis`` (0, the batch
axis of an (N, features) table) and every other position is a separate column.
A constant column (range or variance exactly 0) would divide by zero; like
scikit-learn's ``MinMaxScaler`` and ``StandardScaler``, its scale is replaced by 1,
so the column comes out as all zeros, a defined result on every side.
"""

import numpy as np

from reference import checks


def _spread_over_ties(x, extreme, dextreme, axis):
    """Route the gradient of a min or max to the entries that attain it, split evenly among ties.

    This is what ``torch.amin``/``amax`` and ``tf.reduce_min``/``reduce_max`` do.
    """
    attains = x == extreme
    ties = np.sum(attains, axis=axis, keepdims=True).astype(x.dtype)  # int counts would promote to float64
    return attains * (dextreme / ties)


def min_max_normalize_forward(x, *, axis=0):
    """Scale every column to [0, 1]: (x - min) / (max - min).

    Parameters
    ----------
    x : ndarray, shape (N, ...)
        Data, one sample per entry along ``axis``.
    axis : int
        The axis the min and max are taken over.

    Returns
    -------
    out : ndarray, shape and dtype of x
        out = (x - lo) / s with lo = min, hi = max along ``axis`` and s = hi - lo,
        or s = 1 where hi == lo (constant columns become 0).
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``axis`` when it is not an axis of x, ``x`` when it has no entries
        along it (no min or max). A constant column is not an error (see above).
    """
    checks.reduction_axis(x, axis)
    lo = np.min(x, axis=axis, keepdims=True)
    hi = np.max(x, axis=axis, keepdims=True)
    span = hi - lo
    constant = span == 0
    scale = np.where(constant, 1, span)  # the documented result for a constant column: 0
    out = (x - lo) / scale
    return out, (x, out, lo, hi, scale, constant, axis)


def min_max_normalize_backward(dout, cache):
    """Gradient of min-max scaling, through the min and the max as well as x.

    With g = dout / s and sums over ``axis``:
    dL/dlo = -sum(g) + sum(g * out) (the second term only where s = hi - lo),
    dL/dhi = -sum(g * out) (only where s = hi - lo),
    dx = g + dL/dlo at the argmin + dL/dhi at the argmax (split evenly among ties).

    Returns
    -------
    dx : ndarray, shape of x
    """
    x, out, lo, hi, scale, constant, axis = cache
    g = dout / scale
    through_span = np.where(constant, 0, np.sum(g * out, axis=axis, keepdims=True))
    dlo = -np.sum(g, axis=axis, keepdims=True) + through_span
    dhi = -through_span
    return g + _spread_over_ties(x, lo, dlo, axis) + _spread_over_ties(x, hi, dhi, axis)


def standardize_forward(x, *, axis=0):
    """z-score every column: (x - mean) / std, with the population std (ddof = 0).

    Parameters
    ----------
    x : ndarray, shape (N, ...)
    axis : int
        The axis the mean and variance are taken over.

    Returns
    -------
    out : ndarray, shape and dtype of x
        out = (x - mu) / sigma, mu = mean, sigma = sqrt(mean((x - mu)^2)) along ``axis``,
        sigma = 1 where the variance is exactly 0 (constant columns become 0).
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``axis`` when it is not an axis of x, ``x`` when it has no entries
        along it (a mean of nothing). A constant column is not an error (see above).

    Notes
    -----
    The population std is scikit-learn's and ``tf.nn.moments``'s; torch's ``std`` and
    ``var`` default to the unbiased n - 1 (``correction=0`` asks for this one). The
    variance, not the std, is tested for 0: sqrt has an infinite derivative at 0.
    """
    checks.reduction_axis(x, axis)
    mean = np.mean(x, axis=axis, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=axis, keepdims=True)
    std = np.sqrt(np.where(var == 0, 1, var))
    out = centred / std
    return out, (out, std, axis)


def standardize_backward(dout, cache):
    """Gradient of the z-score (as batch norm's, without gamma and beta).

    dx = (dout - mean(dout) - out * mean(dout * out)) / sigma, means along ``axis``.
    For a constant column out = 0 and sigma = 1: dx = dout - mean(dout).

    Returns
    -------
    dx : ndarray, shape of x
    """
    out, std, axis = cache
    mean_dout = np.mean(dout, axis=axis, keepdims=True)
    mean_dout_out = np.mean(dout * out, axis=axis, keepdims=True)
    return (dout - mean_dout - out * mean_dout_out) / std


def l2_normalize_forward(x, *, axis=1, eps=1e-12):
    """Divide every vector along ``axis`` by its Euclidean length (torch's ``F.normalize``, p = 2).

    Parameters
    ----------
    x : ndarray, any shape with ``axis``
    axis : int
        The axis the vectors lie along (1, the feature axis of (N, features), as in torch).
    eps : float >= 0
        The smallest length divided by: vectors shorter than eps are divided by eps.

    Returns
    -------
    out : ndarray, shape and dtype of x
        out = x / max(||x||_2, eps), the norm taken along ``axis``.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``axis`` when it is not an axis of x and ``eps`` when it is negative or
        not a number. Empty inputs give empty outputs, as in torch.

    Notes
    -----
    eps bounds the length, not the squared length: TensorFlow's ``l2_normalize``
    computes x * rsqrt(max(sum x^2, epsilon)), the same function when epsilon = eps^2
    (catalog entry l2-normalize-eps).
    """
    ndim = np.ndim(x)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ValueError(f"axis must be an int in [-{ndim}, {ndim}) for x of shape {np.shape(x)}, got {axis!r}")
    checks.non_negative(eps, "eps")
    norm = np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    through_norm = norm >= x.dtype.type(eps)  # torch's clamp_min passes the gradient where norm >= eps
    denominator = np.where(through_norm, norm, x.dtype.type(eps))
    with np.errstate(divide="ignore", invalid="ignore"):  # eps = 0 and a zero vector: 0 / 0, NaN as in torch
        out = x / denominator
    return out, (out, denominator, through_norm, axis)


def l2_normalize_backward(dout, cache):
    """Gradient of x / max(||x||, eps).

    Where the norm is divided by: dx = (dout - out sum(dout * out)) / ||x|| (the
    component of dout along x removed); where eps is: dx = dout / eps. Sums along ``axis``.

    Returns
    -------
    dx : ndarray, shape of x
    """
    out, denominator, through_norm, axis = cache
    along_x = np.where(through_norm, out * np.sum(dout * out, axis=axis, keepdims=True), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((dout - along_x) / denominator).astype(out.dtype, copy=False)
