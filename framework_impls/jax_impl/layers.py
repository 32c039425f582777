"""Layers with flax.linen; jax.vjp supplies the gradients."""

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


def dropout(x, mask, *, p):
    # flax's nn.Dropout draws its own mask from an rng; with an injected one, inverted dropout is this product.
    return x * mask / (1 - p)
