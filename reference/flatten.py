"""A convolutional feature map flattened and fed to a dense layer, forward and hand-derived backward.

The head of most image classifiers: ``Flatten()`` then ``Linear``. The flatten order is
part of the dense weight's meaning: PyTorch (and PaddlePaddle) flatten an NCHW map as
(C, H, W), so input feature ``k = (c H + h) W + w`` of the dense layer is pixel (h, w) of
channel c. The reference keeps that order (PyTorch's layout, as everywhere here);
Keras and flax flatten NHWC as (H, W, C), which is why a copied dense weight needs its
columns reordered (:mod:`framework_impls.conversions.conv`).
"""

import numpy as np


def flatten_dense_forward(x, w, b):
    """``Linear(Flatten(x))``: flatten (C, H, W) in that order, then ``x_flat w^T + b``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (out, C * H * W)
        PyTorch's (out, in) dense weight; column ``(c H + h) W + w`` reads pixel (h, w) of channel c.
    b : ndarray, shape (out,)

    Returns
    -------
    out : ndarray, shape (N, out)
        ``out[n, o] = b[o] + sum_{c, h, w} w[o, (c H + h) W + w] x[n, c, h, w]``
    cache : tuple
        ``(x_flat, w, x.shape)``.
    """
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    features = int(np.prod(x.shape[1:]))
    if w.ndim != 2 or w.shape[1] != features:
        raise ValueError(f"w must have shape (out, C * H * W = {features}), got {w.shape}")
    if b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},), got {b.shape}")
    x_flat = x.reshape(x.shape[0], features)  # row-major: (C, H, W), PyTorch's nn.Flatten
    return x_flat @ w.T + b, (x_flat, w, x.shape)


def flatten_dense_backward(dout, cache):
    """Gradients of :func:`flatten_dense_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, out)

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        ``(dout w)`` unflattened in the same (C, H, W) order.
    dw : ndarray, shape (out, C * H * W)
        ``dout^T x_flat``.
    db : ndarray, shape (out,)
        ``dout`` summed over the batch.
    """
    x_flat, w, x_shape = cache
    return (dout @ w).reshape(x_shape), dout.T @ x_flat, dout.sum(axis=0)
