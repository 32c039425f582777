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

import math

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


def adam_step(params, grads, state, *, lr, beta1, beta2, eps, weight_decay=0.0):
    """Adam: momentum on the gradient and on its square, with bias correction.

    g <- g + weight_decay * theta    (L2 in the gradient, torch's ``Adam(weight_decay)``)
    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)

    ``t`` counts steps from 1. Keras adds its epsilon to sqrt(v) instead of
    sqrt(v_hat) (divergence ``adam-epsilon``), and Keras's ``Adam(weight_decay)`` is
    decoupled, :func:`adamw_step` (divergence ``adam-weight-decay``).

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``beta1`` or ``beta2`` outside [0, 1),
        ``weight_decay`` when negative.
    """
    _check_step(params, grads, lr)
    checks.in_range(beta1, "beta1")
    checks.in_range(beta2, "beta2")
    checks.positive(eps, "eps")
    checks.non_negative(weight_decay, "weight_decay")
    if weight_decay:
        grads = [g + weight_decay * p for p, g in zip(params, grads)]
    t = state.get("step", 0) + 1
    ms = state.get("exp_avg") or [np.zeros_like(p) for p in params]
    vs = state.get("exp_avg_sq") or [np.zeros_like(p) for p in params]
    ms = [beta1 * m + (1 - beta1) * g for m, g in zip(ms, grads)]
    vs = [beta2 * v + (1 - beta2) * g * g for v, g in zip(vs, grads)]
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t  # Python floats: no float64 promotion
    new = [p - lr * (m / correction1) / (np.sqrt(v / correction2) + eps) for p, m, v in zip(params, ms, vs)]
    return new, {"step": t, "exp_avg": ms, "exp_avg_sq": vs}


def adamw_step(params, grads, state, *, lr, beta1, beta2, eps, weight_decay):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), torch's ``AdamW``.

    theta <- theta * (1 - lr * weight_decay)      (before, and apart from, the gradient)
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)   (:func:`adam_step` without L2)

    The decay is multiplied by the learning rate in torch, Keras, optax and Paddle
    alike; the paper's schedule multiplier is lr itself here. Defaults differ:
    weight_decay 0.01 (torch, Paddle), 0.004 (Keras), 1e-4 (optax).

    Raises
    ------
    ValueError
        As :func:`adam_step`, and naming ``weight_decay`` when negative.
    """
    _check_step(params, grads, lr)
    checks.non_negative(weight_decay, "weight_decay")
    decayed = [p * (1 - lr * weight_decay) for p in params]  # Python float factor: dtype kept
    return adam_step(decayed, grads, state, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def adadelta_step(params, grads, state, *, lr, rho, eps):
    """Adadelta (Zeiler 2012): a step whose units are those of theta.

    v <- rho * v + (1 - rho) * g**2                       (v, u start at 0)
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u <- rho * u + (1 - rho) * delta**2
    theta <- theta - lr * delta

    eps sits inside both roots in torch, Keras, optax and Paddle alike. Defaults differ:
    lr 1.0, rho 0.9, eps 1e-6 in torch and optax; lr 1e-3, rho 0.95, eps 1e-7 in Keras;
    lr 1e-3, rho 0.95, eps 1e-6 in Paddle (catalog entry optimizer-defaults-2).

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``rho`` outside [0, 1).
    """
    _check_step(params, grads, lr)
    checks.in_range(rho, "rho")
    checks.positive(eps, "eps")
    squares = state.get("square_avg") or [np.zeros_like(p) for p in params]
    deltas = state.get("acc_delta") or [np.zeros_like(p) for p in params]
    squares = [rho * v + (1 - rho) * g * g for v, g in zip(squares, grads)]
    steps = [np.sqrt(u + eps) / np.sqrt(v + eps) * g for u, v, g in zip(deltas, squares, grads)]
    deltas = [rho * u + (1 - rho) * d * d for u, d in zip(deltas, steps)]
    new = [p - lr * d for p, d in zip(params, steps)]
    return new, {"square_avg": squares, "acc_delta": deltas}


def nadam_momentum(t, *, beta1, momentum_decay):
    """NAdam's momentum coefficient at step ``t`` (from 1): beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)).

    ``momentum_decay`` 0.004 is torch's and Paddle's default (Dozat's schedule); 1 gives
    Keras's fixed 0.96**t; ``inf`` gives the constant beta1 of optax's nadam.
    """
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


def nadam_step(params, grads, state, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    """NAdam (Dozat 2016): Adam with a Nesterov look-ahead on a scheduled momentum, torch's ``NAdam``.

    mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)),  P_t = mu_1 * ... * mu_t
    m <- beta1 * m + (1 - beta1) * g,  v <- beta2 * v + (1 - beta2) * g**2
    theta <- theta - lr * [(1 - mu_t) / (1 - P_t) * g + mu_{t+1} / (1 - P_t mu_{t+1}) * m]
                     / (sqrt(v / (1 - beta2**t)) + eps)

    ``t`` counts steps from 1. Keras's ``Nadam`` hard-codes 0.96**t (momentum_decay 1);
    optax's ``nadam`` has no schedule, mu_t = beta1 (momentum_decay inf).

    Raises
    ------
    ValueError
        Naming ``grads`` when it does not hold one gradient of each parameter's shape,
        ``lr`` or ``eps`` when not positive, ``beta1`` or ``beta2`` outside [0, 1),
        ``momentum_decay`` when negative or NaN (``inf`` is allowed).
    """
    _check_step(params, grads, lr)
    checks.in_range(beta1, "beta1")
    checks.in_range(beta2, "beta2")
    checks.positive(eps, "eps")
    is_number = np.ndim(momentum_decay) == 0 and np.asarray(momentum_decay).dtype.kind in "iuf"
    if not (is_number and momentum_decay >= 0):  # NaN fails too
        raise ValueError(f"momentum_decay must be a non-negative number (inf for no schedule), got {momentum_decay!r}")
    t = state.get("step", 0) + 1
    mu = nadam_momentum(t, beta1=beta1, momentum_decay=momentum_decay)
    mu_next = nadam_momentum(t + 1, beta1=beta1, momentum_decay=momentum_decay)
    mu_product = state.get("mu_product", 1.0) * mu  # Python floats: no float64 promotion
    ms = state.get("exp_avg") or [np.zeros_like(p) for p in params]
    vs = state.get("exp_avg_sq") or [np.zeros_like(p) for p in params]
    ms = [beta1 * m + (1 - beta1) * g for m, g in zip(ms, grads)]
    vs = [beta2 * v + (1 - beta2) * g * g for v, g in zip(vs, grads)]
    grad_weight = (1 - mu) / (1 - mu_product)
    momentum_weight = mu_next / (1 - mu_product * mu_next)
    correction2 = 1 - beta2**t
    new = [
        p - lr * (grad_weight * g + momentum_weight * m) / (np.sqrt(v / correction2) + eps)
        for p, g, m, v in zip(params, grads, ms, vs)
    ]
    return new, {"step": t, "mu_product": mu_product, "exp_avg": ms, "exp_avg_sq": vs}


CLIP_NORM_EPS = 1e-6
"""torch's ``clip_grad_norm_`` divides max_norm by norm + 1e-6; Keras, optax and Paddle add nothing."""


