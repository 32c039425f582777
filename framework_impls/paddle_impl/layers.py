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


# Normalisation layers and embeddings


def layer_norm(x, gamma, beta, *, eps=1e-5):
    # Paddle takes weight and bias flattened to one axis of prod(normalized_shape) values
    return F.layer_norm(x, gamma.shape, weight=gamma.flatten(), bias=beta.flatten(), epsilon=eps)


def group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    return F.group_norm(x, num_groups, epsilon=eps, weight=gamma, bias=beta)  # data_format="NCHW" by default


def embedding(ids, table, *, padding_idx=None):
    # Paddle outputs zeros at padding ids whatever the row holds (torch returns the row):
    # the two agree on a zero padding row, as nn.Embedding initialises it in both.
    return F.embedding(ids, table, padding_idx=padding_idx)


def builtin_embedding(ids, table, **options):
    """F.embedding with Paddle's defaults except ``options`` (padding_idx zeroes the output at padding ids)."""
    return F.embedding(ids, table, **options)


def embedding_returning_padding_row(ids, table, *, padding_idx):
    """torch's F.embedding(padding_idx) on Paddle: the padding row is returned as it is and gets no gradient.

    F.embedding without padding_idx returns every row; ``paddle.where`` with a detached copy
    keeps the padding row out of the gradient, as torch does.
    """
    is_padding = (paddle.arange(table.shape[0]) == padding_idx % table.shape[0]).unsqueeze(1)
    return F.embedding(ids, paddle.where(is_padding, table.detach(), table))


def builtin_group_norm(x, gamma, beta, *, num_groups, **options):
    """F.group_norm (NCHW) with Paddle's defaults (epsilon=1e-5) except ``options``."""
    return F.group_norm(x, num_groups, weight=gamma, bias=beta, **options)


def group_norm_centred(x, gamma, beta, *, num_groups, **options):
    """F.group_norm on x minus its per-group mean, detached.

    Group norm ignores a constant shift of a group, so the output and the gradients are
    unchanged; Paddle's one-pass variance mean(x^2) - mu^2 then sees a mean near 0 and
    does not cancel.
    """
    groups = x.reshape([x.shape[0], num_groups, -1])
    shift = groups.mean(axis=2, keepdim=True).detach()
    return F.group_norm((groups - shift).reshape(x.shape), num_groups, weight=gamma, bias=beta, **options)
