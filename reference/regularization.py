"""Regularisation in NumPy: an L2 penalty or weight decay, an L1 penalty, and early stopping."""

import numpy as np

from reference import checks
from reference.layers import linear_backward, linear_forward
from reference.losses import mse_backward, mse_forward
from reference.regression import check_run, check_targets, descend


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


def sparse_regression_data(rng, m=64, n=6):
    """A regression where only the first two of ``n`` features matter: y = 3 x_0 - 2 x_1 + 1 + noise.

    Returns
    -------
    x : ndarray, shape (m, n)
        Uniform in [0, 1).
    y : ndarray, shape (m, 1)
        Noise of std 0.1.

    Raises
    ------
    ValueError
        Naming ``m`` when it is not a positive int, ``n`` when it is below 2.
    """
    checks.count(m, "m", minimum=1)
    checks.count(n, "n", minimum=2)
    x = rng.uniform(0, 1, (m, n))
    coefficients = np.zeros(n)
    coefficients[:2] = 3.0, -2.0
    return x, (x @ coefficients + 1 + rng.normal(0, 0.1, m))[:, None]


def l1_regularization_forward(x, y, w, b, *, steps, lr, lam):
    """Linear regression with an L1 penalty, by sub-gradient descent.

    L = mean((x w^T + b - y)^2) + lam * sum |w|  (the bias is not penalised)
    dL/dw = 2/m (x w^T + b - y)^T x + lam * sign(w)

    |w| has no derivative at w = 0; sign(0) = 0 is the sub-gradient PyTorch,
    TensorFlow / Keras and Paddle use (``jax.grad(jnp.abs)(0.0)`` is 1: the catalog entry
    l1-subgradient-at-zero). The penalty pulls every weight towards 0 by lr * lam per
    step, so the weights of the features that do not matter end up chattering around 0
    with that amplitude (sub-gradient descent never lands on exactly 0; a proximal
    step, soft thresholding, would).

    Parameters
    ----------
    x : ndarray, shape (m, n)
    y : ndarray, shape (m, 1)
    w : ndarray, shape (1, n)
    b : ndarray, shape (1,)
    steps : int
    lr : float
    lam : float
        Penalty strength, >= 0.

    Returns
    -------
    outputs : dict
        ``loss`` (steps,): the penalised loss of every step, ``w`` (1, n), ``b`` (1,).
    cache : None

    Raises
    ------
    ValueError
        Naming ``x``, ``w``, ``b`` or ``y`` when they do not fit, ``steps`` when not a
        positive int, ``lr`` when not positive and ``lam`` when negative.
    """
    checks.dense_layers(x, [("w", w, "b", b)])
    check_targets(y, x, w.shape[0])
    check_run(steps, lr)
    checks.non_negative(lam, "lam")

    def loss_and_grads(w, b):
        prediction, cache = linear_forward(x, w, b)
        mse, mse_cache = mse_forward(prediction, y)
        _, dw, db = linear_backward(mse_backward(1.0, mse_cache), cache)
        return mse + lam * np.sum(np.abs(w)), (dw + lam * np.sign(w), db)  # sign(0) = 0

    losses, (w, b) = descend([w, b], loss_and_grads, steps, lr)
    return {"loss": losses, "w": w, "b": b}, None