def global_norm(grads):
    """sqrt(sum of every squared entry of every gradient): the norm of all gradients as one vector."""
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads)) if grads else 0.0


def clip_grad_norm(grads, *, max_norm):
    """Scale every gradient by one factor so that their global norm is at most ``max_norm`` (torch's).

    ||g|| = sqrt(sum_i sum g_i**2)       (one norm over all tensors, :func:`global_norm`)
    g_i <- g_i * min(1, max_norm / (||g|| + 1e-6))

    Unlike ``torch.nn.utils.clip_grad_norm_`` nothing is modified in place: the clipped
    gradients are returned (the norm is :func:`global_norm`). Keras's ``clipnorm`` clips
    each tensor by its own norm (``global_clipnorm`` is this); Paddle's
    ``ClipGradByNorm`` per tensor too (``ClipGradByGlobalNorm`` is this); neither, nor
    optax's ``clip_by_global_norm``, adds the 1e-6.

    Parameters
    ----------
    grads : list of ndarray
        Any shapes.
    max_norm : float
        Positive.

    Returns
    -------
    list of ndarray
        The gradients, scaled, each of its own shape and dtype.

    Raises
    ------
    ValueError
        Naming ``max_norm`` when it is not positive.
    """
    checks.positive(max_norm, "max_norm")
    scale = min(1.0, max_norm / (global_norm(grads) + CLIP_NORM_EPS))  # a Python float: dtype kept
    return [g * scale for g in grads]


STEPS = {
    "sgd": sgd_step,
    "sgd_momentum": sgd_momentum_step,
    "nesterov": nesterov_step,
    "adagrad": adagrad_step,
    "rmsprop": rmsprop_step,
    "adam": adam_step,
    "adamw": adamw_step,
    "adadelta": adadelta_step,
    "nadam": nadam_step,
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


def adam_trajectory(theta0, grads, *, lr, beta1, beta2, eps, weight_decay=0.0):
    """:func:`adam_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return fed_trajectory(adam_step, theta0, grads, **hyper), None


def adamw_trajectory(theta0, grads, *, lr, beta1, beta2, eps, weight_decay):
    """:func:`adamw_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return fed_trajectory(adamw_step, theta0, grads, **hyper), None


def adadelta_trajectory(theta0, grads, *, lr, rho, eps):
    """:func:`adadelta_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    return fed_trajectory(adadelta_step, theta0, grads, lr=lr, rho=rho, eps=eps), None


def nadam_trajectory(theta0, grads, *, lr, beta1, beta2, eps, momentum_decay=4e-3):
    """:func:`nadam_step` fed ``grads`` (steps, ...): ``({"theta": (steps, ...)}, None)``."""
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "momentum_decay": momentum_decay}
    return fed_trajectory(nadam_step, theta0, grads, **hyper), None


