"""L2 regularisation in NumPy: a penalty in the loss, or weight decay in the optimiser."""

import numpy as np

from reference import checks


def l2_penalty_forward(w, *, lam):
    """The L2 penalty lam / 2 * sum(w**2) and its gradient lam * w.

    Parameters
    ----------
    w : ndarray, any shape
    lam : float
        Regularisation strength (the 1/2 makes the gradient lam * w, torch's weight_decay).

    Returns
    -------
    out : ndarray, shape ()
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``lam`` when it is negative (a negative penalty rewards large weights).
    """
    checks.non_negative(lam, "lam")
    return 0.5 * lam * np.sum(w * w), (w, lam)


def l2_penalty_backward(dout, cache):
    """dw = dout * lam * w."""
    w, lam = cache
    return dout * lam * w


def sgd_weight_decay_trajectory(theta0, grads, *, lr, weight_decay):
    """SGD on loss + weight_decay / 2 * |theta|^2, fed the gradients of the loss alone.

    theta <- theta - lr * (g + weight_decay * theta)

    For plain SGD an L2 term in the loss and weight decay in the optimiser are the same
    update; for adaptive optimisers they are not (AdamW decouples the decay).

    Parameters
    ----------
    theta0 : ndarray, shape (...)
    grads : ndarray, shape (steps, ...)
    lr : float
        Positive.
    weight_decay : float
        Non-negative.

    Returns
    -------
    out : dict
        ``{"theta": (steps, ...)}``, the parameter after every step.
    cache : None

    Raises
    ------
    ValueError
        Naming ``grads`` when it is not (steps, *theta0.shape) with steps >= 1, ``lr``
        when not positive, ``weight_decay`` when negative.
    """
    checks.gradient_sequence(theta0, grads)
    checks.positive(lr, "lr")
    checks.non_negative(weight_decay, "weight_decay")
    theta, rows = theta0, []
    for g in grads:
        _, cache = l2_penalty_forward(theta, lam=weight_decay)
        theta = theta - lr * (g + l2_penalty_backward(1.0, cache))
        rows.append(theta)
    return {"theta": np.stack(rows)}, None
