"""Layers in NumPy, forward and hand-derived backward (PyTorch layout)."""

import numpy as np


def linear_forward(x, w, b):
    """Fully connected layer, the neuron v = sum(x * w) + b for a whole batch.

    Parameters
    ----------
    x : ndarray, shape (N, in)
    w : ndarray, shape (out, in)
        PyTorch's layout: one row of weights per output unit.
    b : ndarray, shape (out,)

    Returns
    -------
    out : ndarray, shape (N, out)
        out = x @ w.T + b
    cache : tuple
    """
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(f"x (N, in) and w (out, in) do not fit: x {x.shape}, w {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},), got {b.shape}")
    return x @ w.T + b, (x, w)


def linear_backward(dout, cache):
    """Gradients of the linear layer.

    Parameters
    ----------
    dout : ndarray, shape (N, out)

    Returns
    -------
    dx : ndarray, shape (N, in)
        dout @ w
    dw : ndarray, shape (out, in)
        dout.T @ x
    db : ndarray, shape (out,)
        dout summed over the batch
    """
    x, w = cache
    return dout @ w, dout.T @ x, dout.sum(axis=0)
