"""Activation functions in NumPy, forward and hand-derived backward.

Every function pair follows the cs231n contract: ``*_forward(x, **params)`` returns
``(out, cache)`` and ``*_backward(dout, cache)`` returns ``dx``. Shapes are arbitrary
and element-wise unless stated; dtype is preserved (float32 in, float32 out).
"""

import math

import numpy as np
from scipy import special  # erfc for the exact gelu

from reference import checks


def sigmoid_forward(x):
    """Logistic sigmoid, computed without overflow.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape and dtype as x
        sigma(x) = 1 / (1 + exp(-x))
    cache : ndarray
        ``out``, all the backward pass needs.

    Notes
    -----
    The naive ``1 / (1 + np.exp(-x))`` overflows ``exp`` at x = -100 in float32
    (exp(100) > 3.4e38). For x < 0 the algebraically equal form
    exp(x) / (1 + exp(x)) only ever exponentiates a non-positive number.
    """
    positive = x >= 0
    z = np.exp(np.where(positive, -x, x))  # exp(-|x|) in (0, 1], never overflows
    out = np.where(positive, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
    return out, out


def sigmoid_backward(dout, cache):
    """Gradient of the sigmoid.

    Parameters
    ----------
    dout : ndarray, shape of out
        Upstream gradient dL/d(out).
    cache : ndarray
        sigma(x) from the forward pass.

    Returns
    -------
    dx : ndarray, shape of x
        dL/dx = dout * sigma(x) * (1 - sigma(x))
    """
    out = cache
    return dout * out * (1 - out)


def tanh_forward(x):
    """Hyperbolic tangent.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape and dtype as x
        tanh(x) = (e^x - e^-x) / (e^x + e^-x); ``np.tanh`` saturates to +-1 without overflow.
    cache : ndarray
        ``out``.
    """
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Gradient of tanh: dx = dout * (1 - tanh(x)^2).

    Parameters
    ----------
    dout : ndarray, shape of x
    cache : ndarray
        tanh(x) from the forward pass.

    Returns
    -------
    dx : ndarray, shape of x
    """
    out = cache
    return dout * (1 - out * out)


def relu_forward(x):
    """Rectified linear unit, relu(x) = max(x, 0).

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape and dtype as x
    cache : ndarray
        ``x``.
    """
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """Gradient of relu: dx = dout * [x > 0].

    At exactly x = 0 relu has no derivative; like PyTorch and TensorFlow this takes
    the left one, 0 (``x >= 0`` would give 1: the relu-grad-at-zero divergence).

    Returns
    -------
    dx : ndarray, shape of x
    """
    x = cache
    return np.where(x > 0, dout, 0).astype(dout.dtype, copy=False)


def leaky_relu_forward(x, *, negative_slope=0.01):
    """Leaky relu: x for x > 0, ``negative_slope * x`` otherwise.

    Parameters
    ----------
    x : ndarray, any shape
    negative_slope : float
        Slope for x <= 0. Frameworks disagree on its default (torch 0.01,
        ``tf.nn.leaky_relu`` 0.2, Keras ``LeakyReLU`` 0.3): always pass it.

    Returns
    -------
    out : ndarray, same shape and dtype as x
    cache : tuple
        ``(x, negative_slope)``.
    """
    return np.where(x > 0, x, negative_slope * x), (x, negative_slope)


def leaky_relu_backward(dout, cache):
    """Gradient of leaky relu: dx = dout for x > 0, ``negative_slope * dout`` for x <= 0.

    Returns
    -------
    dx : ndarray, shape of x
    """
    x, negative_slope = cache
    return np.where(x > 0, dout, negative_slope * dout)


def elu_forward(x, *, alpha=1.0):
    """Exponential linear unit: x for x > 0, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    x : ndarray, any shape
    alpha : float
        Value the negative branch saturates to (-alpha).

    Returns
    -------
    out : ndarray, same shape and dtype as x
    cache : tuple
        ``(x, out, alpha)``.

    Notes
    -----
    ``np.expm1`` keeps exp(x) - 1 accurate for small |x|; ``np.minimum(x, 0)`` keeps
    the unused branch from overflowing ``exp`` for large positive x.
    """
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
    return out, (x, out, alpha)


def elu_backward(dout, cache):
    """Gradient of elu: dx = dout for x > 0, ``dout * alpha * exp(x)`` otherwise.

    Returns
    -------
    dx : ndarray, shape of x

    Notes
    -----
    alpha exp(x) equals out + alpha, but that sum cancels for x << 0 (out is close to
    -alpha): exp(x) itself keeps full relative accuracy.
    """
    x, out, alpha = cache
    return np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))


def softplus_forward(x, *, beta=1.0, threshold=20.0):
    """Softplus, a smooth relu: log(1 + exp(beta x)) / beta, PyTorch's form.

    Parameters
    ----------
    x : ndarray, any shape
    beta : float
        Sharpness, any finite number but 0: the larger, the closer to relu.
    threshold : float
        Where beta x > threshold the output is x itself, as in torch (the two differ
        by log1p(exp(-beta x)) / beta there, 2.1e-9 at the default 20 and beta 1).

    Returns
    -------
    out : ndarray, same shape and dtype as x
    cache : tuple
        ``(x, beta, threshold)``.

    Raises
    ------
    ValueError
        Naming ``beta`` when 0 or not a finite number, ``threshold`` when NaN or not a number.

    Notes
    -----
    ``np.logaddexp(0, z)`` = max(z, 0) + log1p(exp(-|z|)) never overflows, where the
    literal formula overflows exp at z = 89 in float32.
    """
    _check_softplus(beta, threshold)
    z = beta * x  # a Python float beta keeps float32 x float32
    out = np.where(z > threshold, x, np.logaddexp(0, z) / beta)
    return out.astype(x.dtype, copy=False), (x, beta, threshold)


def _check_softplus(beta, threshold):
    for name, value in (("beta", beta), ("threshold", threshold)):
        if not (np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iuf" and not np.isnan(value)):
            raise ValueError(f"{name} must be a real number, got {value!r}")
    if beta == 0 or not np.isfinite(beta):
        raise ValueError(f"beta must be a finite non-zero number (softplus divides by it), got {beta!r}")


def softplus_backward(dout, cache):
    """Gradient of softplus: dx = dout * sigmoid(beta x), and dout where beta x > threshold.

    Returns
    -------
    dx : ndarray, shape of x
    """
    x, beta, threshold = cache
    z = beta * x
    return np.where(z > threshold, dout, dout * sigmoid_forward(z)[0])


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)  # Python floats: they keep float32 arrays float32
_GELU_CUBIC = 0.044715


def gelu_forward(x, *, approximate="none"):
    """Gaussian error linear unit, x * Phi(x), exact or with the tanh approximation.

    Parameters
    ----------
    x : ndarray, any shape
    approximate : {"none", "tanh"}
        "none": Phi is the standard normal CDF, 0.5 erfc(-x / sqrt 2).
        "tanh": Phi is replaced by 0.5 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    Returns
    -------
    out : ndarray, same shape and dtype as x
    cache : tuple
        ``(x, approximate)``.

    Raises
    ------
    ValueError
        Naming ``approximate`` when it is neither "none" nor "tanh".

    Notes
    -----
    Phi(x) = 0.5 (1 + erf(x / sqrt 2)) = 0.5 erfc(-x / sqrt 2); the erfc form does not
    cancel for x << 0, where 1 + erf(x / sqrt 2) loses every digit below ulp(1).
    Constants are Python floats so that float32 inputs stay float32.
    """
    if approximate == "none":
        out = 0.5 * x * special.erfc(-x * math.sqrt(0.5))
    elif approximate == "tanh":
        out = 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3)))
    else:
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return out, (x, approximate)


def gelu_backward(dout, cache):
    """Gradient of gelu.

    "none": d/dx [x Phi(x)] = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    "tanh": with u = sqrt(2/pi) (x + 0.044715 x^3) and t = tanh(u),
    d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).

    Returns
    -------
    dx : ndarray, shape of x
    """
    x, approximate = cache
    if approximate == "none":
        cdf = 0.5 * special.erfc(-x * math.sqrt(0.5))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return dout * (cdf + x * pdf)
    t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x**3))
    du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
    return dout * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)


def _softmax_operand(x, axis):
    """Check ``axis`` and return ``(x, axis, shape)`` with a 0-d x as shape (1,), torch's view of it.

    torch takes ``dim`` in [-1, 0] for a 0-d tensor, a single logit whose softmax is 1.
    """
    shape = np.shape(x)
    if np.ndim(x) == 0:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or axis not in (-1, 0):
            raise ValueError(f"axis must be -1 or 0 for a 0-d x, got {axis!r}")
        return np.reshape(x, (1,)), 0, shape
    checks.reduction_axis(np.empty((1,) * np.ndim(x)), axis)  # the axis alone: an empty x is torch's empty result
    return x, axis, shape


def softmax_forward(x, *, axis=-1):
    """Softmax along one axis, max-shifted.

    Parameters
    ----------
    x : ndarray, any shape
        Logits. A 0-d x is one logit (softmax 1); an empty x gives the empty result, as in torch.
    axis : int
        The axis the probabilities sum to 1 along.

    Returns
    -------
    out : ndarray, same shape and dtype as x
        softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max_j x_j.
    cache : tuple
        ``(out, axis)``.

    Raises
    ------
    ValueError
        Naming ``axis`` when it is not an axis of x (-1 and 0 for a 0-d x).

    Notes
    -----
    Subtracting the max changes nothing mathematically and keeps every exponent
    <= 0: the naive exp(x) / sum(exp(x)) is inf / inf = NaN at logits of 1000
    (the softmax-overflow divergence).
    """
    x, axis, shape = _softmax_operand(x, axis)
    if x.size == 0:
        return x.reshape(shape), (x, axis, shape)  # nothing to normalise: torch returns the empty x
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    out = z / np.sum(z, axis=axis, keepdims=True)
    return out.reshape(shape), (out, axis, shape)


def softmax_backward(dout, cache):
    """Gradient of softmax (the Jacobian diag(s) - s s^T applied to dout).

    dx_i = s_i (dout_i - sum_j dout_j s_j), along ``axis``.

    Returns
    -------
    dx : ndarray, shape of x
    """
    out, axis, shape = cache
    dout = dout.reshape(out.shape)  # a 0-d x was computed as shape (1,)
    return (out * (dout - np.sum(dout * out, axis=axis, keepdims=True))).reshape(shape)


def log_softmax_forward(x, *, axis=-1):
    """Log of the softmax along one axis, by log-sum-exp.

    Parameters
    ----------
    x : ndarray, any shape
        A 0-d x is one logit (log-softmax 0); an empty x gives the empty result, as in torch.
    axis : int

    Returns
    -------
    out : ndarray, same shape and dtype as x
        log_softmax(x)_i = (x_i - m) - log sum_j exp(x_j - m), m = max_j x_j.
    cache : tuple
        ``(out, axis)``.

    Raises
    ------
    ValueError
        Naming ``axis`` when it is not an axis of x (-1 and 0 for a 0-d x).

    Notes
    -----
    Never takes the log of a softmax that may have underflowed to 0: the shifted
    form is exact for logits of any size.
    """
    x, axis, shape = _softmax_operand(x, axis)
    if x.size == 0:
        return x.reshape(shape), (x, axis, shape)  # nothing to normalise: torch returns the empty x
    shifted = x - np.max(x, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return out.reshape(shape), (out, axis, shape)


def log_softmax_backward(dout, cache):
    """Gradient of log-softmax: dx_i = dout_i - softmax(x)_i * sum_j dout_j, along ``axis``.

    Returns
    -------
    dx : ndarray, shape of x
    """
    out, axis, shape = cache
    dout = dout.reshape(out.shape)  # a 0-d x was computed as shape (1,)
    return (dout - np.exp(out) * np.sum(dout, axis=axis, keepdims=True)).reshape(shape)
