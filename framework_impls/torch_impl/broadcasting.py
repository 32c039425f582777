"""Broadcasting and matrix products with PyTorch built-ins; autograd un-broadcasts the gradients."""

import torch


def broadcast_add(a, b):
    return a + b  # torch.add broadcasts like NumPy


def broadcast_mul(a, b):
    return a * b  # element-wise, not torch.mm


def matmul(a, b):
    return torch.matmul(a, b)  # batched over broadcast leading axes
