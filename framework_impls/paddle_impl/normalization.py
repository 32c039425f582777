"""Data normalisation with Paddle built-ins; paddle.grad supplies the gradients."""

import paddle
import paddle.nn.functional as F


def min_max_normalize(x, *, axis=0):
    # amin/amax (not min/max) split the gradient evenly among tied extremes.
    lo, hi = paddle.amin(x, axis=axis, keepdim=True), paddle.amax(x, axis=axis, keepdim=True)
    span = hi - lo
    return (x - lo) / paddle.where(span == 0, paddle.ones_like(span), span)  # a constant column becomes 0


def standardize(x, *, axis=0):
    # unbiased=False: the population variance (paddle.var and paddle.std default to n - 1).
    mean = paddle.mean(x, axis=axis, keepdim=True)
    var = paddle.var(x, axis=axis, unbiased=False, keepdim=True)
    return (x - mean) / paddle.sqrt(paddle.where(var == 0, paddle.ones_like(var), var))  # a constant column becomes 0


def l2_normalize(x, *, axis=1, eps=1e-12):
    return F.normalize(x, p=2, axis=axis, epsilon=eps)  # x / max(||x||, epsilon), as torch


# Catalog sides (comparisons/divergences/normalization.py).


def std(x, *, axis=0, **options):
    """paddle.std with its defaults except ``options``: unbiased=True (divides by n - 1) by default."""
    return paddle.std(x, axis=axis, **options)


def l2_normalize_by_sqrt(x, *, axis=1, eps=1e-12):
    """x / max(sqrt(sum x^2), eps): F.normalize's values with the exact gradient (catalog paddle-normalize-grad)."""
    return x / paddle.maximum(paddle.sqrt((x * x).sum(axis=axis, keepdim=True)), paddle.to_tensor(eps, x.dtype))
