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
    # gradient at exactly z = 0 is sigmoid(0) - y - 1 (its max(z, 0) and |z| take opposite sides there).
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction, pos_weight=paddle.ones_like(z))


def cross_entropy(logits, target, *, reduction="mean"):
    # Logits (N, C, ...) with class indices (N, ...), int64; the softmax is inside. Paddle's
    # class axis defaults to the last: torch's is 1 (0 for unbatched (C,) logits).
    return F.cross_entropy(logits, target, axis=1 if logits.ndim > 1 else 0, reduction=reduction)
