"""Layers with PyTorch built-ins; autograd supplies the gradients."""

import torch.nn.functional as F


def linear(x, w, b):
    return F.linear(x, w, b)  # x @ w.T + b, w of shape (out, in)
