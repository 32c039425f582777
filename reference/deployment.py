"""Inference with a trained dense network in NumPy: the pass an exported model must reproduce."""

import numpy as np

from reference import activations as act
from reference import checks
from reference.layers import linear_forward

ACTIVATIONS = {
    "sigmoid": act.sigmoid_forward,
    "relu": lambda x: act.relu_forward(x),
    "softmax": lambda x: act.softmax_forward(x, axis=-1),
}


def predict(probabilities):
    """Class decisions from output probabilities.

    Parameters
    ----------
    probabilities : ndarray, shape (N, classes)
        One column: P(class 1), decided at 0.5. Several: a distribution, decided by argmax.

    Returns
    -------
    ndarray of int64, shape (N,)

    Raises
    ------
    ValueError
        Naming ``probabilities`` when it is not (N, classes) with at least one class.
    """
    if np.ndim(probabilities) != 2 or probabilities.shape[1] == 0:
        raise ValueError(f"probabilities must have shape (N, classes) with classes >= 1, got {np.shape(probabilities)}")
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] > 0.5).astype(np.int64)
    return np.argmax(probabilities, axis=1).astype(np.int64)


def dense_network_forward(x, w1, b1, w2, b2, *, activations):
    """Forward pass of a trained two-layer fully connected network.

    Parameters
    ----------
    x : ndarray, shape (N, in)
    w1, b1, w2, b2 : ndarrays
        w_k of shape (out_k, in_k) (PyTorch layout) and b_k (out_k,).
    activations : tuple of str
        One per layer (two): "sigmoid", "relu" or "softmax".

    Returns
    -------
    out : dict
        ``"out"``: the output probabilities a_L, with a_0 = x and
        a_k = f_k(a_{k-1} W_k^T + b_k); ``"prediction"``: the class decisions.
    cache : None
        Inference only: nothing flows back.

    Raises
    ------
    ValueError
        Naming ``activations`` when their number does not match the weights or a name
        is unknown, ``x`` when it is not (N, in), ``w<k>`` or ``b<k>`` (counted from 1)
        when a layer does not fit the one before.
    """
    weights = (w1, b1, w2, b2)
    if len(weights) != 2 * len(activations):
        raise ValueError(f"activations: {len(activations)} layers need {2 * len(activations)} weight arrays, got {len(weights)}")
    unknown = [name for name in activations if name not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"activations must be names from {tuple(ACTIVATIONS)}, got {unknown[0]!r}")
    layers = [(f"w{k}", w, f"b{k}", b) for k, (w, b) in enumerate(zip(weights[::2], weights[1::2]), start=1)]
    checks.dense_layers(x, layers)
    a = x
    for (w, b), name in zip(zip(weights[::2], weights[1::2]), activations):
        a = ACTIVATIONS[name](linear_forward(a, w, b)[0])[0]
    return {"out": a, "prediction": predict(a)}, None
