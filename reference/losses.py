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


def _check_reduction(reduction, allowed=REDUCTIONS):
    if not isinstance(reduction, str) or reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _reduce(losses, reduction, denominator=None):
    """Apply a reduction; return the loss and the factor d(loss)/d(losses_i).

    "mean" divides the sum by ``denominator`` (the number of losses by default). As in
    torch, the mean of no losses is NaN (0 / 0) and their sum 0.
    """
    _check_reduction(reduction)
    if reduction == "none":
        return losses, 1.0
    total = losses.sum(dtype=losses.dtype)
    if reduction == "sum":
        return total, 1.0
    denominator = losses.dtype.type(losses.size if denominator is None else denominator)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is torch's NaN for an empty mean
        loss = (total / denominator).astype(losses.dtype)
    # Nothing to average (no losses, every position ignored): torch's gradient is 0, not 0 * inf.
    return loss, (1 / denominator if denominator else losses.dtype.type(0))


def binary_cross_entropy_forward(p, y, *, reduction="mean", weight=None):
    """Binary cross-entropy of probabilities.

    Parameters
    ----------
    p : ndarray, any shape
        Predicted probabilities, strictly inside (0, 1).
    y : ndarray, shape of p
        Targets in [0, 1].
    reduction : {"none", "mean", "sum"}
    weight : ndarray or None, broadcastable to p's shape
        A rescaling of every element's loss (torch's ``weight``); None is all ones.
        "mean" still divides by the number of elements, not by the sum of weights.

    Returns
    -------
    loss : ndarray
        l_i = -w_i (y_i log p_i + (1 - y_i) log(1 - p_i)), reduced.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``p`` and ``y`` when their shapes differ, ``weight`` when it does not
        broadcast to p's shape, and ``reduction`` when it is unknown. An empty p is
        accepted as in torch: its "mean" is NaN, its "sum" 0.

    Notes
    -----
    No clipping here: frameworks clip (Keras to [1e-7, 1 - 1e-7], torch clamps the
    log at -100), which changes the value only outside that range. ``np.log1p(-p)``
    keeps log(1 - p) accurate for tiny p.
    """
    checks.same_shape(p, y, "p", "y")
    _check_reduction(reduction)
    weight = _element_weight(weight, p)
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p)) * weight
    loss, scale = _reduce(losses, reduction)
    return loss, (p, y, weight, scale)


def _element_weight(weight, x):
    """``weight`` as an array of x's dtype that broadcasts to x's shape without enlarging it (1 when None)."""
    if weight is None:
        return x.dtype.type(1)
    weight = np.asarray(weight)
    try:
        fits = np.broadcast_shapes(weight.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"weight of shape {weight.shape} must broadcast to the input's shape {x.shape}")
    return weight.astype(x.dtype, copy=False)


