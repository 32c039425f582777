"""Optimisers in NumPy: one step function per update rule, over explicit state.

Every step has the signature ``step(params, grads, state, **hyper) -> (params, state)``:
``params`` and ``grads`` are lists of arrays (one per parameter tensor), ``state`` a
dict the step fills on its first call (``{}`` to start). Nothing is updated in place.
The conventions are PyTorch's (``torch.optim``); where Keras differs, the concept
module records the difference as a divergence.

``*_trajectory`` functions run a step function over a fed sequence of gradients;
:func:`quadratic_descent` and :func:`mlp_descent` let the optimiser follow its own
gradients on a small fixed problem. They return the parameters after every step,
stacked on a leading ``steps`` axis.
"""

import numpy as np

from reference import activations, checks, layers


def _check_step(params, grads, lr):
    """One gradient per parameter, of its shape, and a positive learning rate."""
    if len(grads) != len(params):
        raise ValueError(f"grads must hold one gradient per parameter: {len(params)} params, got {len(grads)} grads")
    for i, (p, g) in enumerate(zip(params, grads)):
        if np.shape(g) != np.shape(p):
            raise ValueError(f"grads[{i}] must have the shape of params[{i}] {np.shape(p)}, got {np.shape(g)}")
    checks.positive(lr, "lr")


def sgd_step(params, grads, state, *, lr):
    """Plain gradient descent.

    theta <- theta - lr * g

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` when not positive.
    """
    _check_step(params, grads, lr)
    return [p - lr * g for p, g in zip(params, grads)], state


def sgd_momentum_step(params, grads, state, *, lr, momentum, nesterov=False):
    """Gradient descent with (heavy-ball or Nesterov) momentum, PyTorch's convention.

    b <- momentum * b + g            (b = g on the first step)
    theta <- theta - lr * b          (Nesterov: theta - lr * (g + momentum * b))

    Keras keeps v = momentum * v - lr * g and adds v; for a constant lr the two are the
    same sequence of parameters.

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` when not positive, ``momentum`` outside [0, 1).
    """
    _check_step(params, grads, lr)
    checks.in_range(momentum, "momentum")
    buffers = state.get("momentum_buffer") or [np.array(g) for g in grads]
    if "momentum_buffer" in state:
        buffers = [momentum * b + g for b, g in zip(buffers, grads)]
    steps = [g + momentum * b for g, b in zip(grads, buffers)] if nesterov else buffers
    return [p - lr * s for p, s in zip(params, steps)], {"momentum_buffer": buffers}


def nesterov_step(params, grads, state, *, lr, momentum):
    """Nesterov momentum: :func:`sgd_momentum_step` with ``nesterov=True`` (and its checks)."""
    return sgd_momentum_step(params, grads, state, lr=lr, momentum=momentum, nesterov=True)


def adagrad_step(params, grads, state, *, lr, eps, initial_accumulator_value=0.0):
    """Adagrad: a per-coordinate learning rate from the sum of squared gradients.

    s <- s + g**2                    (s starts at initial_accumulator_value)
    theta <- theta - lr * g / (sqrt(s) + eps)

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``initial_accumulator_value`` when
        negative.
    """
    _check_step(params, grads, lr)
    checks.positive(eps, "eps")
    checks.non_negative(initial_accumulator_value, "initial_accumulator_value")
    sums = state.get("sum") or [np.full_like(p, initial_accumulator_value) for p in params]
    sums = [s + g * g for s, g in zip(sums, grads)]
    new = [p - lr * g / (np.sqrt(s) + eps) for p, g, s in zip(params, grads, sums)]
    return new, {"sum": sums}


def rmsprop_step(params, grads, state, *, lr, alpha, eps):
    """RMSprop: divide by a running root mean square of the gradients.

    v <- alpha * v + (1 - alpha) * g**2      (v starts at 0)
    theta <- theta - lr * g / (sqrt(v) + eps)

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``alpha`` outside [0, 1).
    """
    _check_step(params, grads, lr)
    checks.in_range(alpha, "alpha")
    checks.positive(eps, "eps")
    squares = state.get("square_avg") or [np.zeros_like(p) for p in params]
    squares = [alpha * v + (1 - alpha) * g * g for v, g in zip(squares, grads)]
    new = [p - lr * g / (np.sqrt(v) + eps) for p, g, v in zip(params, grads, squares)]
    return new, {"square_avg": squares}


