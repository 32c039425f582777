"""Cost functions in NumPy, forward and hand-derived backward.

``*_forward(prediction, target, *, reduction)`` returns ``(loss, cache)``;
``*_backward(dout, cache)`` returns the gradient for the prediction only (targets are
data, not parameters). ``reduction`` is ``"none"`` (element-wise losses), ``"mean"``
or ``"sum"``; ``dout`` has the shape of the loss (a scalar unless ``"none"``).
"""

import numpy as np

from reference import checks
from reference.activations import log_softmax_forward, sigmoid_forward

REDUCTIONS = ("none", "mean", "sum")


def _reduce(losses, reduction, name):
    """Apply a reduction; return the loss and the factor d(loss)/d(losses_i).

    ``name`` is the argument the losses come from, named when a mean has no elements.
    """
    if reduction == "none":
        return losses, 1.0
    if reduction == "sum":
        return losses.sum(dtype=losses.dtype), 1.0
    if reduction == "mean":
        if losses.size == 0:
            raise ValueError(f"{name} is empty: reduction 'mean' of no losses is undefined (0 / 0)")
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

    Raises
    ------
    ValueError
        Naming ``p`` and ``y`` when their shapes differ, ``reduction`` when it is unknown,
        and ``p`` when it is empty with reduction "mean".

    Notes
    -----
    No clipping here: frameworks clip (Keras to [1e-7, 1 - 1e-7], torch clamps the
    log at -100), which changes the value only outside that range. ``np.log1p(-p)``
    keeps log(1 - p) accurate for tiny p.
    """
    checks.same_shape(p, y, "p", "y")
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    loss, scale = _reduce(losses, reduction, "p")
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


def mse_forward(y_pred, y_true, *, reduction="mean"):
    """Mean squared error, as torch's ``MSELoss`` and Keras's ``MeanSquaredError`` (no 1/2).

    Parameters
    ----------
    y_pred : ndarray, any shape
    y_true : ndarray, shape of y_pred
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        l_i = (y_pred_i - y_true_i)^2, reduced (mean over all N elements by default).
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``y_pred`` and ``y_true`` when their shapes differ, ``reduction`` when it is unknown,
        and ``y_pred`` when it is empty with reduction "mean".
    """
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    diff = y_pred - y_true
    loss, scale = _reduce(diff * diff, reduction, "y_pred")
    return loss, (diff, scale)


def mse_backward(dout, cache):
    """Gradient of the mean squared error.

    Returns
    -------
    dy_pred : ndarray, shape of y_pred
        dL/dy_pred_i = dout * scale * 2 (y_pred_i - y_true_i): the factor 2 is the one
        the tutorials' 1/2 cancels (see ``half_squared_error``).
    """
    diff, scale = cache
    return (dout * (2 * scale) * diff).astype(diff.dtype, copy=False)


def half_squared_error_forward(y_pred, y_true, *, reduction="mean"):
    """The tutorials' cost 1/2 (y_pred - y_true)^2, whose derivative is just the error.

    Parameters
    ----------
    y_pred : ndarray, any shape
    y_true : ndarray, shape of y_pred
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        l_i = 1/2 (y_pred_i - y_true_i)^2, reduced. With "mean" it is half the MSE;
        with "sum" it is ``tf.nn.l2_loss(y_pred - y_true)``.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``y_pred`` and ``y_true`` when their shapes differ, ``reduction`` when it is unknown,
        and ``y_pred`` when it is empty with reduction "mean".
    """
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    diff = y_pred - y_true
    loss, scale = _reduce(0.5 * diff * diff, reduction, "y_pred")
    return loss, (diff, scale)


def half_squared_error_backward(dout, cache):
    """Gradient of the half squared error.

    Returns
    -------
    dy_pred : ndarray, shape of y_pred
        dL/dy_pred_i = dout * scale * (y_pred_i - y_true_i).
    """
    diff, scale = cache
    return (dout * scale * diff).astype(diff.dtype, copy=False)


def binary_cross_entropy_with_logits_forward(z, y, *, reduction="mean"):
    """Binary cross-entropy of logits z, with p = sigmoid(z) folded in.

    Parameters
    ----------
    z : ndarray, any shape
        Logits (pre-sigmoid scores).
    y : ndarray, shape of z
        Targets in [0, 1].
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        l_i = -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))
            = max(z, 0) - z y + log(1 + exp(-|z|)), reduced.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``z`` and ``y`` when their shapes differ, ``reduction`` when it is unknown,
        and ``z`` when it is empty with reduction "mean".

    Notes
    -----
    The second form (TensorFlow's ``sigmoid_cross_entropy_with_logits``) never
    exponentiates a positive number and never takes the log of a sigmoid that has
    rounded to 0 or 1; ``np.log1p`` keeps log(1 + tiny) accurate.
    """
    checks.same_shape(z, y, "z", "y")
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    loss, scale = _reduce(losses, reduction, "z")
    return loss, (z, y, scale)


def binary_cross_entropy_with_logits_backward(dout, cache):
    """Gradient with respect to the logits: the error of the prediction.

    Returns
    -------
    dz : ndarray, shape of z
        dL/dz_i = dout * scale * (sigmoid(z_i) - y_i).
    """
    z, y, scale = cache
    p, _ = sigmoid_forward(z)
    return (dout * scale * (p - y)).astype(z.dtype, copy=False)


def _check_cross_entropy(logits, target):
    """Check logits (C,), (N, C) or (N, C, d1, ...) against integer targets; return the class axis."""
    if logits.ndim == 0:
        raise ValueError("logits must have a class axis: shape (C,), (N, C) or (N, C, d1, ...), got shape ()")
    axis = 0 if logits.ndim == 1 else 1
    n_classes = logits.shape[axis]
    if n_classes == 0:
        raise ValueError(f"logits must have at least one class along axis {axis}, got shape {logits.shape}")
    positions = logits.shape[:axis] + logits.shape[axis + 1 :]
    if target.shape != positions:
        raise ValueError(
            f"target must have shape {positions}, logits' {logits.shape} without the class axis {axis}, "
            f"got {target.shape}"
        )
    checks.indices(target, n_classes, "target")
    return axis


def cross_entropy_forward(logits, target, *, reduction="mean"):
    """Softmax cross-entropy of logits against integer class indices (torch's ``cross_entropy``).

    Parameters
    ----------
    logits : ndarray, shape (C,), (N, C) or (N, C, d1, ...)
        Unnormalised scores; the class axis is 1 (0 for an unbatched (C,) input), as in torch.
    target : integer ndarray, shape (), (N,) or (N, d1, ...)
        Class indices in [0, C).
    reduction : {"none", "mean", "sum"}
        "mean" averages over every target position (N d1 ...).

    Returns
    -------
    loss : ndarray
        l = -log softmax(logits)[target] at every target position, reduced.
    cache : tuple

    Raises
    ------
    TypeError
        When ``target`` does not hold integers.
    ValueError
        Naming ``logits`` when it has no class axis or no classes, ``target`` when its
        shape is not logits' without the class axis, when an index lies outside [0, C)
        or when it is empty with reduction "mean", and ``reduction`` when it is unknown.

    Notes
    -----
    The log-probabilities come from ``log_softmax_forward`` (log-sum-exp), never from
    the log of a softmax that may have underflowed to 0.
    """
    axis = _check_cross_entropy(logits, target)
    log_p, _ = log_softmax_forward(logits, axis=axis)
    index = np.expand_dims(target, axis)
    losses = -np.take_along_axis(log_p, index, axis=axis).squeeze(axis)
    loss, scale = _reduce(losses, reduction, "target")
    return loss, (log_p, index, axis, scale)


def cross_entropy_backward(dout, cache):
    """Gradient with respect to the logits: softmax minus the one-hot target.

    Returns
    -------
    dlogits : ndarray, shape of logits
        dL/dlogits = dout * scale * (softmax(logits) - onehot(target)), dout broadcast
        along the class axis.
    """
    log_p, index, axis, scale = cache
    grad = np.exp(log_p)
    np.put_along_axis(grad, index, np.take_along_axis(grad, index, axis=axis) - 1, axis=axis)
    upstream = dout * scale
    if np.ndim(upstream):  # reduction "none": one upstream value per target position
        upstream = np.expand_dims(upstream, axis)
    return (upstream * grad).astype(log_p.dtype, copy=False)
