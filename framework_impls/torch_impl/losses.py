"""Costs with PyTorch built-ins; autograd supplies the gradients."""

import torch.nn.functional as F


def binary_cross_entropy(p, y, *, reduction="mean"):
    # BCELoss clamps log(p) at -100; no effect for p inside (1e-43, 1).
    return F.binary_cross_entropy(p, y, reduction=reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    return F.mse_loss(y_pred, y_true, reduction=reduction)


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    # torch has no 1/2 (y - y_hat)^2 loss: half of MSELoss.
    return 0.5 * F.mse_loss(y_pred, y_true, reduction=reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction)


def cross_entropy(logits, target, *, reduction="mean"):
    # Logits (N, C, ...) with class indices (N, ...), int64: the softmax is inside.
    return F.cross_entropy(logits, target, reduction=reduction)


def binary_cross_entropy_clipped(p, y, *, reduction="mean", eps=1e-7):
    """Binary cross-entropy of p clipped to [eps, 1 - eps] first (catalog entry bce-clipping)."""
    # Keras's clip made visible on the torch side: it bounds the loss at -log(eps), torch's own clamp at 100.
    return F.binary_cross_entropy(p.clamp(eps, 1 - eps), y, reduction=reduction)
