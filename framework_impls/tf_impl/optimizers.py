"""Optimisers with keras.optimizers; the gradients of the driven variants come from tf.GradientTape."""

import keras
import tensorflow as tf


def sgd_optimizer(*, lr):
    return keras.optimizers.SGD(learning_rate=lr)


def sgd_momentum_optimizer(*, lr, momentum):
    # Keras keeps v = momentum * v - lr * g and adds it: torch's buffer times -lr.
    return keras.optimizers.SGD(learning_rate=lr, momentum=momentum)


def nesterov_optimizer(*, lr, momentum):
    return keras.optimizers.SGD(learning_rate=lr, momentum=momentum, nesterov=True)


def adagrad_optimizer(*, lr, eps, initial_accumulator_value=0.0):
    # Keras adds epsilon inside the square root: g / sqrt(s + eps).
    return keras.optimizers.Adagrad(learning_rate=lr, epsilon=eps, initial_accumulator_value=initial_accumulator_value)


def rmsprop_optimizer(*, lr, alpha, eps):
    # rho is torch's alpha; epsilon again inside the square root.
    return keras.optimizers.RMSprop(learning_rate=lr, rho=alpha, epsilon=eps)


def adam_optimizer(*, lr, beta1, beta2, eps):
    # epsilon is added to sqrt(v), not sqrt(v_hat): the bias correction is folded into lr.
    return keras.optimizers.Adam(learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps)


def adamw_optimizer(*, lr, beta1, beta2, eps, weight_decay):
    # Keras's weight_decay is decoupled in every optimiser: theta -= lr * weight_decay * theta (default 0.004).
    return keras.optimizers.AdamW(learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps, weight_decay=weight_decay)


def adadelta_optimizer(*, lr, rho, eps):
    # Keras's defaults are lr 1e-3, rho 0.95, epsilon 1e-7 (torch's 1.0, 0.9, 1e-6): pass all three.
    return keras.optimizers.Adadelta(learning_rate=lr, rho=rho, epsilon=eps)


def nadam_optimizer(*, lr, beta1, beta2, eps, momentum_decay):
    # Keras's momentum schedule is fixed at beta1 * (1 - 0.5 * 0.96 ** t): torch's NAdam(momentum_decay=1).
    if momentum_decay != 1:
        raise ValueError(f"momentum_decay: Keras's Nadam schedule is fixed at 0.96 ** t (1), got {momentum_decay}")
    return keras.optimizers.Nadam(learning_rate=lr, beta_1=beta1, beta_2=beta2, epsilon=eps)


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


def apply_fed(optimizer, initial, grads):
    """Feed given gradients to a Keras optimiser, step by step, in one compiled step.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
    initial : list of ndarray
        The starting value of each variable.
    grads : list of ndarray
        For each variable, its gradient at every step: shape (steps, *variable.shape).

    Returns
    -------
    values : list of tf.Tensor
        Each variable after every step, shape (steps, *variable.shape).
    rates : tf.Tensor, shape (steps,)
        The learning rate each step applied (a schedule's value at that step), in the
        variables' dtype.
    """
    variables = [keras.Variable(v, dtype=v.dtype.name) for v in initial]
    optimizer.build(variables)  # slots exist before tracing
    dtype = initial[0].dtype

    @tf.function  # one graph for every step: an eager apply_gradients costs about 17 ms
    def step(gradients):
        rate = tf.cast(optimizer.learning_rate, dtype)  # a schedule at optimizer.iterations
        optimizer.apply_gradients(zip(gradients, variables))
        return rate, [tf.identity(v.value) for v in variables]

    steps = [step([tf.convert_to_tensor(g[t]) for g in grads]) for t in range(len(grads[0]))]
    rates = tf.stack([rate for rate, _ in steps])
    values = [tf.stack([after[i] for _, after in steps]) for i in range(len(variables))]
    return values, rates


def fed_trajectory(name, theta0, grads, **hyper):
    """Apply ``grads[t]`` with a Keras optimiser and record the parameter after each step."""
    (theta,), _ = apply_fed(OPTIMIZERS[name](**hyper), [theta0], [grads])
    return {"theta": theta}


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
    # global_clipnorm: one norm over all gradients, as torch's clip_grad_norm_ (clipnorm is per variable).
    return keras.optimizers.SGD(learning_rate=lr, global_clipnorm=max_norm)


def clip_grad_norm(w0, b0, w_grads, b_grads, *, lr, max_norm):
    """SGD whose gradients are first scaled together to a global norm of at most max_norm."""
    (w, b), _ = apply_fed(clip_grad_norm_optimizer(lr=lr, max_norm=max_norm), [w0, b0], [w_grads, b_grads])
    return {"w": w, "b": b}


def learning_rate_schedule(*, schedule, lr, step_size=None, gamma=None, t_max=None, eta_min=0.0, dtype="float32"):
    """The keras.optimizers.schedules object for a schedule named as in the reference (torch's names)."""
    schedules = keras.optimizers.schedules
    # A schedule computes in the dtype of its initial learning rate: floatx (float32) for a Python float.
    initial = keras.ops.convert_to_tensor(lr, dtype=dtype)
    if schedule == "step":
        # staircase: gamma ** floor(step / step_size), counted in optimiser steps
        return schedules.ExponentialDecay(initial, decay_steps=step_size, decay_rate=gamma, staircase=True)
    if schedule == "exponential":
        return schedules.ExponentialDecay(initial, decay_steps=1, decay_rate=gamma)
    # alpha is eta_min as a fraction of lr; Keras stays at eta_min after decay_steps (torch climbs back)
    return schedules.CosineDecay(initial, decay_steps=t_max, alpha=eta_min / lr)


