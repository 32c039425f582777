"""The first chapters of the curriculum in NumPy: regression and one-layer classifiers, trained by hand.

Every trainer here is full-batch gradient descent, W(k+1) = W(k) - lr * dL/dW(k),
over explicit arrays (the initial parameters and the data are inputs), so that every
framework can replay exactly the same run. The outputs are a dict with ``"loss"`` of
shape (steps,), the loss of step k's forward pass (at the parameters its gradient is
taken at), and the final parameters under their names, all in the inputs' dtype.
Parameters use PyTorch's nn.Linear layout: w (out, in), b (out,).

The pieces are the pinned reference functions: ``linear_forward`` / ``linear_backward``,
``mse_*``, ``binary_cross_entropy_with_logits_*``, ``cross_entropy_*``, ``tanh_*`` and
``min_max_normalize_forward``; only the chain rule between them is written here.
"""

import numpy as np

from reference import checks
from reference.activations import tanh_backward, tanh_forward
from reference.layers import linear_backward, linear_forward
from reference.losses import (
    binary_cross_entropy_with_logits_backward,
    binary_cross_entropy_with_logits_forward,
    cross_entropy_backward,
    cross_entropy_forward,
    mse_backward,
    mse_forward,
)
from reference.normalization import min_max_normalize_forward

# ---------------------------------------------------------------------------- data


def house_prices(rng, m=64):
    """Synthetic house prices: the textbook's several-variable regression, drawn from ``rng``.

    Returns
    -------
    x : ndarray, shape (m, 3)
        Floor area in square metres (50-250), rooms (1-6) and age in years (0-60): three
        scales two orders of magnitude apart, which is why the features are min-max
        normalised before gradient descent.
    y : ndarray, shape (m, 1)
        Price in thousands: 2 area + 10 rooms - 0.5 age + 50, plus noise of std 10.

    Raises
    ------
    ValueError
        Naming ``m`` when it is not an int >= 2.
    """
    checks.count(m, "m", minimum=2)
    x = np.column_stack([rng.uniform(50, 250, m), rng.integers(1, 7, m).astype(np.float64), rng.uniform(0, 60, m)])
    y = x @ np.array([2.0, 10.0, -0.5]) + 50 + rng.normal(0, 10, m)
    return x, y[:, None]


def logic_gate_table(gate):
    """The four input pairs and the truth table of a two-input gate.

    Parameters
    ----------
    gate : {"and", "nand", "or", "nor", "xor"}

    Returns
    -------
    x : ndarray, shape (4, 2)
        [0, 0], [0, 1], [1, 0], [1, 1].
    y : ndarray, shape (4, 1)
        The gate's output for each row, 0.0 or 1.0.

    Raises
    ------
    ValueError
        Naming ``gate`` when it is not one of the five.
    """
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    a, b = x[:, :1] == 1, x[:, 1:] == 1
    tables = {"and": a & b, "nand": ~(a & b), "or": a | b, "nor": ~(a | b), "xor": a ^ b}
    if gate not in tables:
        raise ValueError(f"gate must be one of {sorted(tables)}, got {gate!r}")
    return x, tables[gate].astype(np.float64)


