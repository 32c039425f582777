"""Layers in NumPy, forward and hand-derived backward (PyTorch layout)."""

import numpy as np

from reference import checks
from reference.broadcasting import unbroadcast


def _check_linear(x, w, b):
    """x (..., in), w (out, in) with x's in features, b broadcasting to the output without enlarging it."""
    if np.ndim(x) < 1:
        raise ValueError(f"x must have shape (..., in_features) with at least one axis, got {np.shape(x)}")
    if np.ndim(w) != 2 or w.shape[1] != x.shape[-1]:
        raise ValueError(f"w must have shape (out_features, in_features) matching x's {x.shape[-1]} features, got {np.shape(w)}")
    out_shape = x.shape[:-1] + w.shape[:1]
    try:
        fits = np.broadcast_shapes(out_shape, np.shape(b)) == out_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"b must broadcast to the output's shape {out_shape} without enlarging it, got {np.shape(b)}")


def linear_forward(x, w, b):
    """Fully connected layer, the neuron v = sum(x * w) + b for a whole batch.

    Parameters
    ----------
    x : ndarray, shape (..., in)
        Any number of leading axes (none: a single sample), as ``F.linear`` takes.
    w : ndarray, shape (out, in)
        PyTorch's layout: one row of weights per output unit.
    b : ndarray, shape (out,) or any shape that broadcasts to (..., out)
        Such as (1,) (one bias shared by every unit) or () .

    Returns
    -------
    out : ndarray, shape (..., out)
        out = x @ w.T + b
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``x`` when it is 0-d, ``w`` when it is not (out, in) with x's in
        features, ``b`` when it does not broadcast to (..., out) or would enlarge it.
    """
    _check_linear(x, w, b)
    return x @ w.T + b, (x, w, np.shape(b))


def linear_backward(dout, cache):
    """Gradients of the linear layer.

    Parameters
    ----------
    dout : ndarray, shape (..., out)

    Returns
    -------
    dx : ndarray, shape (..., in)
        dout @ w
    dw : ndarray, shape (out, in)
        dout.T @ x, with every leading axis of x and dout flattened into one batch axis
    db : ndarray, shape of b
        dout summed over the axes b was broadcast along (:func:`reference.broadcasting.unbroadcast`)
    """
    x, w, b_shape = cache
    batch_x, batch_dout = x.reshape(-1, w.shape[1]), dout.reshape(-1, w.shape[0])  # (..., f) -> (M, f)
    return dout @ w, batch_dout.T @ batch_x, unbroadcast(dout, b_shape)


def _channel_axes(x):
    """Axes batch norm averages over: every axis but the channel axis 1 of (N, C, *)."""
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, C, *) for batch_norm, got shape {x.shape}")
    return (0,) + tuple(range(2, x.ndim))


def _check_batch_norm(x, axes, per_channel, momentum, eps, training):
    """Check the (C,) vectors, the hyper-parameters and, in training, that a channel has m > 1 values."""
    channels = x.shape[1]
    if channels == 0:
        raise ValueError(f"x must have at least one channel, got shape {x.shape}")
    for name, v in per_channel.items():
        if np.shape(v) != (channels,):
            raise ValueError(f"{name} must have shape ({channels},), one per channel of x {x.shape}, got {np.shape(v)}")
    if np.any(per_channel["running_var"] < 0):
        raise ValueError(f"running_var must be non-negative, got minimum {np.min(per_channel['running_var'])}")
    if not (np.ndim(momentum) == 0 and np.asarray(momentum).dtype.kind in "iuf" and np.isfinite(momentum)):
        raise ValueError(f"momentum must be a finite number, got {momentum!r}")
    checks.positive(eps, "eps")
    m = int(np.prod([x.shape[axis] for axis in axes]))
    if training and m < 2:
        raise ValueError(
            f"x must have more than one value per channel in training (the unbiased running variance "
            f"divides by m - 1), got shape {x.shape}"
        )


