"""Layers with PyTorch built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F


def linear(x, w, b):
    return F.linear(x, w, b)  # x @ w.T + b, w of shape (out, in)


def batch_norm(x, gamma, beta, running_mean, running_var, *, momentum=0.1, eps=1e-5, training=True):
    # F.batch_norm updates running_mean / running_var in place (with the unbiased variance).
    out = F.batch_norm(x, running_mean, running_var, gamma, beta, training=training, momentum=momentum, eps=eps)
    return {"out": out, "running_mean": running_mean, "running_var": running_var}


def dropout(x, *, p, seed=0):
    """F.dropout in training mode, and the keep-mask it drew from ``seed`` read back from its output."""
    out = seeded_dropout(x, p=p, seed=seed)
    return {"out": out, "mask": (out != 0).to(x.dtype)}  # x has no zeros: a zero output is a dropped unit


# Catalog sides (comparisons/divergences/layers.py): a side returns one array.


def batch_norm_output(x, gamma, beta, running_mean, running_var, *, output, momentum=0.1, eps=1e-5):
    """One output of :func:`batch_norm` in training mode: "out", "running_mean" or "running_var"."""
    # momentum is the weight of the new batch; running_var takes the unbiased batch variance.
    return batch_norm(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)[output]


def seeded_dropout(x, *, p, seed=0):
    """torch's own dropout (its own mask), from a fixed seed without touching the global stream."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return F.dropout(x, p, training=True)  # inverted: kept units scaled by 1 / (1 - p)


def mask_of_seeded_dropout(x, *, p, seed=0, inverted):
    """x times the keep-mask :func:`seeded_dropout` draws, read back from its output (x has no zeros).

    ``inverted=False`` is the original paper's dropout, ``x * mask``; ``inverted=True``
    the hand-written inverted dropout of the reference, ``x * mask / (1 - p)``.
    """
    mask = (seeded_dropout(x, p=p, seed=seed) != 0).to(x.dtype)
    return x * mask / (1 - p) if inverted else x * mask  # the paper scaled the weights by 1 - p at test time instead


# Normalisation layers and embeddings


def layer_norm(x, gamma, beta, *, eps=1e-5):
    return F.layer_norm(x, gamma.shape, gamma, beta, eps=eps)  # normalized_shape: the trailing axes gamma covers


def group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    return F.group_norm(x, num_groups, gamma, beta, eps=eps)  # x (N, C, *), channels on axis 1


def rms_norm(x, gamma, *, eps=None):
    return F.rms_norm(x, gamma.shape, gamma, eps=eps)  # eps=None: torch.finfo(x.dtype).eps


def embedding(ids, table, *, padding_idx=None):
    return F.embedding(ids, table, padding_idx=padding_idx)  # the padding row is returned but gets no gradient


def builtin_layer_norm(x, gamma, beta, **options):
    """F.layer_norm over the last axis with torch's defaults (eps=1e-5) except ``options``."""
    return F.layer_norm(x, gamma.shape, gamma, beta, **options)


def builtin_group_norm(x, gamma, beta, *, num_groups, **options):
    """F.group_norm with torch's defaults (eps=1e-5) except ``options``."""
    return F.group_norm(x, num_groups, gamma, beta, **options)


def builtin_rms_norm(x, gamma, **options):
    """F.rms_norm with torch's defaults (eps=None: torch.finfo(x.dtype).eps) except ``options``."""
    return F.rms_norm(x, gamma.shape, gamma, **options)
