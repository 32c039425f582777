"""Costs with optax losses and jax.scipy; jax.vjp supplies the gradients.

optax losses return element-wise values (no reduction), so these functions reduce
them the way torch does.
"""

import jax.numpy as jnp
import optax
from jax.scipy.special import xlog1py, xlogy


def _reduce(losses, reduction):
    """torch's reductions over element-wise losses: "none", "mean" or "sum"."""
    if reduction == "none":
        return losses
    return jnp.sum(losses) if reduction == "sum" else jnp.mean(losses)


def binary_cross_entropy(p, y, *, reduction="mean"):
    # optax has a binary cross-entropy of logits only; on probabilities, jax.scipy's xlogy and
    # xlog1py (0 where the weight is 0, log(1 - p) as log1p(-p)); no clipping or clamping.
    return _reduce(-(xlogy(y, p) + xlog1py(1 - y, -p)), reduction)


def mse(y_pred, y_true, *, reduction="mean"):
    return _reduce(optax.squared_error(y_pred, y_true), reduction)  # (y_pred - y_true) ** 2


def half_squared_error(y_pred, y_true, *, reduction="mean"):
    return _reduce(optax.l2_loss(y_pred, y_true), reduction)  # optax's l2_loss is 0.5 (y_pred - y_true) ** 2


def binary_cross_entropy_with_logits(z, y, *, reduction="mean"):
    # -y log_sigmoid(z) - (1 - y) log_sigmoid(-z): logits first, labels second.
    return _reduce(optax.sigmoid_binary_cross_entropy(z, y), reduction)


def cross_entropy(logits, target, *, reduction="mean"):
    # Integer class indices; optax's class axis defaults to the last: torch's is 1 (0 unbatched).
    axis = 0 if logits.ndim == 1 else 1
    return _reduce(optax.softmax_cross_entropy_with_integer_labels(logits, target, axis=axis), reduction)
