"""Broadcasting and matrix products with jax.numpy; jax.vjp un-broadcasts the gradients."""

import jax.numpy as jnp


def broadcast_add(a, b):
    return jnp.add(a, b)  # broadcasts like NumPy


def broadcast_mul(a, b):
    return jnp.multiply(a, b)  # element-wise, not jnp.matmul


def matmul(a, b):
    return jnp.matmul(a, b)  # batched over broadcast leading axes
