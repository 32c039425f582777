"""Activations with JAX built-ins (jax.nn, jax.numpy); jax.vjp supplies the gradients."""

import jax
import jax.numpy as jnp


def sigmoid(x):
    return jax.nn.sigmoid(x)


def tanh(x):
    return jnp.tanh(x)


def relu(x):
    # jax.nn.relu carries a custom JVP: its derivative at exactly 0 is 0, as torch's and TF's.
    return jax.nn.relu(x)


def leaky_relu(x, *, negative_slope=0.01):
    # jax.nn.leaky_relu is where(x >= 0, x, slope * x): its derivative at exactly 0 is 1, where torch
    # takes the slope (catalog entry leaky-relu-grad-at-zero).
    return jax.nn.leaky_relu(x, negative_slope=negative_slope)


def elu(x, *, alpha=1.0):
    return jax.nn.elu(x, alpha=alpha)


def softplus(x, *, beta=1.0, threshold=20.0):
    # jnp.logaddexp(x, 0) with no beta: softplus of beta * x, scaled back; and no threshold (torch
    # returns x itself above beta * x = threshold), so samples that pass it skip JAX.
    return jax.nn.softplus(beta * x) / beta


def gelu(x, *, approximate="none"):
    # torch's approximate="tanh" is JAX's approximate=True; jax.nn.gelu defaults to True (the tanh form).
    return jax.nn.gelu(x, approximate=approximate == "tanh")


def softmax(x, *, axis=-1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, *, axis=-1):
    return jax.nn.log_softmax(x, axis=axis)


# Catalog sides (comparisons/divergences/activations.py): each framework's defaults, as a naive port uses them.


def gelu_default(x):
    """jax.nn.gelu with nothing passed: JAX's default form."""
    return jax.nn.gelu(x)  # approximate=True: the tanh approximation (torch's default is the exact erf form)


def leaky_relu_where(x, *, negative_slope=0.01):
    """Leaky relu written with jnp.where on x > 0: its derivative at exactly 0 is the slope, as torch's."""
    return jnp.where(x > 0, x, negative_slope * x)  # jax.nn.leaky_relu tests x >= 0 instead


def relu_maximum(x):
    """relu as jnp.maximum(x, 0), without jax.nn.relu's custom derivative."""
    return jnp.maximum(x, 0)  # the derivative of max at a tie splits the gradient: 0.5 at x = 0
