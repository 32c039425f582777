"""Whole training runs of the seed networks in NumPy, with hand-derived backpropagation.

Every trainer is plain gradient descent, W(k+1) = W(k) - lr * dL/dW(k), over explicit
arrays: the initial parameters, the data and (for mini-batches) the batch order are
inputs, so PyTorch and TensorFlow can replay exactly the same run. The outputs are
a dict with ``"loss"`` of shape (steps,), the loss of step k's forward pass, i.e. at
the parameters W(k) its gradient is taken at, and the final parameters under their
names; loss and parameters keep the dtype of the inputs. ``*_training_forward``
returns ``(outputs, None)`` (the concept contract: nothing to backpropagate) and
``train_*`` the outputs alone.

The data sets ship with scikit-learn (nothing is downloaded): :func:`digits_data`,
:func:`breast_cancer_data`, plus the tutorials' tiny tables :func:`binary_table`
and :func:`xor_data`. :func:`trained_digits_mlp` and
:func:`trained_three_layer_network` give trained weights to later modules (export).
"""

import numpy as np

from reference.activations import log_softmax_forward, relu_backward, relu_forward, sigmoid_forward
from reference.layers import linear_backward, linear_forward

# ---------------------------------------------------------------------------- data


def binary_table():
    """The 3-input table of the 'neural network in 11 lines' tutorial.

    Returns
    -------
    x : ndarray, shape (4, 3)
        Rows [0,0,1], [0,1,1], [1,0,1], [1,1,1]; the constant third column acts as a bias.
    y : ndarray, shape (4, 1)
        [0, 1, 1, 0]: the XOR of the first two columns.
    """
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    return x, np.array([[0], [1], [1], [0]], dtype=np.float64)


def xor_data():
    """The four XOR cases: x of shape (4, 2), y of shape (4, 1)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return x, np.logical_xor(x[:, :1], x[:, 1:]).astype(np.float64)


def breast_cancer_data():
    """scikit-learn's breast-cancer set in the course's column convention, standardised.

    Returns
    -------
    X : ndarray, shape (n_x, m) = (30, 569)
        One column per example; each feature shifted to mean 0 and scaled to std 1.
    Y : ndarray, shape (1, m)
        1 for benign, 0 for malignant.
    """
    from sklearn.datasets import load_breast_cancer

    features, labels = load_breast_cancer(return_X_y=True)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    return features.T.copy(), labels[None, :].astype(np.float64)


def digits_data(seed=0, validation=0.2, test=0.2):
    """scikit-learn's 8x8 handwritten digits, split into train, validation and test sets.

    The split is stratified by class; pixel values 0..16 are scaled to [0, 1].

    Parameters
    ----------
    seed : int
        Seed of the split.
    validation, test : float
        Fractions of the 1797 images held out for validation and for the final test.

    Returns
    -------
    dict
        ``x_train`` (n_train, 64) float64, ``y_train`` (n_train,) int64, and the same
        for ``val`` and ``test`` (1077 / 360 / 360 images with the defaults).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    images = images / 16.0
    labels = labels.astype(np.int64)
    x_rest, x_test, y_rest, y_test = train_test_split(
        images, labels, test_size=test, random_state=seed, stratify=labels
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=validation / (1 - test), random_state=seed, stratify=y_rest
    )
    return {"x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val, "x_test": x_test, "y_test": y_test}


def uniform_init(rng, *shape):
    """Weights uniform in [-1, 1) (the 11-lines tutorial's ``2 * random - 1``)."""
    return 2 * rng.random(shape) - 1


def linear_init(rng, n_out, n_in):
    """PyTorch's nn.Linear initialisation, drawn by NumPy: w (n_out, n_in), b (n_out,) ~ U(+-1/sqrt(n_in))."""
    bound = 1 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out)


def batch_order(rng, epochs, n):
    """One random permutation of range(n) per epoch: int64 array of shape (epochs, n)."""
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int64)


# ---------------------------------------------------------------------- pieces


