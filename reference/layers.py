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


# Normalisation layers and embeddings -----------------------------------------------------


def _check_affine(x, gamma, beta=None):
    """``gamma`` (and ``beta``) have at least one axis and the shape of x's trailing ``gamma.ndim`` axes."""
    gamma_shape = np.shape(gamma)
    if len(gamma_shape) == 0 or len(gamma_shape) > x.ndim or x.shape[x.ndim - len(gamma_shape):] != gamma_shape:
        raise ValueError(
            f"gamma must have the shape of the trailing axes of x it normalises (at least one), "
            f"got gamma {gamma_shape} for x {x.shape}"
        )
    if beta is not None and np.shape(beta) != gamma_shape:
        raise ValueError(f"beta must have the shape of gamma {gamma_shape}, got {np.shape(beta)}")
    if 0 in gamma_shape:
        raise ValueError(f"gamma must have no empty axis: the mean over zero values is undefined, got {gamma_shape}")
    return tuple(range(x.ndim - len(gamma_shape), x.ndim))


def _normalise(x, axes, eps):
    """(x_hat, inv_std) over ``axes``, the two-pass variance mean((x - mu)^2): no cancellation at a large mean."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)  # biased, as every framework normalises with
    inv_std = 1 / np.sqrt(var + eps)
    return centred * inv_std, inv_std


def _normalise_backward(dx_hat, x_hat, inv_std, axes):
    """dx of x_hat = (x - mu) * inv_std: inv_std * (g - <g> - x_hat <g x_hat>), means <.> over ``axes``."""
    mean_g = dx_hat.mean(axis=axes, keepdims=True)
    mean_g_x_hat = (dx_hat * x_hat).mean(axis=axes, keepdims=True)
    return inv_std * (dx_hat - mean_g - x_hat * mean_g_x_hat)


def layer_norm_forward(x, gamma, beta, *, eps=1e-5):
    """Layer normalisation over the trailing ``gamma.ndim`` axes, torch's ``F.layer_norm``.

    Parameters
    ----------
    x : ndarray, shape (*, D_1, ..., D_k)
    gamma, beta : ndarray, shape (D_1, ..., D_k)
        Scale and shift; their shape is torch's ``normalized_shape``.
    eps : float
        Added to the variance before the square root (torch 1e-5, Keras 1e-3, flax 1e-6).

    Returns
    -------
    out : ndarray, shape of x
        y = gamma * (x - mu) / sqrt(var + eps) + beta, mu and the biased variance
        var = mean((x - mu)^2) taken per leading index over the k trailing axes.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``gamma`` when it is 0-d or not the shape of x's trailing axes, ``beta``
        when its shape is not gamma's, ``eps`` when negative.
    """
    axes = _check_affine(x, gamma, beta)
    checks.non_negative(eps, "eps")
    x_hat, inv_std = _normalise(x, axes, eps)
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, axes)


def layer_norm_backward(dout, cache):
    """Gradients of layer normalisation.

    Over the normalised axes of one leading index (mean over those m values written <.>),
    with g = dout * gamma:

    dx = inv_std * (g - <g> - x_hat <g x_hat>),
    dgamma = sum of dout * x_hat over the leading axes, dbeta = sum of dout.

    Returns
    -------
    dx : ndarray, shape of x
    dgamma, dbeta : ndarray, shape of gamma
    """
    x_hat, gamma, inv_std, axes = cache
    leading = tuple(range(dout.ndim - len(axes)))
    dx = _normalise_backward(dout * gamma, x_hat, inv_std, axes)
    return dx, (dout * x_hat).sum(axis=leading), dout.sum(axis=leading)


def _groups_of(x, num_groups):
    """x (N, C, *) viewed as (N, G, C / G * prod(*)): one row of values per group."""
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, C, *) for group_norm, got shape {x.shape}")
    channels = x.shape[1]
    checks.count(num_groups, "num_groups", minimum=1)
    if channels % num_groups:
        raise ValueError(f"num_groups must divide the {channels} channels of x, got {num_groups}")
    return x.reshape(x.shape[0], num_groups, -1)


def group_norm_forward(x, gamma, beta, *, num_groups, eps=1e-5):
    """Group normalisation, torch's ``F.group_norm``: statistics per sample and group of channels.

    Parameters
    ----------
    x : ndarray, shape (N, C, *)
        Channels on axis 1 (NCHW), any number of spatial axes.
    gamma, beta : ndarray, shape (C,)
        Scale and shift per channel.
    num_groups : int
        G, dividing C: each group holds C / G consecutive channels and their spatial values.
    eps : float
        Added to the variance (torch 1e-5, Keras 1e-3, flax 1e-6).

    Returns
    -------
    out : ndarray, shape of x
        y = gamma_c * (x - mu_g) / sqrt(var_g + eps) + beta_c, mu_g and the biased var_g
        over the m = C / G * prod(*) values of group g of one sample. G = 1 is layer
        norm over (C, *) with per-channel affine, G = C instance norm.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``x`` when it has fewer than 2 axes, ``num_groups`` when not a positive int
        dividing C, ``gamma`` or ``beta`` when not of shape (C,), ``eps`` when negative.
    """
    grouped = _groups_of(x, num_groups)
    for name, v in (("gamma", gamma), ("beta", beta)):
        if np.shape(v) != (x.shape[1],):
            raise ValueError(f"{name} must have shape ({x.shape[1]},), one per channel of x {x.shape}, got {np.shape(v)}")
    checks.non_negative(eps, "eps")
    if grouped.shape[2] == 0:
        raise ValueError(f"x must have at least one value per group, got shape {x.shape}")
    x_hat, inv_std = _normalise(grouped, (2,), eps)
    x_hat = x_hat.reshape(x.shape)
    return _per_channel(gamma, x) * x_hat + _per_channel(beta, x), (x_hat, gamma, inv_std, num_groups)


def group_norm_backward(dout, cache):
    """Gradients of group normalisation.

    Per sample and group (mean over its m values written <.>), with g = dout * gamma_c:
    dx = inv_std * (g - <g> - x_hat <g x_hat>); per channel, dgamma = sum over N and
    the spatial axes of dout * x_hat, dbeta = sum of dout.

    Returns
    -------
    dx : ndarray, shape of x
    dgamma, dbeta : ndarray, shape (C,)
    """
    x_hat, gamma, inv_std, num_groups = cache
    axes = (0,) + tuple(range(2, dout.ndim))
    g = (dout * _per_channel(gamma, dout)).reshape(dout.shape[0], num_groups, -1)
    dx = _normalise_backward(g, x_hat.reshape(g.shape), inv_std, (2,)).reshape(dout.shape)
    return dx, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)


def rms_norm_forward(x, gamma, *, eps=None):
    """Root-mean-square normalisation over the trailing ``gamma.ndim`` axes, torch's ``F.rms_norm``.

    Parameters
    ----------
    x : ndarray, shape (*, D_1, ..., D_k)
    gamma : ndarray, shape (D_1, ..., D_k)
        Scale (RMSNorm has no shift and does not centre).
    eps : float or None
        Added to the mean square before the square root. None is torch's default,
        ``np.finfo(x.dtype).eps`` (1.2e-7 in float32, 2.2e-16 in float64); Keras and flax use 1e-6.

    Returns
    -------
    out : ndarray, shape of x
        y = gamma * x / sqrt(mean(x^2) + eps), the mean over the k trailing axes.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``gamma`` when it is 0-d or not the shape of x's trailing axes, ``eps``
        when negative.
    """
    axes = _check_affine(x, gamma)
    if eps is None:
        eps = np.finfo(x.dtype).eps  # torch: eps=None means the machine epsilon of the input's dtype
    checks.non_negative(eps, "eps")
    inv_rms = 1 / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)
    x_hat = x * inv_rms
    return gamma * x_hat, (x_hat, gamma, inv_rms, axes)


def rms_norm_backward(dout, cache):
    """Gradients of RMS normalisation.

    With r = (mean(x^2) + eps)^(-1/2), dr/dx_j = -r^3 x_j / m, so over the m normalised
    values of one leading index, with g = dout * gamma and x_hat = x r:

    dx = r * (g - x_hat <g x_hat>),  dgamma = sum of dout * x_hat over the leading axes.

    Returns
    -------
    dx : ndarray, shape of x
    dgamma : ndarray, shape of gamma
    """
    x_hat, gamma, inv_rms, axes = cache
    leading = tuple(range(dout.ndim - len(axes)))
    g = dout * gamma
    dx = inv_rms * (g - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))
    return dx, (dout * x_hat).sum(axis=leading)


def embedding_forward(ids, table, *, padding_idx=None):
    """Embedding lookup, torch's ``F.embedding``: row ``ids[i]`` of the table for every id.

    Parameters
    ----------
    ids : ndarray of int, any shape (*)
        Row numbers in [0, V).
    table : ndarray, shape (V, D)
        One D-vector per id (torch's ``nn.Embedding.weight``).
    padding_idx : int or None
        A row in [-V, V) (negative counts from the end) that receives no gradient. As in
        ``F.embedding`` the forward pass returns that row as it is; ``nn.Embedding``
        initialises it to zeros, so a fresh layer outputs zeros there.

    Returns
    -------
    out : ndarray, shape (*, D)
        out[i] = table[ids[i]]
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``table`` when it is not 2-D, ``ids`` when one lies outside [0, V),
        ``padding_idx`` outside [-V, V).
    TypeError
        When ``ids`` are not integers.
    """
    if np.ndim(table) != 2:
        raise ValueError(f"table must have shape (V, D), got shape {np.shape(table)}")
    rows = table.shape[0]
    ids = np.asarray(ids)
    checks.indices(ids, rows, "ids", what="row numbers")
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not isinstance(padding_idx, (int, np.integer)) \
                or not -rows <= padding_idx < rows:
            raise ValueError(f"padding_idx must be an int in [-{rows}, {rows}), got {padding_idx!r}")
        padding_idx = padding_idx % rows  # torch: a negative index counts from the end
    return table[ids], (ids, table.shape, padding_idx)


def embedding_backward(dout, cache):
    """Gradient with respect to the table: each id's dout added to its row, the padding row zero.

    dtable[v] = sum of dout[i] over the positions i with ids[i] = v (a repeated id
    accumulates), then dtable[padding_idx] = 0: torch keeps the padding row fixed.

    Returns
    -------
    dtable : ndarray, shape (V, D)
    """
    ids, table_shape, padding_idx = cache
    dtable = np.zeros(table_shape, dtype=dout.dtype)
    np.add.at(dtable, ids.reshape(-1), dout.reshape(-1, table_shape[1]))  # unbuffered: repeated ids add up
    if padding_idx is not None:
        dtable[padding_idx] = 0
    return dtable
