"""Activations with PyTorch built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F


def sigmoid(x):
    return torch.sigmoid(x)


def tanh(x):
    return torch.tanh(x)


def relu(x):
    return F.relu(x)


def leaky_relu(x, *, negative_slope=0.01):
    return F.leaky_relu(x, negative_slope=negative_slope)


def elu(x, *, alpha=1.0):
    return F.elu(x, alpha=alpha)


def softplus(x, *, beta=1.0, threshold=20.0):
    # Above beta * x = threshold torch returns x itself (off by log1p(exp(-20)) ~ 2e-9 at the defaults).
    return F.softplus(x, beta=beta, threshold=threshold)


def gelu(x, *, approximate="none"):
    return F.gelu(x, approximate=approximate)


def softmax(x, *, axis=-1):
    return F.softmax(x, dim=axis)


def log_softmax(x, *, axis=-1):
    return F.log_softmax(x, dim=axis)


# Catalog sides (comparisons/divergences/activations.py): each framework's defaults, as a naive port uses them.


def gelu_default(x):
    """F.gelu with nothing passed: torch's default form."""
    return F.gelu(x)  # approximate="none": the exact x * Phi(x) with erf


def leaky_relu_default(x):
    """F.leaky_relu with nothing passed: torch's default slope."""
    return F.leaky_relu(x)  # negative_slope=0.01
