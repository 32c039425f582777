"""Cost functions in NumPy, forward and hand-derived backward.

``*_forward(prediction, target, *, reduction)`` returns ``(loss, cache)``;
``*_backward(dout, cache)`` returns the gradient for the prediction only (targets are
data, not parameters). ``reduction`` is ``"none"`` (element-wise losses), ``"mean"``
or ``"sum"``; ``dout`` has the shape of the loss (a scalar unless ``"none"``).
"""

import numpy as np

from reference.activations import log_softmax_forward, sigmoid_forward

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


def _check_same_shape(prediction, target):
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction and target must have the same shape, got {prediction.shape} and {target.shape}"
        )


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
    _check_same_shape(p, y)
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
    """
    _check_same_shape(y_pred, y_true)
    diff = y_pred - y_true
    loss, scale = _reduce(diff * diff, reduction)
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
    """
    _check_same_shape(y_pred, y_true)
    diff = y_pred - y_true
    loss, scale = _reduce(0.5 * diff * diff, reduction)
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

    Notes
    -----
    The second form (TensorFlow's ``sigmoid_cross_entropy_with_logits``) never
    exponentiates a positive number and never takes the log of a sigmoid that has
    rounded to 0 or 1; ``np.log1p`` keeps log(1 + tiny) accurate.
    """
    _check_same_shape(z, y)
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    loss, scale = _reduce(losses, reduction)
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

    Notes
    -----
    The log-probabilities come from ``log_softmax_forward`` (log-sum-exp), never from
    the log of a softmax that may have underflowed to 0.
    """
    axis = 0 if logits.ndim == 1 else 1
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    n_classes = logits.shape[axis]
    if target.size and (target.min() < 0 or target.max() >= n_classes):
        raise ValueError(f"target indices must lie in [0, {n_classes}), got {target.min()}..{target.max()}")
    log_p, _ = log_softmax_forward(logits, axis=axis)
    index = np.expand_dims(target, axis)
    losses = -np.take_along_axis(log_p, index, axis=axis).squeeze(axis)
    loss, scale = _reduce(losses, reduction)
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
