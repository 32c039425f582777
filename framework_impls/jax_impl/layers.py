"""Layers with flax.linen; jax.vjp supplies the gradients."""

import jax
import jax.numpy as jnp
from flax import linen as nn


def linear(x, w, b):
    # flax Dense keeps its kernel as (in, out): w.T is torch's (out, in) layout; x may be (..., in).
    if b.shape == (w.shape[0],):
        return nn.Dense(w.shape[0]).apply({"params": {"kernel": w.T, "bias": b}}, x)
    # Dense's bias is (out,) only: a bias of another broadcasting shape, such as (1,), is added after it.
    return nn.Dense(w.shape[0], use_bias=False).apply({"params": {"kernel": w.T}}, x) + b


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    layer = nn.BatchNorm(
        axis=1,  # NCHW: the channel is axis 1 (flax's default -1 is NHWC's)
        momentum=1 - momentum,  # flax's momentum is the weight of the old running value: torch's 1 - m
        epsilon=eps,
        use_fast_variance=False,  # the two-pass mean((x - mu)^2), not flax's default mean(x^2) - mu^2
    )
    variables = {"params": {"scale": gamma, "bias": beta}, "batch_stats": {"mean": running_mean, "var": running_var}}
    out, state = layer.apply(variables, x, use_running_average=not training, mutable=["batch_stats"])
    new_mean, new_var = state["batch_stats"]["mean"], state["batch_stats"]["var"]
    if training:
        # flax's running variance takes the biased batch variance, torch's the unbiased one:
        # scale the new batch's share by m / (m - 1).
        m = x.size // x.shape[1]
        kept = (1 - momentum) * running_var
        new_var = kept + (new_var - kept) * (m / (m - 1))
    return {"out": out, "running_mean": new_mean, "running_var": new_var}


def dropout(x, *, p, seed=0):
    """flax's nn.Dropout in training mode, and the keep-mask it drew from ``seed`` read back from its output."""
    out = nn.Dropout(rate=p, deterministic=False).apply({}, x, rngs={"dropout": jax.random.key(seed)})
    return {"out": out, "mask": (out != 0).astype(x.dtype)}  # x has no zeros: a zero output is a dropped unit


# Normalisation layers and embeddings (flax.linen, its parameters given as the variables)


def _trailing_axes(x, gamma):
    """The axes torch's normalized_shape = gamma.shape covers: the last gamma.ndim of x."""
    return tuple(range(x.ndim - gamma.ndim, x.ndim))


def layer_norm(x, gamma, beta, *, eps=1e-5):
    axes = _trailing_axes(x, gamma)
    layer = nn.LayerNorm(
        epsilon=eps,  # flax's default is 1e-6
        reduction_axes=axes, feature_axes=axes,  # gamma and beta span every normalised axis, as in torch
        use_fast_variance=False,  # two-pass mean((x - mu)^2): flax's default mean(x^2) - mu^2 cancels at a large mean
    )
    return layer.apply({"params": {"scale": gamma, "bias": beta}}, x)


def group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    layer = nn.GroupNorm(num_groups=num_groups, epsilon=eps, use_fast_variance=False)  # flax eps 1e-6, fast variance
    channels_last = jnp.moveaxis(x, 1, -1)  # flax groups the last axis (NHWC): move NCHW's channels there
    out = layer.apply({"params": {"scale": gamma, "bias": beta}}, channels_last)
    return jnp.moveaxis(out, -1, 1)


def rms_norm(x, gamma, *, eps=None):
    if eps is None:
        eps = float(jnp.finfo(x.dtype).eps)  # torch's default eps=None; flax's is 1e-6
    axes = _trailing_axes(x, gamma)
    layer = nn.RMSNorm(epsilon=eps, reduction_axes=axes, feature_axes=axes)
    return layer.apply({"params": {"scale": gamma}}, x)


def embedding(ids, table, *, padding_idx=None):
    if padding_idx is not None:
        # flax's Embed has no padding_idx: stop the gradient into that row as torch does
        is_padding = jnp.arange(table.shape[0]) == padding_idx % table.shape[0]
        table = jnp.where(is_padding[:, None], jax.lax.stop_gradient(table), table)
    return nn.Embed(num_embeddings=table.shape[0], features=table.shape[1]).apply({"params": {"embedding": table}}, ids)


def flax_layer_norm(x, gamma, beta, **options):
    """flax.linen.LayerNorm over the last axis, flax's defaults (epsilon=1e-6, use_fast_variance=True) but ``options``."""
    return nn.LayerNorm(**options).apply({"params": {"scale": gamma, "bias": beta}}, x)
