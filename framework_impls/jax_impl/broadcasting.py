"""Broadcasting and matrix products with jax.numpy; jax.vjp un-broadcasts the gradients."""

import jax
import jax.numpy as jnp
import numpy as np


def broadcast_add(a, b):
    return jnp.add(a, b)  # broadcasts like NumPy


def broadcast_mul(a, b):
    return jnp.multiply(a, b)  # element-wise, not jnp.matmul


def matmul(a, b):
    return jnp.matmul(a, b)  # batched over broadcast leading axes


# Catalog sides (comparisons/divergences/broadcasting.py).


def matmul_without_x64(a, b):
    """jnp.matmul as JAX computes it out of the box: jax_enable_x64 off, NumPy inputs converted there."""
    with jax.enable_x64(False):  # JAX's default; the witness worker turns x64 on
        a, b = jnp.asarray(np.asarray(a)), jnp.asarray(np.asarray(b))  # float64 NumPy arrays become float32
        return jnp.matmul(a, b)