def lr_schedule(theta0, grads, *, schedule, lr, **schedule_hyper):
    """SGD under a Keras schedule, which Keras evaluates at every optimiser step: lr and theta of each step."""
    rates = learning_rate_schedule(schedule=schedule, lr=lr, dtype=theta0.dtype.name, **schedule_hyper)
    (theta,), applied = apply_fed(keras.optimizers.SGD(learning_rate=rates), [theta0], [grads])
    return {"lr": applied, "theta": theta}


def train(params, loss_fn, optimizer, steps, hyper):
    """The custom training loop: tape the loss, take gradients, apply them, in a compiled step."""
    variables = {name: keras.Variable(t, dtype=t.dtype.name) for name, t in params.items()}
    opt = OPTIMIZERS[optimizer](**hyper)
    opt.build(list(variables.values()))  # slots exist before tracing

    @tf.function  # one graph for all steps: three times faster than eager, the same numbers
    def step():
        with tf.GradientTape() as tape:
            loss = loss_fn(variables)
        grads = tape.gradient(loss, list(variables.values()))
        opt.apply_gradients(zip(grads, variables.values()))
        return loss

    history = {"loss": [], **{name: [] for name in params}}
    for _ in range(steps):
        history["loss"].append(step())
        for name, v in variables.items():
            history[name].append(tf.identity(v.value))
    return {name: tf.stack(values) for name, values in history.items()}


def quadratic_descent(theta0, a, b, *, optimizer, steps, hyper):
    def loss(v):
        theta = v["theta"].value
        return 0.5 * tf.tensordot(theta, tf.linalg.matvec(a, theta), 1) - tf.tensordot(b, theta, 1)

    return train({"theta": theta0}, loss, optimizer, steps, hyper)


def mlp_descent(x, y, w1, b1, w2, b2, *, optimizer, steps, hyper):
    def loss(v):
        # Dense kernels are (in, out) in Keras: transpose_b keeps torch's (out, in) weights.
        hidden = tf.tanh(tf.matmul(x, v["w1"].value, transpose_b=True) + v["b1"].value)
        pred = tf.matmul(hidden, v["w2"].value, transpose_b=True) + v["b2"].value
        return tf.reduce_mean(keras.losses.mean_squared_error(y, pred))

    return train({"w1": w1, "b1": b1, "w2": w2, "b2": b2}, loss, optimizer, steps, hyper)


# Catalog sides (comparisons/divergences/optimizers.py): a side returns one array, the trajectory.


def trajectory(theta0, grads, *, optimizer, **hyper):
    """The parameter after each of the fed gradients, (steps, *theta0.shape), for the named optimiser."""
    return fed_trajectory(optimizer, theta0, grads, **hyper)["theta"]


def sgd_momentum_lr_halved(theta0, grads, *, lr, momentum, from_step):
    """SGD with momentum fed ``grads``, the learning rate halved from step ``from_step`` (0-based) on."""
    # The schedule sees the number of steps already taken and keeps values[0] while it is <= the boundary.
    halved = keras.optimizers.schedules.PiecewiseConstantDecay([from_step - 1], [lr, lr / 2])
    # v = momentum * v - lr * g holds scaled steps: a new lr applies to new gradients only
    return fed_trajectory("sgd_momentum", theta0, grads, lr=halved, momentum=momentum)["theta"]


def keras_trajectory(theta0, grads, *, optimizer, **options):
    """keras.optimizers.<optimizer>(**options), in Keras's own names and defaults, fed ``grads[t]``."""
    (theta,), _ = apply_fed(getattr(keras.optimizers, optimizer)(**options), [theta0], [grads])
    return theta


def clipped_sgd(w0, b0, w_grads, b_grads, *, learning_rate, **clipping):
    """keras.optimizers.SGD(learning_rate, **clipping) (clipnorm or global_clipnorm) on two parameters.

    Returns the two parameters after each step, flattened side by side: (steps, w.size + b.size).
    """
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, **clipping)
    (w, b), _ = apply_fed(optimizer, [w0, b0], [w_grads, b_grads])
    return tf.concat([tf.reshape(w, [len(w), -1]), tf.reshape(b, [len(b), -1])], 1)


def staircase_sgd(theta0, grads, *, lr, decay_steps, gamma):
    """SGD under ExponentialDecay(staircase=True), which counts optimiser steps: theta after each step."""
    schedules = keras.optimizers.schedules
    schedule = schedules.ExponentialDecay(lr, decay_steps=decay_steps, decay_rate=gamma, staircase=True)
    return keras_trajectory(theta0, grads, optimizer="SGD", learning_rate=schedule)


def scheduled_rates(theta0, grads, *, schedule, lr, **schedule_hyper):
    """The learning rate of each update of :func:`lr_schedule`."""
    return lr_schedule(theta0, grads, schedule=schedule, lr=lr, **schedule_hyper)["lr"]
