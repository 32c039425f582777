"""Data normalisation with PyTorch built-ins; autograd supplies the gradients."""

import torch
import torch.nn.functional as F


def min_max_normalize(x, *, axis=0):
    # amin/amax (not min(dim)) split the gradient evenly among tied extremes.
    lo, hi = x.amin(dim=axis, keepdim=True), x.amax(dim=axis, keepdim=True)
    span = hi - lo
    return (x - lo) / torch.where(span == 0, 1, span)  # a constant column becomes 0


def standardize(x, *, axis=0):
    # correction=0: the population variance (torch's default is the unbiased n - 1).
    var, mean = torch.var_mean(x, dim=axis, correction=0, keepdim=True)
    return (x - mean) / torch.sqrt(torch.where(var == 0, 1, var))  # a constant column becomes 0


def l2_normalize(x, *, axis=1, eps=1e-12):
    return F.normalize(x, p=2.0, dim=axis, eps=eps)  # x / max(||x||, eps)