def clip_grad_norm_trajectory(w0, b0, w_grads, b_grads, *, lr, max_norm):
    """SGD on two parameters whose gradients are clipped together by :func:`clip_grad_norm` before each step.

    Parameters
    ----------
    w0, b0 : ndarray, any shapes
        The starting parameters.
    w_grads, b_grads : ndarray, shapes (steps, *w0.shape) and (steps, *b0.shape)
        The gradients fed at each step.

    Returns
    -------
    out : dict
        ``w`` (steps, *w0.shape) and ``b`` (steps, *b0.shape), the parameters after
        every step.
    cache : None

    Raises
    ------
    ValueError
        Naming ``w_grads`` or ``b_grads`` when they do not fit their parameter, or
        hold different numbers of steps, ``lr`` or ``max_norm`` when not positive.
    """
    for name, theta, grads in (("w_grads", w0, w_grads), ("b_grads", b0, b_grads)):
        if np.ndim(grads) < 1 or len(grads) != len(w_grads) or np.shape(grads)[1:] != np.shape(theta):
            raise ValueError(f"{name} must have shape (steps, *{name[0]}0.shape) = ({len(w_grads)}, "
                             f"{', '.join(map(str, np.shape(theta)))}), got {np.shape(grads)}")
    if len(w_grads) == 0:
        raise ValueError("w_grads must hold at least one step, got 0")
    checks.positive(max_norm, "max_norm")
    params, history = [w0, b0], {"w": [], "b": []}
    for gw, gb in zip(w_grads, b_grads):
        params, _ = sgd_step(params, clip_grad_norm([gw, gb], max_norm=max_norm), {}, lr=lr)
        history["w"].append(params[0])
        history["b"].append(params[1])
    return {name: np.stack(rows) for name, rows in history.items()}, None


# Learning-rate schedules ---------------------------------------------------------------
# ``step`` counts optimiser steps from 0: the learning rate of the first update is lr itself.


def step_lr(step, *, lr, step_size, gamma):
    """lr * gamma**(step // step_size): torch's ``StepLR`` (Keras ``ExponentialDecay(staircase=True)``).

    Raises
    ------
    ValueError
        Naming ``lr`` or ``gamma`` when not positive, ``step_size`` when not a positive int.
    """
    checks.positive(lr, "lr")
    checks.count(step_size, "step_size", minimum=1)
    checks.positive(gamma, "gamma")
    return lr * gamma ** (step // step_size)


def exponential_lr(step, *, lr, gamma):
    """lr * gamma**step: torch's ``ExponentialLR`` (Keras ``ExponentialDecay(decay_steps=1)``).

    Raises
    ------
    ValueError
        Naming ``lr`` or ``gamma`` when not positive.
    """
    checks.positive(lr, "lr")
    checks.positive(gamma, "gamma")
    return lr * gamma**step


def cosine_lr(step, *, lr, t_max, eta_min=0.0):
    """eta_min + (lr - eta_min) * (1 + cos(pi * step / t_max)) / 2: torch's ``CosineAnnealingLR``.

    Past ``t_max`` torch's schedule climbs back along the same cosine (period 2 t_max);
    Keras's ``CosineDecay`` and optax's ``cosine_decay_schedule`` stay at eta_min. They
    agree for step <= t_max.

    Raises
    ------
    ValueError
        Naming ``lr`` when not positive, ``t_max`` when not a positive int, ``eta_min``
        when negative.
    """
    checks.positive(lr, "lr")
    checks.count(t_max, "t_max", minimum=1)
    checks.non_negative(eta_min, "eta_min")
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * step / t_max)) / 2


SCHEDULES = {"step": step_lr, "exponential": exponential_lr, "cosine": cosine_lr}
"""Schedule name -> function of the step (from 0) and the schedule's hyper-parameters."""


def lr_schedule_trajectory(theta0, grads, *, schedule, lr, **schedule_hyper):
    """SGD fed ``grads`` with the learning rate of update t (from 0) given by a schedule.

    Parameters
    ----------
    theta0 : ndarray, shape (...)
    grads : ndarray, shape (steps, ...)
    schedule : str
        A key of :data:`SCHEDULES`; ``schedule_hyper`` are its other arguments.

    Returns
    -------
    out : dict
        ``lr`` (steps,), the learning rate of each update, and ``theta`` (steps, ...),
        the parameter after each update.
    cache : None

    Raises
    ------
    ValueError
        Naming ``schedule`` when it is not a key of :data:`SCHEDULES`, ``grads`` when it
        does not fit ``theta0``, and the schedule's hyper-parameters as its function does.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {sorted(SCHEDULES)}, got {schedule!r}")
    checks.gradient_sequence(theta0, grads)
    rates = [SCHEDULES[schedule](t, lr=lr, **schedule_hyper) for t in range(len(grads))]
    params, rows = [theta0], []
    for rate, g in zip(rates, grads):
        params, _ = sgd_step(params, [g], {}, lr=rate)
        rows.append(params[0])
    return {"lr": np.asarray(rates, dtype=theta0.dtype), "theta": np.stack(rows)}, None


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
