"""Regularisation in NumPy: an L2 penalty or weight decay, an L1 penalty, and early stopping."""

import numpy as np

from reference import checks
from reference.layers import linear_backward, linear_forward
from reference.losses import cross_entropy_backward, cross_entropy_forward, mse_backward, mse_forward
from reference.regression import descend


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
    checks.targets(y, x, w.shape[0])
    checks.training_run(steps, lr)
    checks.non_negative(lam, "lam")

    def loss_and_grads(w, b):
        prediction, cache = linear_forward(x, w, b)
        mse, mse_cache = mse_forward(prediction, y)
        _, dw, db = linear_backward(mse_backward(1.0, mse_cache), cache)
        return mse + lam * np.sum(np.abs(w)), (dw + lam * np.sign(w), db)  # sign(0) = 0

    losses, (w, b) = descend([w, b], loss_and_grads, steps, lr)
    return {"loss": losses, "w": w, "b": b}, None


def early_stopping_forward(x_train, y_train, x_val, y_val, w, b, *, epochs, lr, patience, min_delta):
    """Softmax regression trained until the validation loss stops improving (Keras's EarlyStopping rule).

    Every epoch is one full-batch gradient-descent step on the mean cross-entropy of
    the training set, then the validation loss at the new weights. An epoch improves
    when its validation loss is below the best so far minus ``min_delta`` (the first
    always does); training stops after the epoch that makes ``patience`` epochs in a
    row without improvement, or after ``epochs``. The weights are the last epoch's
    (Keras's default ``restore_best_weights=False``).

    Parameters
    ----------
    x_train : ndarray, shape (m, n)
    y_train : ndarray of int64, shape (m,)
    x_val : ndarray, shape (m_val, n)
    y_val : ndarray of int64, shape (m_val,)
    w : ndarray, shape (k, n)
    b : ndarray, shape (k,)
    epochs : int
        The most epochs to run.
    lr : float
    patience : int
        Epochs without improvement to wait, >= 1.
    min_delta : float
        The least decrease that counts as an improvement, >= 0.

    Returns
    -------
    outputs : dict
        ``loss`` (run,): the training loss of every epoch's step, ``val_loss`` (run,),
        ``epochs`` (): the number of epochs run, in the inputs' dtype, ``w``, ``b``.
    cache : None

    Raises
    ------
    TypeError
        When a label array does not hold integers.
    ValueError
        Naming ``x_train``, ``w`` or ``b`` when they do not fit, ``x_val`` when its
        features differ, ``y_train`` or ``y_val`` when not one class index in [0, k)
        per row, ``epochs`` or ``patience`` when not a positive int, ``lr`` when not
        positive and ``min_delta`` when negative.
    """
    n_classes = checks.dense_layers(x_train, [("w", w, "b", b)], x_name="x_train")
    checks.same_features(x_val, x_train, "x_val")
    checks.labels(y_train, x_train, n_classes, "y_train", "x_train")
    checks.labels(y_val, x_val, n_classes, "y_val", "x_val")
    checks.count(epochs, "epochs", minimum=1)
    checks.positive(lr, "lr")
    checks.count(patience, "patience", minimum=1)
    checks.non_negative(min_delta, "min_delta")

    losses, val_losses, best, wait = [], [], np.inf, 0
    for _ in range(epochs):
        logits, cache = linear_forward(x_train, w, b)
        loss, loss_cache = cross_entropy_forward(logits, y_train)
        _, dw, db = linear_backward(cross_entropy_backward(1.0, loss_cache), cache)
        w, b = w - lr * dw, b - lr * db
        losses.append(loss)
        val_losses.append(cross_entropy_forward(linear_forward(x_val, w, b)[0], y_val)[0])
        if val_losses[-1] < best - min_delta:
            best, wait = val_losses[-1], 0
        else:
            wait += 1
            if wait >= patience:
                break
    dtype = x_train.dtype
    return {
        "loss": np.array(losses, dtype=dtype), "val_loss": np.array(val_losses, dtype=dtype),
        "epochs": np.asarray(len(losses), dtype=dtype), "w": w, "b": b,
    }, None
