"""Optimisers with optax; the gradients of the driven variants come from jax.value_and_grad.

Every run is one jax.lax.scan over the steps, carrying the parameters and the optax state.
"""

import jax
import jax.numpy as jnp
import optax
from flax import linen as nn


def sgd_optimizer(*, lr):
    return optax.sgd(learning_rate=lr)


def sgd_momentum_optimizer(*, lr, momentum):
    # optax.trace keeps b = momentum * b + g from b = 0: torch's buffer (b = g on the first step).
    return optax.sgd(learning_rate=lr, momentum=momentum)


def nesterov_optimizer(*, lr, momentum):
    return optax.sgd(learning_rate=lr, momentum=momentum, nesterov=True)


def adagrad_optimizer(*, lr, eps, initial_accumulator_value=0.0):
    # optax's accumulator starts at 0.1 (torch's at 0): pass it. optax adds eps inside the square root,
    # g * rsqrt(s + eps), torch outside, g / (sqrt(s) + eps): no optax setting moves it outside.
    return optax.adagrad(learning_rate=lr, initial_accumulator_value=initial_accumulator_value, eps=eps)


def rmsprop_optimizer(*, lr, alpha, eps):
    # decay is torch's alpha; eps_in_sqrt=False puts eps outside the root, as torch (optax's default is inside).
    return optax.rmsprop(learning_rate=lr, decay=alpha, eps=eps, eps_in_sqrt=False)


def adam_optimizer(*, lr, beta1, beta2, eps):
    # eps is added to sqrt(v_hat), as torch's; eps_root (inside the root) stays 0.
    return optax.adam(learning_rate=lr, b1=beta1, b2=beta2, eps=eps, eps_root=0.0)


OPTIMIZERS = {
    "sgd": sgd_optimizer,
    "sgd_momentum": sgd_momentum_optimizer,
    "nesterov": nesterov_optimizer,
    "adagrad": adagrad_optimizer,
    "rmsprop": rmsprop_optimizer,
    "adam": adam_optimizer,
}
"""Optimiser name -> builder taking the reference's (torch's) hyper-parameter names."""


def fed_trajectory(name, theta0, grads, **hyper):
    """Feed ``grads[t]`` to an optax optimiser and record the parameter after each step."""
    optimizer = OPTIMIZERS[name](**hyper)

    def step(carry, g):
        theta, state = carry
        updates, state = optimizer.update(g, state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), theta

    _, rows = jax.lax.scan(step, (theta0, optimizer.init(theta0)), grads)
    return {"theta": rows}


def sgd(theta0, grads, *, lr):
    return fed_trajectory("sgd", theta0, grads, lr=lr)


def sgd_momentum(theta0, grads, *, lr, momentum):
    return fed_trajectory("sgd_momentum", theta0, grads, lr=lr, momentum=momentum)


def nesterov(theta0, grads, *, lr, momentum):
    return fed_trajectory("nesterov", theta0, grads, lr=lr, momentum=momentum)


def adagrad(theta0, grads, *, lr, eps, initial_accumulator_value=0.0):
    return fed_trajectory("adagrad", theta0, grads, lr=lr, eps=eps, initial_accumulator_value=initial_accumulator_value)


def rmsprop(theta0, grads, *, lr, alpha, eps):
    return fed_trajectory("rmsprop", theta0, grads, lr=lr, alpha=alpha, eps=eps)


def adam(theta0, grads, *, lr, beta1, beta2, eps):
    return fed_trajectory("adam", theta0, grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def train(params, loss_fn, optimizer, steps, hyper):
    """The training loop: value_and_grad, update, apply; losses and parameters of every step."""
    opt = OPTIMIZERS[optimizer](**hyper)

    def step(carry, _):
        p, state = carry
        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, state = opt.update(grads, state, p)
        p = optax.apply_updates(p, updates)
        return (p, state), (loss, p)

    _, (losses, history) = jax.lax.scan(step, (params, opt.init(params)), length=steps)
    return {"loss": losses, **{name: history[name] for name in params}}  # pytrees sort dict keys: restore the order


def quadratic_descent(theta0, a, b, *, optimizer, steps, hyper):
    return train({"theta": theta0}, lambda p: 0.5 * p["theta"] @ a @ p["theta"] - b @ p["theta"], optimizer, steps, hyper)


def mlp_descent(x, y, w1, b1, w2, b2, *, optimizer, steps, hyper):
    hidden_layer, output_layer = nn.Dense(w1.shape[0]), nn.Dense(w2.shape[0])

    def loss(p):
        # flax Dense kernels are (in, out): the parameters stay in torch's (out, in) layout, transposed here.
        hidden = jnp.tanh(hidden_layer.apply({"params": {"kernel": p["w1"].T, "bias": p["b1"]}}, x))
        pred = output_layer.apply({"params": {"kernel": p["w2"].T, "bias": p["b2"]}}, hidden)
        return jnp.mean(optax.squared_error(pred, y))

    return train({"w1": w1, "b1": b1, "w2": w2, "b2": b2}, loss, optimizer, steps, hyper)


# Catalog sides (comparisons/divergences/optimizers.py).


def optax_trajectory(theta0, grads, *, optimizer, **hyper):
    """optax.<optimizer>(**hyper), in optax's own names and defaults, fed ``grads[t]``: theta after each step."""
    transform = getattr(optax, optimizer)(**hyper)

    def step(carry, g):
        theta, state = carry
        updates, state = transform.update(g, state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), theta

    _, rows = jax.lax.scan(step, (theta0, transform.init(theta0)), grads)
    return rows