def binary_cross_entropy_backward(dout, cache):
    """Gradient of binary cross-entropy with respect to the probabilities.

    Returns
    -------
    dp : ndarray, shape of p
        dL/dp_i = dout * scale * w_i (p_i - y_i) / (p_i (1 - p_i)), where scale is 1 for
        "sum" and "none" and 1/N for "mean".
    """
    p, y, weight, scale = cache
    return (dout * scale * weight * (p - y) / (p * (1 - p))).astype(p.dtype, copy=False)


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
        Naming ``y_pred`` and ``y_true`` when their shapes differ and ``reduction`` when it is
        unknown. Empty inputs are accepted as in torch: their "mean" is NaN, their "sum" 0.
    """
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
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

    Raises
    ------
    ValueError
        Naming ``y_pred`` and ``y_true`` when their shapes differ and ``reduction`` when it is
        unknown. Empty inputs are accepted as in torch: their "mean" is NaN, their "sum" 0.
    """
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
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

    Raises
    ------
    ValueError
        Naming ``z`` and ``y`` when their shapes differ and ``reduction`` when it is
        unknown. Empty inputs are accepted as in torch: their "mean" is NaN, their "sum" 0.

    Notes
    -----
    The second form (TensorFlow's ``sigmoid_cross_entropy_with_logits``) never
    exponentiates a positive number and never takes the log of a sigmoid that has
    rounded to 0 or 1; ``np.log1p`` keeps log(1 + tiny) accurate.
    """
    checks.same_shape(z, y, "z", "y")
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


def _check_cross_entropy(logits, target, weight, ignore_index, label_smoothing):
    """Check torch's cross-entropy arguments; return (class axis, whether target holds probabilities)."""
    if logits.ndim == 0:
        raise ValueError("logits must have a class axis: shape (C,), (N, C) or (N, C, d1, ...), got shape ()")
    axis = 0 if logits.ndim == 1 else 1
    n_classes = logits.shape[axis]
    if n_classes == 0:
        raise ValueError(f"logits must have at least one class along axis {axis}, got shape {logits.shape}")
    checks.in_range(label_smoothing, "label_smoothing", 0, 1, high_closed=True)
    if weight is not None and np.shape(weight) != (n_classes,):
        raise ValueError(f"weight must have shape ({n_classes},), one per class, got {np.shape(weight)}")
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise ValueError(f"ignore_index must be an int, got {ignore_index!r}")
    positions = logits.shape[:axis] + logits.shape[axis + 1 :]
    if np.issubdtype(target.dtype, np.floating) and target.shape == logits.shape:
        if ignore_index != -100:  # torch raises too: no position is a class index to compare
            raise ValueError(f"ignore_index applies to class indices only, got {ignore_index} with probability targets")
        return axis, True
    if target.shape != positions:
        raise ValueError(
            f"target must have shape {positions} (class indices: logits' {logits.shape} without the class "
            f"axis {axis}) or {logits.shape} (floating probabilities), got {target.shape}"
        )
    checks.indices(target[target != ignore_index], n_classes, "target")
    return axis, False


def cross_entropy_forward(logits, target, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
    """Softmax cross-entropy of logits against class indices or class probabilities (torch's ``cross_entropy``).

    Parameters
    ----------
    logits : ndarray, shape (C,), (N, C) or (N, C, d1, ...)
        Unnormalised scores; the class axis is 1 (0 for an unbatched (C,) input), as in torch.
    target : ndarray
        Integer class indices in [0, C) (or equal to ``ignore_index``) of shape (),
        (N,) or (N, d1, ...): logits' shape without the class axis; or floating class
        probabilities of logits' shape.
    reduction : {"none", "mean", "sum"}
    weight : ndarray or None, shape (C,)
        A rescaling weight w_c for every class; None is all ones.
    ignore_index : int
        Positions whose class index equals it cost 0 and leave the mean's
        denominator (class indices only; keep -100 with probabilities).
    label_smoothing : float in [0, 1]
        eps: the target distribution becomes (1 - eps) t + eps / C.

    Returns
    -------
    loss : ndarray
        With u_c = w_c ((1 - eps) t_c + eps / C), t the one-hot of the index (zero at
        ignored positions) or the probabilities, every position costs
        l = -sum_c u_c log softmax(logits)_c. "mean" divides the sum by
        sum(w[target]) over the positions not ignored for class indices (torch's
        weighted mean), by the number of positions for probabilities.
    cache : tuple

    Raises
    ------
    TypeError
        When ``target`` has the shape of class indices but does not hold integers.
    ValueError
        Naming ``logits`` when it has no class axis or no classes, ``target`` when its
        shape fits neither form or an index lies outside [0, C), ``weight`` when it is
        not (C,), ``ignore_index`` when it is not an int or is set with probabilities,
        ``label_smoothing`` outside [0, 1] and ``reduction`` when it is unknown. Empty
        inputs, or every position ignored, give torch's NaN for "mean".

    Notes
    -----
    The log-probabilities come from ``log_softmax_forward`` (log-sum-exp), never from
    the log of a softmax that may have underflowed to 0. Both target forms become one
    weighted target distribution u, so one formula serves both.
    """
    axis, probabilities = _check_cross_entropy(logits, target, weight, ignore_index, label_smoothing)
    _check_reduction(reduction)
    dtype = logits.dtype.type
    n_classes = logits.shape[axis]
    log_p, _ = log_softmax_forward(logits, axis=axis)
    along_classes = [1] * logits.ndim
    along_classes[axis] = n_classes
    w = np.ones(n_classes, logits.dtype) if weight is None else np.asarray(weight).astype(logits.dtype)
    if probabilities:
        t = target.astype(logits.dtype, copy=False)
        kept = np.ones(target.shape[:axis] + target.shape[axis + 1 :], bool)
        denominator = kept.size
    else:
        kept = target != ignore_index
        safe = np.where(kept, target, 0)
        t = (np.arange(n_classes).reshape(along_classes) == np.expand_dims(safe, axis)).astype(logits.dtype)
        denominator = np.sum(w[safe] * kept, dtype=logits.dtype)  # torch's weighted mean
    t = dtype(1 - label_smoothing) * t + dtype(label_smoothing / n_classes)
    u = t * w.reshape(along_classes) * np.expand_dims(kept, axis)  # ignored positions: u = 0
    losses = -np.sum(u * log_p, axis=axis)
    loss, scale = _reduce(losses, reduction, denominator)
    return loss, (log_p, u, axis, scale)


def cross_entropy_backward(dout, cache):
    """Gradient with respect to the logits: softmax times the target mass minus the weighted target.

    Returns
    -------
    dlogits : ndarray, shape of logits
        dL/dlogits_j = dout * scale * (softmax(logits)_j sum_c u_c - u_j) at every position:
        softmax minus the one-hot target when there are no weights or smoothing;
        dout broadcast along the class axis.
    """
    log_p, u, axis, scale = cache
    grad = np.exp(log_p) * np.sum(u, axis=axis, keepdims=True) - u
    upstream = dout * scale
    if np.ndim(upstream):  # reduction "none": one upstream value per target position
        upstream = np.expand_dims(upstream, axis)
    return (upstream * grad).astype(log_p.dtype, copy=False)


def huber_forward(y_pred, y_true, *, delta=1.0, reduction="mean"):
    """Huber loss: quadratic for errors below delta, linear above (torch ``HuberLoss``, Keras ``Huber``).

    Parameters
    ----------
    y_pred : ndarray, any shape
    y_true : ndarray, shape of y_pred
    delta : float > 0
        Where the quadratic part meets the linear one.
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        With e = y_pred - y_true: l = e^2 / 2 where |e| < delta, delta (|e| - delta / 2)
        elsewhere, reduced. Both pieces and their slopes meet at |e| = delta.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``delta`` when it is not a positive number, ``y_pred`` and ``y_true``
        when their shapes differ and ``reduction`` when it is unknown. Empty inputs give
        torch's NaN for "mean" and 0 for "sum".
    """
    checks.positive(delta, "delta")
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    _check_reduction(reduction)
    delta = y_pred.dtype.type(delta)
    diff = y_pred - y_true
    quadratic = np.abs(diff) < delta
    losses = np.where(quadratic, 0.5 * diff * diff, delta * (np.abs(diff) - 0.5 * delta))
    loss, scale = _reduce(losses, reduction)
    return loss, (diff, quadratic, delta, scale)


def huber_backward(dout, cache):
    """Gradient of the Huber loss: the error, clipped to [-delta, delta].

    Returns
    -------
    dy_pred : ndarray, shape of y_pred
        dL/dy_pred = dout * scale * e where |e| < delta, dout * scale * delta sign(e) elsewhere.
    """
    diff, quadratic, delta, scale = cache
    return (dout * scale * np.where(quadratic, diff, delta * np.sign(diff))).astype(diff.dtype, copy=False)


def smooth_l1_forward(y_pred, y_true, *, beta=1.0, reduction="mean"):
    """torch's smooth L1 loss: the Huber loss with delta = beta, divided by beta.

    Parameters
    ----------
    y_pred : ndarray, any shape
    y_true : ndarray, shape of y_pred
    beta : float >= 0
        Where the quadratic part meets the linear one; 0 gives the L1 loss |e|.
    reduction : {"none", "mean", "sum"}

    Returns
    -------
    loss : ndarray
        With e = y_pred - y_true: l = e^2 / (2 beta) where |e| < beta, |e| - beta / 2
        elsewhere (l = |e| for beta = 0), reduced. The linear part has slope 1 for every
        beta, where Huber's has slope delta.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``beta`` when it is negative or not a number, ``y_pred`` and ``y_true``
        when their shapes differ and ``reduction`` when it is unknown. Empty inputs give
        torch's NaN for "mean" and 0 for "sum".
    """
    checks.non_negative(beta, "beta")
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    _check_reduction(reduction)
    beta = y_pred.dtype.type(beta)
    diff = y_pred - y_true
    quadratic = np.abs(diff) < beta  # never true for beta = 0: the L1 loss
    with np.errstate(divide="ignore", invalid="ignore"):  # the unused quadratic branch is 0 / 0 for beta = 0
        losses = np.where(quadratic, 0.5 * diff * diff / beta, np.abs(diff) - 0.5 * beta)
    loss, scale = _reduce(losses, reduction)
    return loss, (diff, quadratic, beta, scale)


def smooth_l1_backward(dout, cache):
    """Gradient of the smooth L1 loss.

    Returns
    -------
    dy_pred : ndarray, shape of y_pred
        dL/dy_pred = dout * scale * e / beta where |e| < beta, dout * scale * sign(e)
        elsewhere (sign(0) = 0, as torch's L1 gradient).
    """
    diff, quadratic, beta, scale = cache
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(quadratic, diff / beta, np.sign(diff))
    return (dout * scale * slope).astype(diff.dtype, copy=False)


KL_REDUCTIONS = (*REDUCTIONS, "batchmean")


def kl_div_forward(log_q, p, *, reduction="mean", log_target=False):
    """Kullback-Leibler divergence KL(p || q) from log-probabilities log q (torch's ``kl_div``).

    Parameters
    ----------
    log_q : ndarray, any shape
        Log-probabilities of the model (torch's ``input``): log q, not q.
    p : ndarray, shape of log_q
        Target probabilities, or log-probabilities when ``log_target``.
    reduction : {"none", "mean", "sum", "batchmean"}
        "mean" divides the sum by every element (torch's default, not the KL divergence
        of a batch); "batchmean" divides by the batch size log_q.shape[0] (1 for 0-d).
    log_target : bool
        Whether ``p`` holds log p.

    Returns
    -------
    loss : ndarray
        l_i = p_i (log p_i - log q_i), with 0 log 0 = 0, reduced.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``log_q`` and ``p`` when their shapes differ, ``log_target`` when it is
        not a bool, ``reduction`` when it is unknown. Empty inputs give torch's NaN for
        "mean" and "batchmean" of no rows, 0 for "sum"; a negative probability gives NaN.
    """
    checks.same_shape(log_q, p, "log_q", "p")
    if not isinstance(log_target, (bool, np.bool_)):
        raise ValueError(f"log_target must be a bool, got {log_target!r}")
    _check_reduction(reduction, KL_REDUCTIONS)
    if log_target:
        target = np.exp(p)
        losses = target * (p - log_q)
    else:
        target = p
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 is unused (p = 0 costs 0); log of p < 0 is NaN
            losses = np.where(p == 0, 0, p * np.log(np.where(p == 0, 1, p))) - p * log_q
    losses = losses.astype(log_q.dtype, copy=False)
    if reduction == "batchmean":
        loss, scale = _reduce(losses, "mean", log_q.shape[0] if log_q.ndim else 1)
    else:
        loss, scale = _reduce(losses, reduction)
    return loss, (target, scale)


def kl_div_backward(dout, cache):
    """Gradient with respect to log q: minus the target probabilities.

    Returns
    -------
    dlog_q : ndarray, shape of log_q
        dL/dlog_q_i = -dout * scale * p_i (p_i = exp of the target when ``log_target``).
    """
    target, scale = cache
    return (-dout * scale * target).astype(target.dtype, copy=False)
