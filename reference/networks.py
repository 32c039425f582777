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

from reference import checks
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

    Raises
    ------
    ValueError
        Naming ``seed`` when it is not a non-negative int, ``validation`` or ``test``
        outside (0, 1), ``validation`` when the two leave no training set.
    """
    checks.count(seed, "seed")
    checks.in_range(validation, "validation", low_closed=False)
    checks.in_range(test, "test", low_closed=False)
    if validation + test >= 1:
        raise ValueError(f"validation + test must be below 1 to leave a training set, got {validation} + {test}")
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
    """Weights uniform in [-1, 1) (the 11-lines tutorial's ``2 * random - 1``).

    Raises
    ------
    ValueError
        Naming ``shape[i]`` when a size is not a non-negative int.
    """
    for i, size in enumerate(shape):
        checks.count(size, f"shape[{i}]")
    return 2 * rng.random(shape) - 1


def linear_init(rng, n_out, n_in):
    """PyTorch's nn.Linear initialisation, drawn by NumPy: w (n_out, n_in), b (n_out,) ~ U(+-1/sqrt(n_in)).

    Raises
    ------
    ValueError
        Naming ``n_out`` when it is not a non-negative int, ``n_in`` when not a positive
        int (the bound 1/sqrt(n_in) needs n_in > 0).
    """
    checks.count(n_out, "n_out")
    checks.count(n_in, "n_in", minimum=1)
    bound = 1 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out)


def batch_order(rng, epochs, n):
    """One random permutation of range(n) per epoch: int64 array of shape (epochs, n).

    Raises
    ------
    ValueError
        Naming ``epochs`` when it is not a positive int, ``n`` when not a non-negative int.
    """
    checks.count(epochs, "epochs", minimum=1)
    checks.count(n, "n")
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

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (m, in), ``syn0`` when not (in, h), ``syn1`` when
        not (h, k), ``y`` when not (m, k), ``steps`` when not a positive int and
        ``lr`` when not positive.
    """
    if np.ndim(x) != 2:
        raise ValueError(f"x must have shape (m, in), got {np.shape(x)}")
    if np.ndim(syn0) != 2 or syn0.shape[0] != x.shape[1]:
        raise ValueError(f"syn0 must have shape (in, hidden) matching x's {x.shape[1]} features, got {np.shape(syn0)}")
    if np.ndim(syn1) != 2 or syn1.shape[0] != syn0.shape[1]:
        raise ValueError(
            f"syn1 must have shape (hidden, out) matching the {syn0.shape[1]} outputs of syn0, got {np.shape(syn1)}"
        )
    checks.targets(y, x, syn1.shape[1])
    checks.training_run(steps, lr)
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

    Raises
    ------
    ValueError
        Naming ``X`` when it is not (n_x, m), ``Y`` when not (1, m), ``w`` when not
        (n_x, 1), ``b`` when not a single number, ``steps`` when not a positive int
        and ``lr`` when not positive.
    """
    if np.ndim(X) != 2:
        raise ValueError(f"X must have shape (n_x, m), one example per column, got {np.shape(X)}")
    n_x, m = X.shape
    if np.shape(Y) != (1, m):
        raise ValueError(f"Y must have shape (1, {m}), one label per column of X, got {np.shape(Y)}")
    if np.shape(w) != (n_x, 1):
        raise ValueError(f"w must have shape ({n_x}, 1), one weight per row of X, got {np.shape(w)}")
    if np.size(b) != 1 or np.ndim(b) > 2:
        raise ValueError(f"b must be a single number, shape (1, 1), got shape {np.shape(b)}")
    checks.training_run(steps, lr)
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

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (m, in), ``w1``, ``b1``, ``w2`` or ``b2`` when a
        layer does not fit, ``y`` when not (m, out), ``steps`` when not a positive
        int and ``lr`` when not positive.
    """
    out = checks.dense_layers(x, [("w1", w1, "b1", b1), ("w2", w2, "b2", b2)])
    checks.targets(y, x, out)
    checks.training_run(steps, lr)
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
    """Logits of the 64-h-10 MLP: relu(x w1^T + b1) w2^T + b2, shape (n, 10).

    Raises
    ------
    ValueError
        Naming ``x`` when it is not (n, in), ``w1``, ``b1``, ``w2`` or ``b2`` when a
        layer does not fit.
    """
    checks.dense_layers(x, [("w1", w1, "b1", b1), ("w2", w2, "b2", b2)])
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


def _check_digits(x_train, y_train, x_val, y_val, x_test, y_test, order, params):
    """The layers fit x_train; every split has x_train's features and one label in [0, classes) per row."""
    w1, b1, w2, b2 = params
    n_classes = checks.dense_layers(x_train, [("w1", w1, "b1", b1), ("w2", w2, "b2", b2)], x_name="x_train")
    for split, x, y in (("train", x_train, y_train), ("val", x_val, y_val), ("test", x_test, y_test)):
        checks.same_features(x, x_train, f"x_{split}")
        checks.labels(y, x, n_classes, f"y_{split}", f"x_{split}")
    if np.ndim(order) != 2:
        raise ValueError(f"order must have shape (epochs, n_train), got {np.shape(order)}")
    checks.indices(order, len(x_train), "order", what="row indices")


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

    Raises
    ------
    TypeError
        When a label array or ``order`` does not hold integers.
    ValueError
        Naming ``x_train`` when it is not (n_train, in), ``w1``, ``b1``, ``w2`` or ``b2``
        when a layer does not fit, ``x_val`` or ``x_test`` when their features differ
        from x_train's, a label array when it is not one class index in [0, classes)
        per row, ``order`` when it is not (epochs, n) with row indices in [0, n_train),
        ``lr`` when not positive and ``batch_size`` when not a positive int.
    """
    _check_digits(x_train, y_train, x_val, y_val, x_test, y_test, order, (w1, b1, w2, b2))
    checks.positive(lr, "lr")
    checks.count(batch_size, "batch_size", minimum=1)
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

    Raises
    ------
    ValueError
        Naming ``hidden`` or ``epochs`` when not a positive int.
    """
    checks.count(hidden, "hidden", minimum=1)
    checks.count(epochs, "epochs", minimum=1)
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

    Raises
    ------
    ValueError
        Naming ``seed``, ``hidden``, ``epochs``, ``lr`` or ``batch_size`` when out of
        range, as :func:`digits_data`, :func:`digits_mlp_inputs` and
        :func:`digits_mlp_training_forward` check them.
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

    Raises
    ------
    ValueError
        Naming ``seed`` when not a non-negative int, ``hidden`` or ``steps`` when not a
        positive int.
    """
    checks.count(seed, "seed")
    checks.count(hidden, "hidden", minimum=1)
    checks.count(steps, "steps", minimum=1)
    rng = np.random.default_rng(seed)
    x, y = binary_table()
    outputs = train_three_layer_network(x, y, uniform_init(rng, 3, hidden), uniform_init(rng, hidden, 1), steps=steps)
    return {"syn0": outputs["syn0"], "syn1": outputs["syn1"]}
