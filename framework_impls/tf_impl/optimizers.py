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
    """Apply ``grads[t]`` with a Keras optimiser and record the parameter after each step."""
    theta = keras.Variable(theta0, dtype=theta0.dtype.name)
    optimizer = OPTIMIZERS[name](**hyper)
    rows = []
    for g in grads:
        optimizer.apply_gradients([(g, theta)])
        rows.append(tf.identity(theta.value))
    return {"theta": tf.stack(rows)}


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
