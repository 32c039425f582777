"""The trained dense network as a paddle.nn.Sequential of Linear layers."""

import paddle

ACTIVATIONS = {"sigmoid": paddle.nn.Sigmoid, "relu": paddle.nn.ReLU, "softmax": lambda: paddle.nn.Softmax(axis=1)}


def build_network(weights, activations):
    """nn.Sequential of Linear layers holding the given (out, in) weights, in their dtype."""
    layers = []
    for (w, b), activation in zip(zip(weights[::2], weights[1::2]), activations):
        linear = paddle.nn.Linear(w.shape[1], w.shape[0]).to(dtype=w.dtype)  # created float32: the weights' dtype
        with paddle.no_grad():
            linear.weight.set_value(w.T)  # paddle.nn.Linear stores (in, out): the NumPy (out, in) weight transposed
            linear.bias.set_value(b)
        layers += [linear, ACTIVATIONS[activation]()]
    return paddle.nn.Sequential(*layers).eval()


def dense_network(x, w1, b1, w2, b2, *, activations):
    # Named weights (the samples' names) so that keyword calls work; torch's version takes *weights.
    with paddle.no_grad():
        probabilities = build_network((w1, b1, w2, b2), activations)(x)
    return {"out": probabilities, "prediction": _predict(probabilities)}


def _predict(probabilities):
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] > 0.5).astype("int64")
    return probabilities.argmax(axis=1)