def adam_step(params, grads, state, *, lr, beta1, beta2, eps):
    """Adam: momentum on the gradient and on its square, with bias correction.

    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

    ``t`` counts steps from 1. Keras adds its epsilon to sqrt(v) instead of
    sqrt(v_hat) (divergence ``adam-epsilon``).

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``beta1`` or ``beta2`` outside [0, 1).
    """
    _check_step(params, grads, lr)
    checks.in_range(beta1, "beta1")
    checks.in_range(beta2, "beta2")
    checks.positive(eps, "eps")
    t = state.get("step", 0) + 1
    ms = state.get("exp_avg") or [np.zeros_like(p) for p in params]
    vs = state.get("exp_avg_sq") or [np.zeros_like(p) for p in params]
    ms = [beta1 * m + (1 - beta1) * g for m, g in zip(ms, grads)]
    vs = [beta2 * v + (1 - beta2) * g * g for v, g in zip(vs, grads)]
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t  # Python floats: no float64 promotion
    new = [p - lr * (m / correction1) / (np.sqrt(v / correction2) + eps) for p, m, v in zip(params, ms, vs)]
    return new, {"step": t, "exp_avg": ms, "exp_avg_sq": vs}


STEPS = {
    "sgd": sgd_step,
    "sgd_momentum": sgd_momentum_step,
    "nesterov": nesterov_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
}
"""Optimiser name -> step function."""


def fed_trajectory(step, theta0, grads, **hyper):
    """Apply ``step`` to one parameter for each gradient of a fed sequence.

    Parameters
    ----------
    step : callable
        One of :data:`STEPS`.
    theta0 : ndarray, shape (...)
        The starting parameter.
    grads : ndarray, shape (steps, ...)
        The gradient to apply at each step.

    Returns
    -------
    dict
        ``{"theta": array of shape (steps, ...)}``, the parameter after every step.

    Raises
    ------
    ValueError
        Naming ``grads`` when it is not (steps, *theta0.shape) with steps >= 1, and
        the hyper-parameters as the step function does.
    """
    checks.gradient_sequence(theta0, grads)
    params, state, rows = [theta0], {}, []
    for g in grads:
        params, state = step(params, [g], state, **hyper)
        rows.append(params[0])
    return {"theta": np.stack(rows)}


def sgd_trajectory(theta0, grads, *, lr):
    """:func:`sgd_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(sgd_step, theta0, grads, lr=lr), None


def sgd_momentum_trajectory(theta0, grads, *, lr, momentum):
    """:func:`sgd_momentum_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(sgd_momentum_step, theta0, grads, lr=lr, momentum=momentum), None


def nesterov_trajectory(theta0, grads, *, lr, momentum):
    """:func:`nesterov_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(nesterov_step, theta0, grads, lr=lr, momentum=momentum), None


def adagrad_trajectory(theta0, grads, *, lr, eps, initial_accumulator_value=0.0):
    """:func:`adagrad_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    hyper = {"lr": lr, "eps": eps, "initial_accumulator_value": initial_accumulator_value}
    return fed_trajectory(adagrad_step, theta0, grads, **hyper), None


def rmsprop_trajectory(theta0, grads, *, lr, alpha, eps):
    """:func:`rmsprop_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(rmsprop_step, theta0, grads, lr=lr, alpha=alpha, eps=eps), None


def adam_trajectory(theta0, grads, *, lr, beta1, beta2, eps):
    """:func:`adam_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(adam_step, theta0, grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps), None


def _check_quadratic(theta, a, b, theta_name):
    """theta (n,), a (n, n), b (n,)."""
    if np.ndim(theta) != 1:
        raise ValueError(f"{theta_name} must have shape (n,), got {np.shape(theta)}")
    n = len(theta)
    if np.shape(a) != (n, n):
        raise ValueError(f"a must have shape ({n}, {n}) for {theta_name} of shape ({n},), got {np.shape(a)}")
    if np.shape(b) != (n,):
        raise ValueError(f"b must have shape ({n},) for {theta_name} of shape ({n},), got {np.shape(b)}")


def quadratic_loss(theta, a, b):
    """f(theta) = 1/2 theta^T A theta - b^T theta and its gradient A theta - b (A symmetric).

    Raises
    ------
    ValueError
        Naming ``theta`` when it is not (n,), ``a`` when not (n, n), ``b`` when not (n,).
    """
    _check_quadratic(theta, a, b, "theta")
    return 0.5 * theta @ a @ theta - b @ theta, a @ theta - b


