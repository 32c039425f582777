"""Costs with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle
import paddle.nn.functional as F


def binary_cross_entropy(p, y, *, reduction="mean"):
    # Paddle's BCELoss, like torch's, clamps log(p) at -100.
    return F.binary_cross_entropy(p, y, reduction=reduction)


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


def cross_entropy(logits, target, *, reduction="mean"):
    # Logits (N, C, ...) with class indices (N, ...), int64; the softmax is inside. Paddle's
    # class axis defaults to the last: torch's is 1 (0 for unbatched (C,) logits).
    return F.cross_entropy(logits, target, axis=1 if logits.ndim > 1 else 0, reduction=reduction)


# Catalog sides (comparisons/divergences/losses.py).


def binary_cross_entropy_with_logits_default(z, y, *, reduction="mean"):
    """F.binary_cross_entropy_with_logits without pos_weight: its gradient at exactly z = 0 is sigmoid(0) - y - 1."""
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction)


def cross_entropy_by_logsumexp(logits, target, *, reduction="mean"):
    """nll_loss of logits - logsumexp(logits): the log-softmax taken outside Paddle's kernel (no clip at -64)."""
    axis = 1 if logits.ndim > 1 else 0
    return F.nll_loss(logits - paddle.logsumexp(logits, axis=axis, keepdim=True), target, reduction=reduction)


def smooth_l1_loss(y_pred, y_true, *, delta, reduction="none", divide_by_delta=False):
    """F.smooth_l1_loss(delta): with its default is_huber=True this is the Huber loss, not torch's SmoothL1Loss."""
    loss = F.smooth_l1_loss(y_pred, y_true, reduction=reduction, delta=delta)
    return loss / delta if divide_by_delta else loss  # torch's smooth_l1(beta) is Huber(delta=beta) / beta
