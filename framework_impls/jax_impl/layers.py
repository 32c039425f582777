"""Layers with flax.linen; jax.vjp supplies the gradients."""

import jax
from flax import linen as nn


def linear(x, w, b):
    # flax Dense keeps its kernel as (in, out): w.T is torch's (out, in) layout.
    return nn.Dense(w.shape[0]).apply({"params": {"kernel": w.T, "bias": b}}, x)


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
