"""Optimisers with optax; the gradients of the driven variants come from jax.value_and_grad.

Every run is one jax.lax.scan over the steps, carrying the parameters and the optax state.
"""

import jax
import jax.numpy as jnp
import numpy as np
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


def adamw_optimizer(*, lr, beta1, beta2, eps, weight_decay):
    # update = -lr * (adam + weight_decay * theta): the decay times lr, as torch (optax's default 1e-4).
    return optax.adamw(learning_rate=lr, b1=beta1, b2=beta2, eps=eps, eps_root=0.0, weight_decay=weight_decay)


def adadelta_optimizer(*, lr, rho, eps):
    # eps inside both roots, as torch; optax's defaults are torch's (rho 0.9, eps 1e-6), lr must be given.
    return optax.adadelta(learning_rate=lr, rho=rho, eps=eps)


def nadam_optimizer(*, lr, beta1, beta2, eps, momentum_decay):
    # optax's nadam has no momentum schedule (mu_t = b1 at every step): torch's NAdam(momentum_decay=inf).
    if momentum_decay != float("inf"):
        raise ValueError(f"momentum_decay: optax's nadam has no schedule (inf), got {momentum_decay}")
    return optax.nadam(learning_rate=lr, b1=beta1, b2=beta2, eps=eps, eps_root=0.0)


OPTIMIZERS = {
    "sgd": sgd_optimizer,
    "sgd_momentum": sgd_momentum_optimizer,
    "nesterov": nesterov_optimizer,
    "adagrad": adagrad_optimizer,
    "rmsprop": rmsprop_optimizer,
    "adam": adam_optimizer,
    "adamw": adamw_optimizer,
    "adadelta": adadelta_optimizer,
    "nadam": nadam_optimizer,
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


def adamw(theta0, grads, *, lr, beta1, beta2, eps, weight_decay):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return fed_trajectory("adamw", theta0, grads, **hyper)


def adadelta(theta0, grads, *, lr, rho, eps):
    return fed_trajectory("adadelta", theta0, grads, lr=lr, rho=rho, eps=eps)


def nadam(theta0, grads, *, lr, beta1, beta2, eps, momentum_decay):
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "momentum_decay": momentum_decay}
    return fed_trajectory("nadam", theta0, grads, **hyper)


def clip_grad_norm_optimizer(*, lr, max_norm):
    # clip_by_global_norm scales every leaf by max_norm / norm when the norm of all leaves exceeds max_norm.
    return optax.chain(optax.clip_by_global_norm(max_norm), optax.sgd(learning_rate=lr))


def clip_grad_norm(w0, b0, w_grads, b_grads, *, lr, max_norm):
    """SGD whose gradients are first scaled together to a global norm of at most max_norm."""
    optimizer = clip_grad_norm_optimizer(lr=lr, max_norm=max_norm)

    def step(carry, grads):
        params, state = carry
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        return (params, state), params

    params = {"w": w0, "b": b0}
    _, history = jax.lax.scan(step, (params, optimizer.init(params)), {"w": w_grads, "b": b_grads})
    return {"w": history["w"], "b": history["b"]}


def learning_rate_schedule(*, schedule, lr, step_size=None, gamma=None, t_max=None, eta_min=0.0, dtype="float32"):
    """The optax schedule (a function of the update count) for a schedule named as in the reference."""
    # optax counts updates in int32, and int32 / int is float32 in JAX: constants in the parameters' dtype
    # keep a float64 schedule in float64. NumPy constants, not jnp: optax tests decay_rate == 0 in Python,
    # which a traced constant cannot answer.
    lr, gamma = np.asarray(lr, dtype), None if gamma is None else np.asarray(gamma, dtype)
    if schedule == "step":
        return optax.exponential_decay(lr, transition_steps=step_size, decay_rate=gamma, staircase=True)
    if schedule == "exponential":
        return optax.exponential_decay(lr, transition_steps=1, decay_rate=gamma)
    # alpha is eta_min as a fraction of lr; optax stays at eta_min after decay_steps (torch climbs back)
    return optax.cosine_decay_schedule(lr, decay_steps=t_max, alpha=eta_min / lr)


def lr_schedule(theta0, grads, *, schedule, lr, **schedule_hyper):
    """SGD under an optax schedule, evaluated at every update: the learning rate and theta of each step."""
    # inject_hyperparams keeps the learning rate of the current update in the optimiser's state
    optimizer = optax.inject_hyperparams(optax.sgd)(
        learning_rate=learning_rate_schedule(schedule=schedule, lr=lr, dtype=theta0.dtype, **schedule_hyper)
    )

    def step(carry, g):
        theta, state = carry
        updates, state = optimizer.update(g, state, theta)
        theta = optax.apply_updates(theta, updates)
        return (theta, state), (state.hyperparams["learning_rate"], theta)

    _, (rates, rows) = jax.lax.scan(step, (theta0, optimizer.init(theta0)), grads)
    return {"lr": rates.astype(theta0.dtype), "theta": rows}


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