def iris_data(seed=0, test=0.3):
    """scikit-learn's iris flowers, split stratified into train and test, standardised by the training set.

    Returns
    -------
    dict
        ``x_train`` (105, 4), ``y_train`` (105,) int64, ``x_test`` (45, 4), ``y_test``
        (45,) with the defaults; every feature shifted and scaled by the training
        set's mean and (population) standard deviation, so nothing of the test set
        leaks into training.

    Raises
    ------
    ValueError
        Naming ``seed`` when it is not a non-negative int, ``test`` when outside (0, 1).
    """
    checks.count(seed, "seed")
    checks.in_range(test, "test", low_closed=False)
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    features, labels = load_iris(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels.astype(np.int64), test_size=test, random_state=seed, stratify=labels
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return {"x_train": (x_train - mean) / std, "y_train": y_train, "x_test": (x_test - mean) / std, "y_test": y_test}


def sine_data(m=64):
    """``m`` evenly spaced points t on [0, 2 pi] and sin(t); the input rescaled to [-1, 1].

    Returns
    -------
    x : ndarray, shape (m, 1)
        t / pi - 1: plain gradient descent on the raw t (up to 6.3) oscillates and
        stalls near a mean squared error of 0.03, on inputs in [-1, 1] it fits.
    y : ndarray, shape (m, 1)
        sin(t).

    Raises
    ------
    ValueError
        Naming ``m`` when it is not an int >= 2.
    """
    checks.count(m, "m", minimum=2)
    t = np.linspace(0, 2 * np.pi, m)[:, None]
    return t / np.pi - 1, np.sin(t)


# ---------------------------------------------------------------------- pieces


def descend(params, loss_and_grads, steps, lr):
    """Full-batch gradient descent: ``steps`` updates p <- p - lr * dL/dp.

    Parameters
    ----------
    params : list of ndarray
    loss_and_grads : callable
        ``loss_and_grads(*params) -> (loss, grads)``, grads in the order of params.
    steps : int
    lr : float

    Returns
    -------
    losses : ndarray, shape (steps,)
        The loss at the parameters each step's gradient was taken at.
    params : list of ndarray
        After the last step.
    """
    losses = np.empty(steps, dtype=params[0].dtype)
    for step in range(steps):
        losses[step], grads = loss_and_grads(*params)
        params = [p - lr * g for p, g in zip(params, grads)]
    return losses, params


def accuracy(predicted, target, dtype):
    """Fraction of equal entries, as a 0-d array of ``dtype``."""
    return np.asarray(np.mean(predicted == target), dtype=dtype)


def _linear_mse(x, y):
    """L(w, b) = mean((x w^T + b - y)^2) and its gradients (dw, db)."""

    def loss_and_grads(w, b):
        prediction, cache = linear_forward(x, w, b)
        loss, loss_cache = mse_forward(prediction, y)
        _, dw, db = linear_backward(mse_backward(1.0, loss_cache), cache)
        return loss, (dw, db)

    return loss_and_grads


def _check_linear(x, y, w, b):
    checks.dense_layers(x, [("w", w, "b", b)])
    checks.targets(y, x, w.shape[0])


# ----------------------------------------------------------- linear regression


def linear_regression_training_forward(x, y, w, b, *, steps, lr):
    """Linear regression by gradient descent on min-max normalised features.

    Each feature is first scaled to [0, 1], x' = (x - min) / (max - min) over the
    rows; then with the mean squared error

        L = 1/m sum (x' w^T + b - y)^2
        dL/dw = 2/m (x' w^T + b - y)^T x',  dL/db = 2/m sum (x' w^T + b - y)

    Parameters
    ----------
    x : ndarray, shape (m, n)
        Raw features, one example per row (n = 1: one variable).
    y : ndarray, shape (m, 1)
    w : ndarray, shape (1, n)
    b : ndarray, shape (1,)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w`` (1, n) and ``b`` (1,) after the last step, for the
        normalised features.
    cache : None
        A training run has nothing to backpropagate.

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (m, n), ``w`` or ``b`` when they do not fit it,
        ``y`` when not (m, 1), ``steps`` when not a positive int and ``lr`` when not
        positive.
    """
    _check_linear(x, y, w, b)
    checks.training_run(steps, lr)
    features = min_max_normalize_forward(x, axis=0)[0]
    losses, (w, b) = descend([w, b], _linear_mse(features, y), steps, lr)
    return {"loss": losses, "w": w, "b": b}, None


def normal_equation_forward(x, y):
    """The closed-form least-squares fit on min-max normalised features.

    With A = [x', 1] (a column of ones for the bias), theta = argmin |A theta - y|^2
    solves the normal equation A^T A theta = A^T y. It is computed by
    ``np.linalg.lstsq`` (an SVD of A, never the explicit inverse of A^T A, whose
    condition number is the square of A's).

    Parameters
    ----------
    x : ndarray, shape (m, n)
        Raw features; m >= n + 1 for a unique solution.
    y : ndarray, shape (m, 1)

    Returns
    -------
    outputs : dict
        ``w`` (1, n), ``b`` (1,): the minimiser gradient descent converges to, and
        ``mse`` (): the mean squared error there, the lowest any (w, b) reaches.
    cache : None

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (m, n) with m > n, ``y`` when not (m, 1).
    """
    if np.ndim(x) != 2 or x.shape[0] <= x.shape[1]:
        raise ValueError(f"x must have shape (m, n) with more rows than features, got {np.shape(x)}")
    checks.targets(y, x, 1)
    features = min_max_normalize_forward(x, axis=0)[0]
    design = np.hstack([features, np.ones_like(features[:, :1])])
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    w, b = theta[:-1].T, theta[-1]
    mse = mse_forward(linear_forward(features, w, b)[0], y)[0]
    return {"w": w, "b": b, "mse": mse}, None


# ------------------------------------------------------------------ logic gates


def logic_gates_training_forward(x, y, w, b, *, steps, lr):
    """One sigmoid neuron learning a two-input logic gate.

    z = x w^T + b, p = sigma(z), L = mean binary cross-entropy of p against the truth
    table, dL/dz = (p - y) / 4. AND, NAND, OR and NOR are linearly separable: one
    line w . x + b = 0 splits the true rows from the false ones, so the neuron gets
    all four right. XOR is not: no line puts (0, 1) and (1, 0) on one side and (0, 0)
    and (1, 1) on the other, so one neuron gets at most three of four; it needs the
    hidden layer of ``xor_network_training``.

    Parameters
    ----------
    x : ndarray, shape (4, 2)
    y : ndarray, shape (4, 1)
    w : ndarray, shape (1, 2)
    b : ndarray, shape (1,)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w``, ``b`` after the last step, ``accuracy`` (): the
        fraction of rows with (z > 0) == y.
    cache : None

    Raises
    ------
    ValueError
        Naming ``x``, ``w``, ``b`` or ``y`` when they do not fit, ``steps`` when not a
        positive int and ``lr`` when not positive.
    """
    _check_linear(x, y, w, b)
    checks.training_run(steps, lr)

    def loss_and_grads(w, b):
        z, cache = linear_forward(x, w, b)
        loss, loss_cache = binary_cross_entropy_with_logits_forward(z, y)
        _, dw, db = linear_backward(binary_cross_entropy_with_logits_backward(1.0, loss_cache), cache)
        return loss, (dw, db)

    losses, (w, b) = descend([w, b], loss_and_grads, steps, lr)
    correct = accuracy(linear_forward(x, w, b)[0] > 0, y == 1, x.dtype)
    return {"loss": losses, "w": w, "b": b, "accuracy": correct}, None


# ----------------------------------------------------------- softmax regression


def softmax_regression_training_forward(x_train, y_train, x_test, y_test, w, b, *, steps, lr):
    """Linear multi-class classification: softmax of x w^T + b, cross-entropy, gradient descent.

    L = -1/m sum_i log softmax(z_i)[y_i] with z = x w^T + b; dL/dz = (softmax(z) -
    onehot(y)) / m, then dw = dz^T x, db = sum dz. The classes' regions are cut out
    by straight lines (hyperplanes): one linear layer, k outputs.

    Parameters
    ----------
    x_train : ndarray, shape (m, n)
    y_train : ndarray of int64, shape (m,)
        Class indices in [0, k).
    x_test : ndarray, shape (m_test, n)
    y_test : ndarray of int64, shape (m_test,)
    w : ndarray, shape (k, n)
    b : ndarray, shape (k,)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w``, ``b`` after the last step, ``train_accuracy`` () and
        ``test_accuracy`` (): the fraction of argmax predictions equal to the label.
    cache : None

    Raises
    ------
    TypeError
        When a label array does not hold integers.
    ValueError
        Naming ``x_train``, ``w`` or ``b`` when they do not fit, ``x_test`` when its
        features differ from x_train's, ``y_train`` or ``y_test`` when not one class
        index in [0, k) per row, ``steps`` when not a positive int and ``lr`` when not
        positive.
    """
    n_classes = checks.dense_layers(x_train, [("w", w, "b", b)], x_name="x_train")
    checks.same_features(x_test, x_train, "x_test")
    checks.labels(y_train, x_train, n_classes, "y_train", "x_train")
    checks.labels(y_test, x_test, n_classes, "y_test", "x_test")
    checks.training_run(steps, lr)

    def loss_and_grads(w, b):
        logits, cache = linear_forward(x_train, w, b)
        loss, loss_cache = cross_entropy_forward(logits, y_train)
        _, dw, db = linear_backward(cross_entropy_backward(1.0, loss_cache), cache)
        return loss, (dw, db)

    losses, (w, b) = descend([w, b], loss_and_grads, steps, lr)
    dtype = x_train.dtype
    return {
        "loss": losses, "w": w, "b": b,
        "train_accuracy": accuracy(linear_forward(x_train, w, b)[0].argmax(axis=1), y_train, dtype),
        "test_accuracy": accuracy(linear_forward(x_test, w, b)[0].argmax(axis=1), y_test, dtype),
    }, None


# -------------------------------------------------------- nonlinear regression


def two_layer_regressor(x, w1, b1, w2, b2):
    """The network's prediction tanh(x w1^T + b1) w2^T + b2, shape (m, out), and the caches of its layers."""
    h_pre, cache1 = linear_forward(x, w1, b1)
    h, tanh_cache = tanh_forward(h_pre)
    prediction, cache2 = linear_forward(h, w2, b2)
    return prediction, (cache1, tanh_cache, cache2)


def nonlinear_regression_training_forward(x, y, w1, b1, w2, b2, *, steps, lr):
    """A two-layer tanh network fitting a curve by gradient descent on the mean squared error.

    prediction = tanh(x w1^T + b1) w2^T + b2, L = mean((prediction - y)^2). The
    universal approximation theorem: enough tanh units, added up with the right
    weights, approximate any continuous curve on a closed interval; each unit
    contributes one smooth step, placed by b1 / w1 and scaled by w2. Backward:
    d prediction = 2 (prediction - y) / m, through the second layer, times
    1 - tanh^2, through the first.

    Parameters
    ----------
    x : ndarray, shape (m, 1)
    y : ndarray, shape (m, 1)
    w1 : ndarray, shape (h, 1)
    b1 : ndarray, shape (h,)
    w2 : ndarray, shape (1, h)
    b2 : ndarray, shape (1,)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w1``, ``b1``, ``w2``, ``b2`` after the last step and
        ``mse`` (): the mean squared error of the trained network.
    cache : None

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (m, in), ``w1``, ``b1``, ``w2`` or ``b2`` when a
        layer does not fit, ``y`` when not (m, out), ``steps`` when not a positive int
        and ``lr`` when not positive.
    """
    out = checks.dense_layers(x, [("w1", w1, "b1", b1), ("w2", w2, "b2", b2)])
    checks.targets(y, x, out)
    checks.training_run(steps, lr)

    def loss_and_grads(w1, b1, w2, b2):
        prediction, (cache1, tanh_cache, cache2) = two_layer_regressor(x, w1, b1, w2, b2)
        loss, loss_cache = mse_forward(prediction, y)
        dh, dw2, db2 = linear_backward(mse_backward(1.0, loss_cache), cache2)
        _, dw1, db1 = linear_backward(tanh_backward(dh, tanh_cache), cache1)
        return loss, (dw1, db1, dw2, db2)

    losses, params = descend([w1, b1, w2, b2], loss_and_grads, steps, lr)
    mse = mse_forward(two_layer_regressor(x, *params)[0], y)[0]
    return {"loss": losses, **dict(zip(("w1", "b1", "w2", "b2"), params)), "mse": mse}, None