def _per_channel(v, x):
    """A (C,) vector shaped to broadcast against x: (1, C), (1, C, 1), (1, C, 1, 1), ..."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def batch_norm_forward(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    """Batch normalisation over the batch (and spatial) axes, PyTorch's conventions.

    Parameters
    ----------
    x : ndarray, shape (N, C, *)
        (N, C), (N, C, L), (N, C, H, W), ... as ``F.batch_norm`` takes.
    gamma, beta : ndarray, shape (C,)
        Scale and shift.
    running_mean, running_var : ndarray, shape (C,)
        Running statistics before this call.
    momentum : float
        Weight of the new batch in the running statistics (Keras's momentum is 1 - this).
        Any finite number, as torch takes it: outside [0, 1] the update extrapolates.
    eps : float
        Added to the variance before the square root.
    training : bool
        True: normalise with the batch statistics and update the running ones.
        False (eval mode): normalise with the running statistics, which stay as they are.

    Returns
    -------
    out : dict
        ``out`` (shape of x), y = gamma * (x - mu) / sqrt(var + eps) + beta with the biased
        batch variance var = mean((x - mu)**2); ``running_mean`` = (1 - momentum) *
        running_mean + momentum * mu and ``running_var`` = (1 - momentum) * running_var +
        momentum * var * m / (m - 1), the unbiased variance over the m = N*H*W (N*L, ...)
        values of a channel.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``x`` when it has fewer than two axes, no channel or, in training, a
        single value per channel; ``gamma``, ``beta``, ``running_mean`` or
        ``running_var`` when not of shape (C,); ``running_var`` when negative;
        ``momentum`` when not a finite number; ``eps`` <= 0.
    """
    axes = _channel_axes(x)
    per_channel = {"gamma": gamma, "beta": beta, "running_mean": running_mean, "running_var": running_var}
    _check_batch_norm(x, axes, per_channel, momentum, eps, training)
    if training:
        m = x.size // x.shape[1]
        mean = x.mean(axis=axes)
        var = ((x - _per_channel(mean, x)) ** 2).mean(axis=axes)  # two-pass: no cancellation
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * (m / (m - 1))
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - _per_channel(mean, x)) * _per_channel(inv_std, x)
    out = _per_channel(gamma, x) * x_hat + _per_channel(beta, x)
    outputs = {"out": out, "running_mean": new_mean, "running_var": new_var}
    return outputs, (x_hat, gamma, inv_std, axes, training)


def batch_norm_backward(dout, cache):
    """Gradients of batch normalisation.

    Training mode, per channel over its m values (mean over those values written <.>):

    dx = gamma * inv_std * (dout - <dout> - x_hat * <dout * x_hat>)

    because mu and var depend on x. Eval mode: dx = gamma * inv_std * dout.
    Both: dgamma = sum(dout * x_hat), dbeta = sum(dout).

    Returns
    -------
    dx : ndarray, shape of x
    dgamma, dbeta : ndarray, shape (C,)
    """
    x_hat, gamma, inv_std, axes, training = cache
    dgamma = (dout * x_hat).sum(axis=axes)
    dbeta = dout.sum(axis=axes)
    dx_hat = dout * _per_channel(gamma * inv_std, dout)
    if training:
        mean_dx_hat = dx_hat.mean(axis=axes, keepdims=True)
        dx_hat = dx_hat - mean_dx_hat - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True)
    return dx_hat, dgamma, dbeta


def dropout_forward(x, mask, *, p):
    """Inverted dropout with a given keep-mask.

    Parameters
    ----------
    x : ndarray, any shape
    mask : ndarray, shape of x
        1 where a unit is kept, 0 where it is dropped (drawn elsewhere with P(0) = p).
    p : float
        Drop probability, 0 <= p < 1.

    Returns
    -------
    out : ndarray, shape of x
        x * mask / (1 - p): kept units are scaled up in training so that the expected
        output equals x and evaluation needs no rescaling.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``p`` outside [0, 1), ``mask`` when it does not broadcast against x.
    """
    checks.in_range(p, "p")
    checks.broadcastable(x, mask, "x", "mask")
    scale = mask / (1 - p)  # Python float p keeps mask's dtype
    return x * scale, scale


def dropout_backward(dout, cache):
    """dx = dout * mask / (1 - p): the same scaled mask routes the gradient."""
    return dout * cache
