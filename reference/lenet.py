"""A small LeNet trained on scikit-learn's 8x8 digits in NumPy, with the reference conv and pool layers.

conv(1 -> c1, 3x3, pad 1) -> relu -> max pool 2 -> conv(c1 -> c2, 3x3, pad 1) -> relu
-> max pool 2 -> flatten (c2, 2, 2) -> dense (10, 4 c2) -> softmax, trained by
mini-batch SGD on the mean cross-entropy. Every layer is a pinned reference function
(``conv2d_*``, ``max_pool2d_*``, ``relu_*``, ``linear_*``, ``cross_entropy_*``); only the
chain rule between them is written here. Images are NCHW, conv weights OIHW, the dense
weight (out, in) over the flattened (C, H, W) features: PyTorch's layouts.
"""

import numpy as np

from reference import checks
from reference.activations import relu_backward, relu_forward
from reference.conv import conv2d_backward, conv2d_forward
from reference.layers import linear_backward, linear_forward
from reference.losses import cross_entropy_backward, cross_entropy_forward
from reference.networks import batch_order, digits_data, linear_init
from reference.pooling import max_pool2d_backward, max_pool2d_forward

PARAMETERS = ("w1", "b1", "w2", "b2", "w3", "b3")
"""The trained arrays, in the order of :func:`lenet_logits` and of every framework's layers."""


def digit_images(data):
    """:func:`reference.networks.digits_data` as images: x_* of shape (n, 1, 8, 8), pixels in [-1, 1].

    Pixels 0..1 become 2 x - 1: zero-centred inputs let SGD move the conv weights in
    any direction at once (with inputs all >= 0 every weight of a filter gets a
    gradient of the same sign); it reaches 97 % in fewer epochs.
    """
    return {k: 2 * v.reshape(-1, 1, 8, 8) - 1 if k.startswith("x_") else v for k, v in data.items()}


def conv_init(rng, out_channels, in_channels, size=3):
    """PyTorch's nn.Conv2d initialisation, drawn by NumPy: w (out, in, k, k), b (out,) ~ U(+-1/sqrt(in k k))."""
    fan_in = in_channels * size * size
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, (out_channels, in_channels, size, size)), rng.uniform(-bound, bound, out_channels)


def lenet_inputs(rng, data, channels=(32, 32), epochs=1):
    """The images, one batch order per epoch and PyTorch-style initial weights, drawn from ``rng``.

    Returns
    -------
    dict
        ``x_train`` (n, 1, 8, 8) ... ``y_test`` from ``data``, ``order`` (epochs, n_train),
        ``w1`` (c1, 1, 3, 3), ``b1`` (c1,), ``w2`` (c2, c1, 3, 3), ``b2`` (c2,),
        ``w3`` (10, 4 c2), ``b3`` (10,), in the positional order of
        :func:`lenet_digits_training_forward`.
    """
    c1, c2 = channels
    w1, b1 = conv_init(rng, c1, 1)
    w2, b2 = conv_init(rng, c2, c1)
    w3, b3 = linear_init(rng, 10, 4 * c2)
    order = batch_order(rng, epochs, len(data["y_train"]))
    return {**digit_images(data), "order": order, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "w3": w3, "b3": b3}


def lenet_logits(x, w1, b1, w2, b2, w3, b3):
    """Logits (n, 10) of the network and the caches of its layers, in forward order."""
    h1, conv1 = conv2d_forward(x, w1, b1, padding=1)
    r1, relu1 = relu_forward(h1)
    p1, pool1 = max_pool2d_forward(r1, kernel_size=2)
    h2, conv2 = conv2d_forward(p1, w2, b2, padding=1)
    r2, relu2 = relu_forward(h2)
    p2, pool2 = max_pool2d_forward(r2, kernel_size=2)
    logits, dense = linear_forward(p2.reshape(len(x), -1), w3, b3)  # flatten (C, H, W), PyTorch's order
    return logits, (conv1, relu1, pool1, conv2, relu2, pool2, dense, p2.shape)


def _lenet_step(x, labels, *params):
    """Mean cross-entropy of one mini-batch and its gradients, in the order of :data:`PARAMETERS`."""
    logits, (conv1, relu1, pool1, conv2, relu2, pool2, dense, pooled_shape) = lenet_logits(x, *params)
    loss, loss_cache = cross_entropy_forward(logits, labels)
    dflat, dw3, db3 = linear_backward(cross_entropy_backward(1.0, loss_cache), dense)
    dr2 = max_pool2d_backward(dflat.reshape(pooled_shape), pool2)
    dp1, dw2, db2 = conv2d_backward(relu_backward(dr2, relu2), conv2)
    dr1 = max_pool2d_backward(dp1, pool1)
    _, dw1, db1 = conv2d_backward(relu_backward(dr1, relu1), conv1)
    return loss, (dw1, db1, dw2, db2, dw3, db3)


