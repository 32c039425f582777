"""The trained dense network as a flax.linen model (no export: ONNX export from JAX is not covered)."""

import functools

import jax.numpy as jnp
from flax import linen as nn

ACTIVATIONS = {"sigmoid": nn.sigmoid, "relu": nn.relu, "softmax": functools.partial(nn.softmax, axis=1)}


def build_network(weights, activations):
    """nn.Sequential of Dense layers and the parameter tree holding the given (out, in) weights."""
    layers, params = [], {}
    for k, (w, b, activation) in enumerate(zip(weights[::2], weights[1::2], activations)):
        params[f"layers_{2 * k}"] = {"kernel": w.T, "bias": b}  # Dense kernels are (in, out): transpose
        layers += [nn.Dense(w.shape[0]), ACTIVATIONS[activation]]
    return nn.Sequential(layers), {"params": params}


def dense_network(x, w1, b1, w2, b2, *, activations):
    model, params = build_network((w1, b1, w2, b2), activations)
    probabilities = model.apply(params, x)
    return {"out": probabilities, "prediction": _predict(probabilities)}


def _predict(probabilities):
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] > 0.5).astype(jnp.int64)  # int64 needs jax_enable_x64 (else int32)
    return jnp.argmax(probabilities, axis=1).astype(jnp.int64)