def quadratic_descent(theta0, a, b, *, optimizer, steps, hyper):
    """Minimise :func:`quadratic_loss` with an optimiser following its own gradients.

    Parameters
    ----------
    theta0 : ndarray, shape (n,)
    a : ndarray, shape (n, n)
        Symmetric positive definite.
    b : ndarray, shape (n,)
    optimizer : str
        A key of :data:`STEPS`.
    steps : int
    hyper : dict
        Hyper-parameters of the step function.

    Returns
    -------
    out : dict
        ``loss`` (steps,), the loss at which each gradient was taken, and ``theta``
        (steps, n), the parameter after each step.
    cache : None

    Raises
    ------
    KeyError
        When ``optimizer`` is not a key of :data:`STEPS`.
    ValueError
        Naming ``theta0``, ``a`` or ``b`` when their shapes do not fit, ``steps`` when
        it is not a positive int, and the hyper-parameters as the step function does.
    """
    _check_quadratic(theta0, a, b, "theta0")
    checks.count(steps, "steps", minimum=1)
    params, state, losses, rows = [theta0], {}, [], []
    for _ in range(steps):
        loss, grad = quadratic_loss(params[0], a, b)
        params, state = STEPS[optimizer](params, [grad], state, **hyper)
        losses.append(loss)
        rows.append(params[0])
    return {"loss": np.stack(losses), "theta": np.stack(rows)}, None


MLP_PARAMS = ("w1", "b1", "w2", "b2")
"""Parameter names of the two-layer network of :func:`mlp_loss`, in order."""


def mlp_loss(params, x, y):
    """Mean squared error of a tanh network and its gradients.

    pred = tanh(x @ w1.T + b1) @ w2.T + b2,  L = mean((pred - y)**2)

    Parameters
    ----------
    params : list of ndarray
        w1 (hidden, in), b1 (hidden,), w2 (out, hidden), b2 (out,).
    x : ndarray, shape (N, in)
    y : ndarray, shape (N, out)

    Returns
    -------
    loss : ndarray, shape ()
    grads : list of ndarray
        dL/dw1, dL/db1, dL/dw2, dL/db2; dL/dpred = 2 (pred - y) / (N * out).

    Raises
    ------
    ValueError
        Naming ``params`` when it does not hold 4 arrays, ``x`` when it is not (N, in),
        ``w1``, ``b1``, ``w2`` or ``b2`` when a layer does not fit, ``y`` when it is not (N, out).
    """
    if len(params) != len(MLP_PARAMS):
        raise ValueError(f"params must hold the {len(MLP_PARAMS)} arrays {MLP_PARAMS}, got {len(params)}")
    w1, b1, w2, b2 = params
    out = checks.dense_layers(x, [("w1", w1, "b1", b1), ("w2", w2, "b2", b2)])
    if np.shape(y) != (x.shape[0], out):
        raise ValueError(f"y must have shape ({x.shape[0]}, {out}), one row of targets per row of x, got {np.shape(y)}")
    z, linear1 = layers.linear_forward(x, w1, b1)
    h, tanh_cache = activations.tanh_forward(z)
    pred, linear2 = layers.linear_forward(h, w2, b2)
    error = pred - y
    dpred = 2 * error / error.size
    dh, dw2, db2 = layers.linear_backward(dpred, linear2)
    _, dw1, db1 = layers.linear_backward(activations.tanh_backward(dh, tanh_cache), linear1)
    return np.mean(error * error), [dw1, db1, dw2, db2]


def mlp_descent(x, y, w1, b1, w2, b2, *, optimizer, steps, hyper):
    """Train the network of :func:`mlp_loss` full-batch with an optimiser.

    Returns
    -------
    out : dict
        ``loss`` (steps,) and every parameter after each step, ``w1`` (steps, hidden, in) ...
    cache : None

    Raises
    ------
    KeyError
        When ``optimizer`` is not a key of :data:`STEPS`.
    ValueError
        Naming ``steps`` when it is not a positive int, the arrays as :func:`mlp_loss`
        does and the hyper-parameters as the step function does.
    """
    checks.count(steps, "steps", minimum=1)
    params, state = [w1, b1, w2, b2], {}
    history = {name: [] for name in ("loss", *MLP_PARAMS)}
    for _ in range(steps):
        loss, grads = mlp_loss(params, x, y)
        params, state = STEPS[optimizer](params, grads, state, **hyper)
        history["loss"].append(loss)
        for name, p in zip(MLP_PARAMS, params):
            history[name].append(p)
    return {name: np.stack(values) for name, values in history.items()}, None
