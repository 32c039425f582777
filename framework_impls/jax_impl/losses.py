"""Costs with optax losses and jax.scipy; jax.vjp supplies the gradients.

optax losses return element-wise values (no reduction), so these functions reduce
them the way torch does.
"""

import jax
import jax.numpy as jnp
import optax
from jax.scipy.special import xlog1py, xlogy


def _reduce(losses, reduction):
    """torch's reductions over element-wise losses: "none", "mean" or "sum"."""
    if reduction == "none":
        return losses
    return jnp.sum(losses) if reduction == "sum" else jnp.mean(losses)


def binary_cross_entropy(p, y, *, reduction="mean", weight=None):
    # optax has a binary cross-entropy of logits only; on probabilities, jax.scipy's xlogy and
    # xlog1py (0 where the weight is 0, log(1 - p) as log1p(-p)); no clipping or clamping.
    losses = -(xlogy(y, p) + xlog1py(1 - y, -p))
    return _reduce(losses if weight is None else losses * weight, reduction)  # torch's weight: one factor per element


def mse(y_pred, y_true, *, reduction="mean"):
    return _reduce(optax.squared_error(y_pred, y_true), reduction)  # (y_pred - y_true) ** 2


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    return _reduce(optax.l2_loss(y_pred, y_true), reduction)  # optax's l2_loss is 0.5 (y_pred - y_true) ** 2


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    # -y log_sigmoid(z) - (1 - y) log_sigmoid(-z): logits first, labels second.
    return _reduce(optax.sigmoid_binary_cross_entropy(z, y), reduction)


def cross_entropy(logits, target, *, reduction="mean", weight=None, ignore_index=-100, label_smoothing=0.0):
    axis = 0 if logits.ndim == 1 else 1
    n_classes = logits.shape[axis]
    probabilities = jnp.issubdtype(target.dtype, jnp.floating) and target.shape == logits.shape
    logits = jnp.moveaxis(logits, axis, -1)  # torch's class axis 1 -> optax's last
    if probabilities:
        labels, kept = jnp.moveaxis(target, axis, -1), jnp.ones(logits.shape[:-1], logits.dtype)
    else:
        kept = (target != ignore_index).astype(logits.dtype)  # ignored positions get no label at all
        labels = jax.nn.one_hot(jnp.where(target == ignore_index, 0, target), n_classes, dtype=logits.dtype)
    labels = optax.smooth_labels(labels, label_smoothing)  # (1 - eps) t + eps / C
    w = jnp.ones(n_classes, logits.dtype) if weight is None else weight
    # optax has no class weight: -sum_c w_c t_c log p_c is the cross-entropy of the labels scaled by w.
    losses = optax.softmax_cross_entropy(logits, labels * w * kept[..., None])
    if reduction == "mean" and not probabilities:  # class indices: torch's weighted mean over kept positions
        return jnp.sum(losses) / jnp.sum(w[jnp.where(target == ignore_index, 0, target)] * kept)
    return _reduce(losses, reduction)


def huber(y_pred, y_true, *, delta=1.0, reduction="mean"):
    return _reduce(optax.huber_loss(y_pred, y_true, delta=delta), reduction)  # element-wise, predictions first


def smooth_l1(y_pred, y_true, *, beta=1.0, reduction="mean"):
    # optax has no smooth L1: torch's is Huber(delta=beta) / beta (catalog huber-smooth-l1), and L1 for beta 0.
    if beta == 0:
        return _reduce(jnp.abs(y_pred - y_true), reduction)
    return _reduce(optax.huber_loss(y_pred, y_true, delta=beta) / beta, reduction)


def kl_div(log_q, p, *, reduction="mean", log_target=False):
    # optax takes (log q, p) like torch and sums the last axis: a trailing axis of 1 keeps one term per element.
    kl = optax.losses.kl_divergence_with_log_targets if log_target else optax.losses.kl_divergence
    losses = kl(log_q[..., None], p[..., None])
    if reduction == "batchmean":
        return jnp.sum(losses) / (log_q.shape[0] if log_q.ndim else 1)  # torch's sum / batch size
    return _reduce(losses, reduction)
