"""Costs with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle
import paddle.nn.functional as F


def binary_cross_entropy(p, y, *, reduction="mean", weight=None):
    # Paddle's BCELoss, like torch's, clamps log(p) at -100.
    return F.binary_cross_entropy(p, y, weight=weight, reduction=reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    return F.mse_loss(y_pred, y_true, reduction=reduction)


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    # Paddle has no 1/2 (y - y_hat)^2 loss: half of mse_loss.
    return 0.5 * F.mse_loss(y_pred, y_true, reduction=reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    # pos_weight=1 changes no value but selects the kernel's pos_weight branch: without it Paddle's
    # gradient at exactly z = 0 is sigmoid(0) - y - 1 (its max(z, 0) and |z| take opposite sides there;
    # catalog entry paddle-bce-logits-grad-at-zero). Keep it until Paddle's kernel is fixed.
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction, pos_weight=paddle.ones_like(z))


def cross_entropy(logits, target, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
    # Logits (N, C, ...) with class indices (N, ...), int64, or probabilities (soft_label=True); the softmax
    # is inside. Paddle's class axis is the last: torch's is 1 (0 for unbatched (C,) logits). Passing axis=1
    # is not enough: Paddle's label smoothing divides eps by the size of the last axis whatever the axis.
    axis = 1 if logits.ndim > 1 else 0
    soft_label = paddle.is_floating_point(target) and target.shape == logits.shape
    logits = paddle.moveaxis(logits, axis, -1)  # torch's (N, C, d) -> Paddle's (N, d, C)
    label = paddle.moveaxis(target, axis, -1) if soft_label else target
    if soft_label and weight is not None:
        losses = soft_cross_entropy_weighted(logits, label, weight)  # catalog paddle-soft-label-weight
    else:
        losses = F.cross_entropy(logits, label, weight=weight, ignore_index=ignore_index, reduction="none",
                                 soft_label=soft_label, label_smoothing=label_smoothing)
    if losses.ndim == logits.ndim:
        losses = losses.squeeze(-1)  # Paddle may keep the class axis, with size 1
    if reduction != "mean" or soft_label:
        return {"none": losses, "sum": losses.sum(), "mean": losses.mean()}[reduction]
    # Paddle's mean over class indices divides by every position; torch's by the weights of the positions kept.
    kept = (target != ignore_index).astype(logits.dtype)
    if weight is not None:
        kept = kept * paddle.gather(weight, target.clip(min=0).flatten()).reshape(target.shape)
    return losses.sum() / kept.sum()


def huber(y_pred, y_true, *, delta=1.0, reduction="mean"):
    # Paddle has no huber_loss: its smooth_l1_loss with is_huber=True (the default) is the Huber loss.
    return F.smooth_l1_loss(y_pred, y_true, reduction=reduction, delta=delta, is_huber=True)


def smooth_l1(y_pred, y_true, *, beta=1.0, reduction="mean"):
    if beta == 0:
        return F.l1_loss(y_pred, y_true, reduction=reduction)  # torch's smooth L1 with beta 0 is the L1 loss
    # is_huber=False: torch's smooth L1 (Huber / delta); the default is_huber=True would be Huber itself.
    return F.smooth_l1_loss(y_pred, y_true, reduction=reduction, delta=beta, is_huber=False)


def kl_div(log_q, p, *, reduction="mean", log_target=False):
    # As torch: the input is log q, the target p (or log p); 'mean' divides by every element.
    return F.kl_div(log_q, p, reduction=reduction, log_target=log_target)


# Catalog sides (comparisons/divergences/losses.py).


def binary_cross_entropy_with_logits_default(z, y, *, reduction="mean"):
    """F.binary_cross_entropy_with_logits without pos_weight: its gradient at exactly z = 0 is sigmoid(0) - y - 1."""
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction)


def soft_cross_entropy_weighted(logits, target, weight):
    """torch's class-weighted loss on probability targets, ``-sum_c w_c p_c log softmax(z)_c``, class axis last.

    Paddle's ``F.cross_entropy(soft_label=True, weight=w)`` scales the unweighted loss
    ``-sum_c p_c log softmax(z)_c`` of a position by ``sum_c w_c p_c`` instead, and its mean
    divides by the sum of those scales.
    """
    return -(weight * target * F.log_softmax(logits, axis=-1)).sum(axis=-1)


def cross_entropy_by_logsumexp(logits, target, *, reduction="mean"):
    """nll_loss of logits - logsumexp(logits): the log-softmax taken outside Paddle's kernel (no clip at -64)."""
    axis = 1 if logits.ndim > 1 else 0
    return F.nll_loss(logits - paddle.logsumexp(logits, axis=axis, keepdim=True), target, reduction=reduction)


def cross_entropy_axis1(logits, target, *, reduction="mean", **options):
    """F.cross_entropy(logits, target, axis=1) with Paddle's own reduction (catalog paddle-ce-ignore-mean, -smoothing-axis)."""
    return F.cross_entropy(logits, target, axis=1, reduction=reduction, **options)


def smooth_l1_loss(y_pred, y_true, *, delta, reduction="none", divide_by_delta=False):
    """F.smooth_l1_loss(delta): with its default is_huber=True this is the Huber loss, not torch's SmoothL1Loss."""
    loss = F.smooth_l1_loss(y_pred, y_true, reduction=reduction, delta=delta)
    return loss / delta if divide_by_delta else loss  # torch's smooth_l1(beta) is Huber(delta=beta) / beta
