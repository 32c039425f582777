"""Costs with PyTorch built-ins; autograd supplies the gradients."""

import torch.nn.functional as F


def binary_cross_entropy(p, y, *, reduction="mean", weight=None):
    # BCELoss clamps log(p) at -100; no effect for p inside (1e-43, 1).
    return F.binary_cross_entropy(p, y, weight=weight, reduction=reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    return F.mse_loss(y_pred, y_true, reduction=reduction)


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    # torch has no 1/2 (y - y_hat)^2 loss: half of MSELoss.
    return 0.5 * F.mse_loss(y_pred, y_true, reduction=reduction)


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    return F.binary_cross_entropy_with_logits(z, y, reduction=reduction)


def cross_entropy(logits, target, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
    # Logits (N, C, ...) with class indices (N, ...), int64, or probabilities (N, C, ...): the softmax is inside.
    return F.cross_entropy(
        logits, target, weight=weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )


def huber(y_pred, y_true, *, delta=1.0, reduction="mean"):
    return F.huber_loss(y_pred, y_true, reduction=reduction, delta=delta)


def smooth_l1(y_pred, y_true, *, beta=1.0, reduction="mean"):
    return F.smooth_l1_loss(y_pred, y_true, reduction=reduction, beta=beta)  # Huber(delta=beta) / beta


def kl_div(log_q, p, *, reduction="mean", log_target=False):
    # The input is log q, the target p (or log p with log_target); 'mean' divides by every element.
    return F.kl_div(log_q, p, reduction=reduction, log_target=log_target)


def binary_cross_entropy_clipped(p, y, *, reduction="mean", eps=1e-7):
    """Binary cross-entropy of p clipped to [eps, 1 - eps] first (catalog entry bce-clipping)."""
    # Keras's clip made visible on the torch side: it bounds the loss at -log(eps), torch's own clamp at 100.
    return F.binary_cross_entropy(p.clamp(eps, 1 - eps), y, reduction=reduction)


def mse_loss_broadcast(y_pred, y_true):
    """F.mse_loss on predictions (N, 1) and targets (N,): broadcast to (N, N), with a UserWarning (catalog loss-broadcast)."""
    return F.mse_loss(y_pred, y_true)


def mse_loss_reshaped(y_pred, y_true):
    """F.mse_loss with the targets reshaped to the predictions' (N, 1): the loss the user meant."""
    return F.mse_loss(y_pred, y_true.reshape(y_pred.shape))
