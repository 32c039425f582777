"""Regularisation with optax and jax.grad: add_decayed_weights chained before SGD (L2), an L1 penalty in the loss."""

import jax
import jax.numpy as jnp
import optax
from flax import linen as nn

from framework_impls.jax_impl.regression import mean_squared_error


def sgd_weight_decay(theta0, grads, *, lr, weight_decay):
    # add_decayed_weights adds weight_decay * theta to the gradient before the step: torch's SGD weight_decay.
    optimizer = optax.chain(optax.add_decayed_weights(weight_decay), optax.sgd(learning_rate=lr))

    def step(carry, g):
        theta, state = carry
        updates, state = optimizer.update(g, state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), theta

    _, rows = jax.lax.scan(step, (theta0, optimizer.init(theta0)), grads)
    return {"theta": rows}


def l1_regularization(x, y, w, b, *, steps, lr, lam, zero_subgradient=False):
    """``zero_subgradient`` writes the penalty so that its gradient at w = 0 is 0, as torch's (l1-subgradient-at-zero)."""
    model = nn.Dense(1)

    def penalty(kernel):
        if zero_subgradient:
            # Value |w|; gradient sign(w) + w * 0 = sign(w), 0 at 0 (sign is flat almost everywhere).
            return lam * jnp.sum(jnp.sign(kernel) * kernel)
        return lam * jnp.sum(jnp.abs(kernel))  # jax.grad(jnp.abs)(0.0) is 1, not 0

    params = {"kernel": w.T, "bias": b}  # torch (out, in) -> flax (in, out)
    optimizer = optax.sgd(learning_rate=lr)

    def step(carry, _):
        params, state = carry

        def loss_of(p):
            return mean_squared_error(model.apply({"params": p}, x), y) + penalty(p["kernel"])

        loss, grads = jax.value_and_grad(loss_of)(params)
        updates, state = optimizer.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), loss

    (params, _), loss = jax.lax.scan(step, (params, optimizer.init(params)), length=steps)
    return {"loss": loss, "w": params["kernel"].T, "b": params["bias"]}


def l1_final_w(x, y, w, b, *, steps, lr, lam, zero_subgradient=False):
    """The weights after :func:`l1_regularization` (catalog entry l1-subgradient-at-zero)."""
    return l1_regularization(x, y, w, b, steps=steps, lr=lr, lam=lam, zero_subgradient=zero_subgradient)["w"]
