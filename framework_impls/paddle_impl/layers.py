"""Layers with Paddle built-ins; paddle.grad supplies the gradients."""

import math

import paddle
import paddle.nn.functional as F


def linear(x, w, b):
    return F.linear(x, w.T, b)  # Paddle's weight is (in, out): the (out, in) w transposed


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    # F.batch_norm is what paddle.nn.BatchNorm1D / BatchNorm2D call on their own weight and bias
    # parameters; called directly it takes gamma and beta, so the gradients reach them.
    # It updates the running statistics in place: work on copies.
    new_mean, new_var = running_mean.clone(), running_var.clone()
    out = F.batch_norm(
        x, new_mean, new_var, weight=gamma, bias=beta, training=training,
        momentum=1 - momentum,  # Paddle's momentum weighs the old value (Keras's sense): 1 - torch's
        epsilon=eps,
    )
    if training:
        # Paddle's running variance takes the biased batch variance, torch's the unbiased one:
        # scale the new batch's share by m / (m - 1), m = N*H*W values per channel.
        m = math.prod(x.shape) // x.shape[1]
        kept = (1 - momentum) * running_var
        new_var = kept + (new_var - kept) * (m / (m - 1))
    return {"out": out, "running_mean": new_mean, "running_var": new_var}


def dropout(x, *, p, seed=0):
    """F.dropout in training mode (mode="upscale_in_train"), and the keep-mask it drew read back from its output."""
    out = seeded_dropout(x, p=p, seed=seed)
    return {"out": out, "mask": (out != 0).astype(x.dtype)}  # x has no zeros: a zero output is a dropped unit


# Catalog sides (comparisons/divergences/layers.py, broadcasting.py): a side returns one array.


def linear_weight_as_is(x, w, b):
    """F.linear with a torch (out, in) weight copied unchanged (it runs when in == out)."""
    return F.linear(x, w, b)  # x @ w + b: Paddle's weight is (in, out)


def batch_norm_output(x, gamma, beta, running_mean, running_var, *, output, momentum=0.1, eps=1e-5):
    """One output of :func:`batch_norm` (torch's conventions mapped onto Paddle) in training mode."""
    return batch_norm(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)[output]


def builtin_batch_norm(x, gamma, beta, running_mean, running_var, *, output, **options):
    """One output of F.batch_norm in training mode, with Paddle's own defaults except ``options``."""
    new_mean, new_var = running_mean.clone(), running_var.clone()  # updated in place
    out = F.batch_norm(x, new_mean, new_var, weight=gamma, bias=beta, training=True, **options)  # momentum=0.9
    return {"out": out, "running_mean": new_mean, "running_var": new_var}[output]


def seeded_dropout(x, *, p, seed=0, mode="upscale_in_train"):
    """Paddle's own F.dropout in training (its own mask), from a fixed seed without touching the global stream."""
    state = paddle.get_rng_state()
    paddle.seed(seed)
    try:
        return F.dropout(x, p, training=True, mode=mode)
    finally:
        paddle.set_rng_state(state)


def inverted_dropout_of_seeded_mask(x, *, p, seed=0, mode="upscale_in_train"):
    """x * mask / (1 - p) (torch's and the reference's dropout) with the mask :func:`seeded_dropout` draws.

    The mask is read back from the output (x has no zeros); ``mode`` only selects the same draw.
    """
    mask = (seeded_dropout(x, p=p, seed=seed, mode=mode) != 0).astype(x.dtype)
    return x * mask / (1 - p)
