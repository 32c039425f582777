"""Regularisation with optax and jax.grad: add_decayed_weights chained before SGD (L2), an L1 penalty in the loss."""

import jax
import jax.numpy as jnp
import optax
from flax import linen as nn
from flax.training.early_stopping import EarlyStopping

from framework_impls.jax_impl.regression import cross_entropy, mean_squared_error


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


def early_stopping(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta, flax_patience=None):
    """``flax_patience`` is what flax's EarlyStopping is given: patience - 1 unless set (early-stopping-patience)."""
    model = nn.Dense(w.shape[0])
    optimizer = optax.sgd(learning_rate=lr)

    @jax.jit
    def epoch(params, state):
        loss, grads = jax.value_and_grad(lambda p: cross_entropy(model.apply({"params": p}, x_train), y_train))(params)
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        return params, state, loss, cross_entropy(model.apply({"params": params}, x_val), y_val)

    # flax stops on the non-improving update that finds patience_count >= patience already, one epoch
    # after Keras's EarlyStopping(patience) would: patience - 1 gives Keras's rule.
    stop = EarlyStopping(min_delta=min_delta, patience=patience - 1 if flax_patience is None else flax_patience)
    params = {"kernel": w.T, "bias": b}  # torch (out, in) -> flax (in, out)
    state, losses, val_losses = optimizer.init(params), [], []
    for _ in range(epochs):
        params, state, loss, val_loss = epoch(params, state)
        losses.append(loss)
        val_losses.append(val_loss)
        stop = stop.update(float(val_loss))
        if stop.should_stop:
            break
    dtype = x_train.dtype
    return {"loss": jnp.stack(losses), "val_loss": jnp.stack(val_losses), "epochs": jnp.asarray(len(losses), dtype),
            "w": params["kernel"].T, "b": params["bias"]}


def early_stopping_epochs(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta, flax_patience=None):
    """The number of epochs :func:`early_stopping` runs (catalog entry early-stopping-patience)."""
    return early_stopping(x_train, y_train, x_val, y_val, w, b, epochs=epochs, lr=lr, patience=patience,
                          min_delta=min_delta, flax_patience=flax_patience)["epochs"]
