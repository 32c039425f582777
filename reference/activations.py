"""Activation functions in NumPy, forward and hand-derived backward.

Every function pair follows the cs231n contract: ``*_forward(x, **params)`` returns
``(out, cache)`` and ``*_backward(dout, cache)`` returns ``dx``. Shapes are arbitrary
and element-wise unless stated; dtype is preserved (float32 in, float32 out).
"""

import numpy as np


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