def _bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z against labels y, and dL/dz.

    L = mean(log(1 + e^z) - y z), computed as ``np.logaddexp(0, z)`` so that large
    |z| neither overflows nor loses log(sigmoid) to log(0). dL/dz = (sigma(z) - y) / m.
    """
    m = z.size
    loss = np.mean(np.logaddexp(0, z) - y * z)
    return loss, (sigmoid_forward(z)[0] - y) / m


def _accuracy(predicted, target, dtype):
    """Fraction of equal entries, as a 0-d array of ``dtype``."""
    return np.asarray(np.mean(predicted == target), dtype=dtype)


# ------------------------------------------- training runs (concept forwards, no backward)


def three_layer_network_training_forward(x, y, syn0, syn1, *, steps, lr=1.0):
    """The classic 3-4-1 sigmoid network of the 'neural network in 11 lines' tutorial.

    Full-batch gradient descent on L = 1/2 sum (y - l2)^2, in the tutorial's layout
    (weights (in, out), ``x @ syn0``, no biases):

        l1 = sigma(x syn0),  l2 = sigma(l1 syn1)
        l2_delta = (l2 - y) * l2 (1 - l2)             = dL/d(l1 syn1)
        l1_delta = (l2_delta syn1^T) * l1 (1 - l1)    = dL/d(x syn0)
        syn1 -= lr * l1^T l2_delta,  syn0 -= lr * x^T l1_delta

    (the tutorial writes ``l2_error = y - l2`` and adds; the same update with lr = 1).

    Parameters
    ----------
    x : ndarray, shape (m, 3)
    y : ndarray, shape (m, 1)
    syn0 : ndarray, shape (3, h)
    syn1 : ndarray, shape (h, 1)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``syn0`` (3, h), ``syn1`` (h, 1), ``prediction`` (m, 1): l2
        after the last step.
    cache : None
        A training run has nothing to backpropagate.
    """
    losses = np.empty(steps, dtype=x.dtype)
    for step in range(steps):
        l1 = sigmoid_forward(x @ syn0)[0]
        l2 = sigmoid_forward(l1 @ syn1)[0]
        losses[step] = 0.5 * np.sum((y - l2) ** 2)
        l2_delta = (l2 - y) * l2 * (1 - l2)
        l1_delta = (l2_delta @ syn1.T) * l1 * (1 - l1)
        syn1 = syn1 - lr * (l1.T @ l2_delta)
        syn0 = syn0 - lr * (x.T @ l1_delta)
    prediction = sigmoid_forward(sigmoid_forward(x @ syn0)[0] @ syn1)[0]
    return {"loss": losses, "syn0": syn0, "syn1": syn1, "prediction": prediction}, None


def logistic_regression_training_forward(X, Y, w, b, *, steps, lr):
    """Logistic regression by gradient descent in the course's column convention.

    With X of shape (n_x, m), one example per column (not PyTorch's rows):

        Z = w^T X + b,  A = sigma(Z)
        J = -1/m sum(Y log A + (1 - Y) log(1 - A))
        dZ = A - Y,  dw = X dZ^T / m,  db = sum(dZ) / m

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m), labels 0 or 1
    w : ndarray, shape (n_x, 1)
    b : ndarray, shape (1, 1)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w`` (n_x, 1), ``b`` (1, 1), ``accuracy`` (): the fraction
        of examples with (Z > 0) == Y after the last step.
    cache : None
    """
    losses = np.empty(steps, dtype=X.dtype)
    for step in range(steps):
        Z = w.T @ X + b
        losses[step], dZ = _bce_with_logits(Z, Y)  # dZ already carries the 1/m
        w = w - lr * (X @ dZ.T)
        b = b - lr * np.sum(dZ, keepdims=True)
    return {"loss": losses, "w": w, "b": b, "accuracy": _accuracy(w.T @ X + b > 0, Y == 1, X.dtype)}, None


def xor_network_training_forward(x, y, w1, b1, w2, b2, *, steps, lr):
    """A 2-h-1 sigmoid network learning XOR by full-batch gradient descent.

    h = sigma(x w1^T + b1), z = h w2^T + b2, L = mean binary cross-entropy of
    sigma(z). Backward: dz = (sigma(z) - y) / m, then the linear layer's gradients,
    dh_pre = dh * h (1 - h). XOR is not linearly separable: one layer (or h = 1, one
    line) cannot fit it; two hidden units can, though from some random starts
    they stall in a local minimum (three are more reliable).

    Parameters
    ----------
    x : ndarray, shape (m, 2)
    y : ndarray, shape (m, 1)
    w1 : ndarray, shape (h, 2)
    b1 : ndarray, shape (h,)
    w2 : ndarray, shape (1, h)
    b2 : ndarray, shape (1,)
    steps : int
    lr : float

    Returns
    -------
    outputs : dict
        ``loss`` (steps,), ``w1``, ``b1``, ``w2``, ``b2`` (shapes as given),
        ``accuracy`` (): fraction of the cases with (z > 0) == y after the last step.
    cache : None
    """
    losses = np.empty(steps, dtype=x.dtype)
    for step in range(steps):
        h_pre, cache1 = linear_forward(x, w1, b1)
        h = sigmoid_forward(h_pre)[0]
        z, cache2 = linear_forward(h, w2, b2)
        losses[step], dz = _bce_with_logits(z, y)
        dh, dw2, db2 = linear_backward(dz, cache2)
        _, dw1, db1 = linear_backward(dh * h * (1 - h), cache1)
        w1, b1, w2, b2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2, b2 - lr * db2
    z = linear_forward(sigmoid_forward(linear_forward(x, w1, b1)[0])[0], w2, b2)[0]
    outputs = {"loss": losses, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "accuracy": _accuracy(z > 0, y == 1, x.dtype)}
    return outputs, None


def mlp_logits(x, w1, b1, w2, b2):
    """Logits of the 64-h-10 MLP: relu(x w1^T + b1) w2^T + b2, shape (n, 10)."""
    return linear_forward(relu_forward(linear_forward(x, w1, b1)[0])[0], w2, b2)[0]


def _mlp_step(x, labels, w1, b1, w2, b2):
    """Mean cross-entropy of one mini-batch and its gradients for (w1, b1, w2, b2).

    dL/dlogits = (softmax(logits) - onehot(labels)) / n, then back through the
    linear layers; relu passes the gradient where its input was positive.
    """
    h_pre, cache1 = linear_forward(x, w1, b1)
    h, relu_cache = relu_forward(h_pre)
    logits, cache2 = linear_forward(h, w2, b2)
    log_p = log_softmax_forward(logits, axis=-1)[0]  # max-shifted: no overflow
    rows = np.arange(len(labels))
    loss = -np.mean(log_p[rows, labels])
    dlogits = np.exp(log_p)
    dlogits[rows, labels] -= 1
    dlogits /= len(labels)
    dh, dw2, db2 = linear_backward(dlogits, cache2)
    _, dw1, db1 = linear_backward(relu_backward(dh, relu_cache), cache1)
    return loss, (dw1, db1, dw2, db2)


def digits_mlp_training_forward(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    """A 64-h-10 softmax MLP on the digits, trained by mini-batch SGD.

    Epoch e visits the training rows in the order ``order[e]``, ``batch_size`` at a
    time (the last batch may be smaller); every batch is one step
    W <- W - lr * dL/dW of the mean cross-entropy. Validation accuracy is measured
    after every epoch, test accuracy once at the end.

    Parameters
    ----------
    x_train : ndarray, shape (n_train, 64)
    y_train : ndarray of int64, shape (n_train,)
    x_val, y_val, x_test, y_test : ndarray, shapes (n, 64) and (n,)
    order : ndarray of int64, shape (epochs, n_train)
        A permutation of the training rows per epoch.
    w1 : ndarray, shape (h, 64)
    b1 : ndarray, shape (h,)
    w2 : ndarray, shape (10, h)
    b2 : ndarray, shape (10,)
    lr : float
    batch_size : int

    Returns
    -------
    outputs : dict
        ``loss`` (steps,) with steps = epochs * ceil(n_train / batch_size), ``w1``,
        ``b1``, ``w2``, ``b2`` (shapes as given), ``val_accuracy`` (epochs,),
        ``test_accuracy`` ().
    cache : None
    """
    params = [w1, b1, w2, b2]
    losses, val_accuracy = [], []
    for epoch_order in order:
        for start in range(0, len(epoch_order), batch_size):
            rows = epoch_order[start : start + batch_size]
            loss, grads = _mlp_step(x_train[rows], y_train[rows], *params)
            params = [p - lr * g for p, g in zip(params, grads)]
            losses.append(loss)
        val_accuracy.append(np.mean(mlp_logits(x_val, *params).argmax(axis=1) == y_val))
    dtype = x_train.dtype
    test_accuracy = _accuracy(mlp_logits(x_test, *params).argmax(axis=1), y_test, dtype)
    outputs = {
        "loss": np.array(losses, dtype=dtype),
        **dict(zip(("w1", "b1", "w2", "b2"), params)),
        "val_accuracy": np.array(val_accuracy, dtype=dtype),
        "test_accuracy": test_accuracy,
    }
    return outputs, None


# ------------------------------------------------------------ plain trainers (outputs only)


def train_three_layer_network(x, y, syn0, syn1, *, steps, lr=1.0):
    """:func:`three_layer_network_training_forward` without the cache: the outputs dict."""
    return three_layer_network_training_forward(x, y, syn0, syn1, steps=steps, lr=lr)[0]


def train_logistic_regression(X, Y, w, b, *, steps, lr):
    """:func:`logistic_regression_training_forward` without the cache: the outputs dict."""
    return logistic_regression_training_forward(X, Y, w, b, steps=steps, lr=lr)[0]


def train_xor_network(x, y, w1, b1, w2, b2, *, steps, lr):
    """:func:`xor_network_training_forward` without the cache: the outputs dict."""
    return xor_network_training_forward(x, y, w1, b1, w2, b2, steps=steps, lr=lr)[0]


def train_digits_mlp(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, *, lr, batch_size):
    """:func:`digits_mlp_training_forward` without the cache: the outputs dict (weights (h, 64), (h,), (10, h), (10,))."""
    inputs = (x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2)
    return digits_mlp_training_forward(*inputs, lr=lr, batch_size=batch_size)[0]


# ------------------------------------------------------- trained weights for other modules


def digits_mlp_inputs(rng, data, hidden=32, epochs=10):
    """Batch order and initial weights of a digits MLP run, drawn from ``rng``, with the data.

    Parameters
    ----------
    rng : numpy.random.Generator
    data : dict
        :func:`digits_data`.
    hidden : int
    epochs : int

    Returns
    -------
    dict
        The ``data`` arrays, ``order`` (epochs, n_train) and the initial ``w1``
        (hidden, 64), ``b1`` (hidden,), ``w2`` (10, hidden), ``b2`` (10,) in PyTorch's
        nn.Linear initialisation, in the positional order of :func:`train_digits_mlp`.
    """
    w1, b1 = linear_init(rng, hidden, 64)
    w2, b2 = linear_init(rng, 10, hidden)
    order = batch_order(rng, epochs, len(data["y_train"]))
    return {**data, "order": order, "w1": w1, "b1": b1, "w2": w2, "b2": b2}


def trained_digits_mlp(seed=0, hidden=32, epochs=10, lr=0.125, batch_size=32):
    """Train the digits MLP in float64 and return its weights and data.

    Returns
    -------
    params : dict
        ``w1`` (hidden, 64), ``b1`` (hidden,), ``w2`` (10, hidden), ``b2`` (10,),
        PyTorch layout (logits = relu(x w1^T + b1) w2^T + b2).
    data : dict
        :func:`digits_data` of the same seed (x scaled to [0, 1]).
    """
    data = digits_data(seed)
    inputs = digits_mlp_inputs(np.random.default_rng(seed), data, hidden, epochs)
    outputs = train_digits_mlp(*inputs.values(), lr=lr, batch_size=batch_size)
    return {k: outputs[k] for k in ("w1", "b1", "w2", "b2")}, data


def trained_three_layer_network(seed=1, hidden=4, steps=10000):
    """Train the 3-h-1 tutorial network on :func:`binary_table`.

    Returns
    -------
    dict
        ``syn0`` (3, hidden) and ``syn1`` (hidden, 1), tutorial layout
        (prediction = sigma(sigma(x syn0) syn1)).
    """
    rng = np.random.default_rng(seed)
    x, y = binary_table()
    outputs = train_three_layer_network(x, y, uniform_init(rng, 3, hidden), uniform_init(rng, hidden, 1), steps=steps)
    return {"syn0": outputs["syn0"], "syn1": outputs["syn1"]}
