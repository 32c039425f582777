"""Activations with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle
import paddle.nn.functional as F


def sigmoid(x):
    return F.sigmoid(x)


def tanh(x):
    return paddle.tanh(x)


def relu(x):
    return F.relu(x)


def leaky_relu(x, *, negative_slope=0.01):
    # Its derivative at exactly x = 0 is 1, where torch takes the slope (catalog entry leaky-relu-grad-at-zero).
    return F.leaky_relu(x, negative_slope=negative_slope)


def elu(x, *, alpha=1.0):
    return F.elu(x, alpha=alpha)


def softplus(x, *, beta=1.0, threshold=20.0):
    # beta and threshold as in torch: above beta * x = threshold Paddle returns x itself.
    return F.softplus(x, beta=beta, threshold=threshold)


def gelu(x, *, approximate="none"):
    # Paddle's approximate is a bool (default False): torch's "tanh" is approximate=True.
    return F.gelu(x, approximate=approximate == "tanh")


def softmax(x, *, axis=-1):
    return F.softmax(x, axis=axis)


def log_softmax(x, *, axis=-1):
    return F.log_softmax(x, axis=axis)


# Catalog sides (comparisons/divergences/activations.py).


def leaky_relu_where(x, *, negative_slope=0.01):
    """Leaky relu written with paddle.where on x > 0: its derivative at exactly 0 is the slope, as torch's."""
    return paddle.where(x > 0, x, negative_slope * x)  # F.leaky_relu's kernel tests x >= 0 instead


def log_softmax_by_logsumexp(x, *, axis=-1):
    """x - logsumexp(x): log-softmax outside Paddle's softmax kernel, which clips shifted logits at -64."""
    return x - paddle.logsumexp(x, axis=axis, keepdim=True)
