"""Broadcasting and matrix products with PyTorch built-ins; autograd un-broadcasts the gradients."""

import torch


def broadcast_add(a, b):
    return a + b  # torch.add broadcasts like NumPy


def broadcast_mul(a, b):
    return a * b  # element-wise, not torch.mm


def matmul(a, b):
    return torch.matmul(a, b)  # batched over broadcast leading axes


def times_scalar(a, b, *, scale, scalar_dtype=None):
    """``a * scale`` (catalog entry float-defaults; ``b`` is the sample's unused second operand).

    The scale is a Python float, or with ``scalar_dtype`` a 0-d tensor of that dtype.
    """
    if scalar_dtype is not None:
        scale = torch.tensor(scale, dtype=getattr(torch, scalar_dtype))
    return a * scale  # a 0-d tensor is 'weak' in torch, like a Python float: a keeps its float32