def _check_lenet(x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3):
    """8x8 single-channel images, labels in [0, 10), layers that fit one another."""
    for split, x, y in (("train", x_train, y_train), ("val", x_val, y_val), ("test", x_test, y_test)):
        if np.ndim(x) != 4 or x.shape[1:] != (1, 8, 8):
            raise ValueError(f"x_{split} must have shape (n, 1, 8, 8), one 8x8 image per row, got {np.shape(x)}")
        if np.shape(y) != (len(x),):
            raise ValueError(f"y_{split} must have shape ({len(x)},), a label per image of x_{split}, got {np.shape(y)}")
        checks.indices(y, 10, f"y_{split}")
    if np.ndim(w1) != 4 or w1.shape[1:] != (1, 3, 3):
        raise ValueError(f"w1 must have shape (c1, 1, 3, 3), got {np.shape(w1)}")
    c1 = w1.shape[0]
    if np.ndim(w2) != 4 or w2.shape[1:] != (c1, 3, 3):
        raise ValueError(f"w2 must have shape (c2, {c1}, 3, 3) after w1's {c1} channels, got {np.shape(w2)}")
    c2 = w2.shape[0]
    for name, b, size in (("b1", b1, c1), ("b2", b2, c2)):
        if np.shape(b) != (size,):
            raise ValueError(f"{name} must have shape ({size},), got {np.shape(b)}")
    checks.dense_layers(np.empty((0, 4 * c2)), [("w3", w3, "b3", b3)], x_name="the flattened features")
    if w3.shape[0] != 10:
        raise ValueError(f"w3 must have shape (10, {4 * c2}), one row per digit, got {np.shape(w3)}")
    if np.ndim(order) != 2 or order.size == 0:
        raise ValueError(f"order must have shape (epochs, n_train) with at least one step, got {np.shape(order)}")
    checks.indices(order, len(x_train), "order", what="row indices")


def lenet_digits_training_forward(
    x_train, y_train, x_val, y_val, x_test, y_test, order, w1, b1, w2, b2, w3, b3, *, lr, momentum, batch_size
):
    """The LeNet on the digits, trained by mini-batch SGD.

    Epoch e visits the training images in the order ``order[e]``, ``batch_size`` at a
    time (the last batch may be smaller); every batch is one step of SGD with momentum.
    Backward, layer by layer: dlogits = (softmax - onehot) / B; the dense layer's
    gradients; reshape to (B, c2, 2, 2); each max pool sends its gradient to the
    first maximum of its window; relu passes it where its input was positive; each
    conv gives dw = dout cols^T, db = sum dout and dx by a transposed convolution.

    Parameters
    ----------
    x_train, x_val, x_test : ndarray, shape (n, 1, 8, 8)
    y_train, y_val, y_test : ndarray of int64, shape (n,)
    order : ndarray of int64, shape (epochs, n_train)
    w1 : ndarray, shape (c1, 1, 3, 3)
    b1 : ndarray, shape (c1,)
    w2 : ndarray, shape (c2, c1, 3, 3)
    b2 : ndarray, shape (c2,)
    w3 : ndarray, shape (10, 4 c2)
    b3 : ndarray, shape (10,)
    lr : float
    momentum : float
        In [0, 1): PyTorch's SGD momentum, v <- momentum v + dL/dW, W <- W - lr v
        (v starts at 0).
    batch_size : int

    Returns
    -------
    outputs : dict
        ``loss`` (steps,) with steps = epochs * ceil(n_train / batch_size), the final
        weights under their names, ``val_accuracy`` (epochs,) and ``test_accuracy`` ().
    cache : None

    Raises
    ------
    TypeError
        When a label array or ``order`` does not hold integers.
    ValueError
        Naming the image array that is not (n, 1, 8, 8), the label array that is not
        one digit in [0, 10) per image, the weight that does not fit, ``order`` when it
        is not (epochs, n) with row indices in [0, n_train) (an empty one: no step),
        ``lr`` when not positive, ``momentum`` outside [0, 1) and ``batch_size`` when
        not a positive int.
    """
    params = [w1, b1, w2, b2, w3, b3]
    _check_lenet(x_train, y_train, x_val, y_val, x_test, y_test, order, *params)
    checks.positive(lr, "lr")
    checks.in_range(momentum, "momentum")
    checks.count(batch_size, "batch_size", minimum=1)
    dtype = x_train.dtype
    velocity = [np.zeros_like(p) for p in params]
    losses, val_accuracy = [], []
    for epoch_order in order:
        for start in range(0, len(epoch_order), batch_size):
            rows = epoch_order[start : start + batch_size]
            loss, grads = _lenet_step(x_train[rows], y_train[rows], *params)
            velocity = [momentum * v + g for v, g in zip(velocity, grads)]  # PyTorch's form: v <- mu v + g
            params = [p - lr * v for p, v in zip(params, velocity)]
            losses.append(loss)
        val_accuracy.append(np.mean(lenet_logits(x_val, *params)[0].argmax(axis=1) == y_val))
    test_accuracy = np.mean(lenet_logits(x_test, *params)[0].argmax(axis=1) == y_test)
    return {
        "loss": np.array(losses, dtype=dtype), **dict(zip(PARAMETERS, params)),
        "val_accuracy": np.array(val_accuracy, dtype=dtype), "test_accuracy": np.asarray(test_accuracy, dtype=dtype),
    }, None


def train_lenet(seed=0, channels=(32, 32), epochs=1, lr=0.0625, momentum=0.875, batch_size=32, dtype="float64"):
    """Draw a run with :func:`lenet_inputs` from ``seed`` and train it: the outputs dict."""
    rng = np.random.default_rng(seed)
    inputs = lenet_inputs(rng, digits_data(seed), channels, epochs)
    inputs = {k: v.astype(dtype) if v.dtype.kind == "f" else v for k, v in inputs.items()}
    return lenet_digits_training_forward(**inputs, lr=lr, momentum=momentum, batch_size=batch_size)[0]
