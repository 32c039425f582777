"""Cost functions in NumPy, forward and hand-derived backward.

``*_forward(prediction, target, *, reduction)`` returns ``(loss, cache)``;
``*_backward(dout, cache)`` returns the gradient for the prediction only (targets are
data, not parameters). ``reduction`` is ``"none"`` (element-wise losses), ``"mean"``
or ``"sum"``; ``dout`` has the shape of the loss (a scalar unless ``"none"``).
"""

import numpy as np

REDUCTIONS = ("none", "mean", "sum")


def _reduce(losses, reduction):
    """Apply a reduction; return the loss and the factor d(loss)/d(losses_i)."""
    if reduction == "none":
        return losses, 1.0
    if reduction == "sum":
        return losses.sum(dtype=losses.dtype), 1.0
    if reduction == "mean":
        return losses.mean(dtype=losses.dtype), 1.0 / losses.size
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def binary_cross_entropy_forward(p, y, *, reduction="mean"):
    """Binary cross-entropy of probabilities.

    Parameters
    ----------
    p : ndarray, any shape
        Predicted probabilities, strictly inside (0, 1).
    y : ndarray, shape of p
        Targets in [0, 1].
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        l_i = -(y_i log p_i + (1 - y_i) log(1 - p_i)), reduced.
    cache : tuple

    Notes
    -----
    No clipping here: frameworks clip (Keras to [1e-7, 1 - 1e-7], torch clamps the
    log at -100), which changes the value only outside that range. ``np.log1p(-p)``
    keeps log(1 - p) accurate for tiny p.
    """
    if p.shape != y.shape:
        raise ValueError(f"p and y must have the same shape, got {p.shape} and {y.shape}")
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    loss, scale = _reduce(losses, reduction)
    return loss, (p, y, scale)


def binary_cross_entropy_backward(dout, cache):
    """Gradient of binary cross-entropy with respect to the probabilities.

    Returns
    -------
    dp : ndarray, shape of p
        dL/dp_i = dout * scale * (p_i - y_i) / (p_i (1 - p_i)), where scale is 1 for
        "sum" and "none" and 1/N for "mean".
    """
    p, y, scale = cache
    return (dout * scale * (p - y) / (p * (1 - p))).astype(p.dtype, copy=False)
