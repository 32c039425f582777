"""Broadcasting and matrix products with Paddle built-ins; paddle.grad un-broadcasts the gradients."""

import paddle


def broadcast_add(a, b):
    return paddle.add(a, b)  # broadcasts like NumPy


def broadcast_mul(a, b):
    return paddle.multiply(a, b)  # element-wise, not paddle.mm


def _lead_with_ones(t, ndim):
    """``t`` with size-1 axes in front, up to ``ndim`` axes (NumPy's broadcasting, made explicit)."""
    return t.reshape([1] * (ndim - t.ndim) + list(t.shape))


def matmul(a, b):
    if min(a.ndim, b.ndim) > 2 and a.ndim != b.ndim:
        # Paddle's matmul gradient raises when both operands are batched with different ranks
        # ((2, 1, 3, 4) @ (3, 4, 2)): give them the same rank first.
        a, b = _lead_with_ones(a, b.ndim), _lead_with_ones(b, a.ndim)
    return paddle.matmul(a, b)  # batched over broadcast leading axes
