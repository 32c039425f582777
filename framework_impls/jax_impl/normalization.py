"""Data normalisation with jax.numpy; jax.vjp supplies the gradients."""

import jax.numpy as jnp
from flax import linen as nn


def min_max_normalize(x, *, axis=0):
    # jnp.min / jnp.max split the gradient evenly among tied extremes.
    lo, hi = jnp.min(x, axis=axis, keepdims=True), jnp.max(x, axis=axis, keepdims=True)
    span = hi - lo
    return (x - lo) / jnp.where(span == 0, 1, span)  # a constant column becomes 0


def standardize(x, *, axis=0):
    # jnp.var is NumPy's: ddof=0 (the population variance), two-pass. jax.nn.standardize
    # would add epsilon=1e-5 to the variance and, by default, use the one-pass mean(x^2) - mean^2.
    mean, var = jnp.mean(x, axis=axis, keepdims=True), jnp.var(x, axis=axis, keepdims=True)
    return (x - mean) / jnp.sqrt(jnp.where(var == 0, 1, var))  # a constant column becomes 0


def l2_normalize(x, *, axis=1, eps=1e-12):
    # JAX has no normalize function: torch's definition x / max(||x||, eps) with jnp.linalg.norm.
    return x / jnp.maximum(jnp.linalg.norm(x, axis=axis, keepdims=True), eps)


# Catalog sides (comparisons/divergences/normalization.py).


def flax_layer_norm(x, **options):
    """flax.linen.LayerNorm over the last axis, scale 1 and bias 0, with its defaults except ``options``."""
    layer = nn.LayerNorm(**options)  # epsilon=1e-6, use_fast_variance=True by default
    features = x.shape[-1]
    params = {"scale": jnp.ones(features, x.dtype), "bias": jnp.zeros(features, x.dtype)}
    return layer.apply({"params": params}, x)


def std(x, *, axis=0):
    """jnp.std with its default ddof=0: the population (biased) standard deviation."""
    return jnp.std(x, axis=axis)
