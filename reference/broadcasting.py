"""Broadcasting and matrix products in NumPy, forward and hand-derived backward.

Broadcasting (NumPy's rule, which PyTorch and TensorFlow share) lines two shapes up
from the right; each pair of axes must be equal or contain a 1, and missing leading
axes count as 1. The forward pass repeats the operand along those axes without
copying it. The backward pass undoes that: an input that was repeated along an axis
receives the *sum* of the upstream gradient over that axis ("un-broadcasting").
"""

import numpy as np

from reference import checks


def _check_unbroadcast(grad, shape):
    """``shape`` must broadcast to ``grad.shape`` unchanged: no more axes, each size equal or 1."""
    shape = tuple(shape)
    fits = len(shape) <= grad.ndim and all(s in (1, g) for s, g in zip(shape[::-1], grad.shape[::-1]))
    if not fits:
        raise ValueError(f"shape {shape} does not broadcast to grad's shape {grad.shape}: no operand of it gave grad")


def _check_matmul(a, b):
    """Ranks >= 1, equal inner dimensions and broadcastable batch axes (after promoting 1-D operands)."""
    for name, operand, layout in (("a", a, "(k,) or (..., n, k)"), ("b", b, "(k,) or (..., k, m)")):
        if operand.ndim < 1:
            raise ValueError(
                f"{name} must have shape {layout}: matmul needs operands of rank >= 1, got a {a.shape} and b {b.shape}"
            )
    rows = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != rows:
        raise ValueError(
            f"b must have {a.shape[-1]} rows, a's columns: inner dimensions differ, a {a.shape} @ b {b.shape}"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"b's batch axes {b.shape[:-2]} do not broadcast against a's {a.shape[:-2]}: a {a.shape} @ b {b.shape}"
        ) from None


def _as_matrices(a, b):
    """NumPy's rule for 1-D operands: a (k,) becomes a row (1, k), b (k,) a column (k, 1)."""
    return (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)


def unbroadcast(grad, shape):
    """Sum a gradient back to the shape of an input that was broadcast.

    Parameters
    ----------
    grad : ndarray, the broadcast shape
        Gradient with respect to the broadcast (repeated) operand.
    shape : tuple of int
        The operand's own shape.

    Returns
    -------
    ndarray, shape ``shape``
        ``grad`` summed over the leading axes the operand did not have, and over
        every axis where the operand had size 1 (kept as size 1: ``keepdims``).

    Raises
    ------
    ValueError
        Naming ``shape`` when it does not broadcast to grad's shape.
    """
    _check_unbroadcast(grad, shape)
    leading = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(leading))) if leading else grad
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def broadcast_add_forward(a, b):
    """Element-wise sum with broadcasting.

    Parameters
    ----------
    a : ndarray, shape A
    b : ndarray, shape B, broadcastable with A

    Returns
    -------
    out : ndarray, shape broadcast(A, B)
        out = a + b. Beware the rank-1 pitfall: (5,) + (5, 1) is a (5, 5) table,
        not a vector of 5 sums.
    cache : tuple
        The two input shapes.

    Raises
    ------
    ValueError
        Naming ``b`` when it does not broadcast against a.
    """
    checks.broadcastable(a, b, "a", "b")
    return a + b, (a.shape, b.shape)


def broadcast_add_backward(dout, cache):
    """Gradients of the broadcast sum.

    Parameters
    ----------
    dout : ndarray, shape broadcast(A, B)

    Returns
    -------
    da : ndarray, shape A
        dL/da = unbroadcast(dout, A): each element of a was added to every element
        of out along the broadcast axes, so it collects all their gradients.
    db : ndarray, shape B
        dL/db = unbroadcast(dout, B)
    """
    shape_a, shape_b = cache
    return unbroadcast(dout, shape_a), unbroadcast(dout, shape_b)


def broadcast_mul_forward(a, b):
    """Element-wise product with broadcasting (the ``*`` of NumPy, not ``np.dot``).

    Parameters
    ----------
    a : ndarray, shape A
    b : ndarray, shape B, broadcastable with A

    Returns
    -------
    out : ndarray, shape broadcast(A, B)
        out = a * b
    cache : tuple
        (a, b)

    Raises
    ------
    ValueError
        Naming ``b`` when it does not broadcast against a.
    """
    checks.broadcastable(a, b, "a", "b")
    return a * b, (a, b)


def broadcast_mul_backward(dout, cache):
    """Gradients of the broadcast product.

    Parameters
    ----------
    dout : ndarray, shape broadcast(A, B)

    Returns
    -------
    da : ndarray, shape A
        dL/da = unbroadcast(dout * b, A)
    db : ndarray, shape B
        dL/db = unbroadcast(dout * a, B)
    """
    a, b = cache
    return unbroadcast(dout * b, a.shape), unbroadcast(dout * a, b.shape)


def matmul_forward(a, b):
    """Matrix product, batched over leading axes (``a @ b``, ``np.matmul``, ``torch.matmul``).

    Parameters
    ----------
    a : ndarray, shape (..., n, k) or (k,)
    b : ndarray, shape (..., k, m) or (k,)
        The leading (batch) axes broadcast against each other. A 1-D ``a`` is a
        row (1, k) and a 1-D ``b`` a column (k, 1) whose added axis is removed from
        the result: (k,) @ (k,) is the 0-d dot product, (..., n, k) @ (k,) is (..., n).

    Returns
    -------
    out : ndarray, shape (..., n, m) less the axes of 1-D operands
        out[..., i, j] = sum_k a[..., i, k] * b[..., k, j]: a sum of products, which
        the element-wise ``a * b`` is not.
    cache : tuple
        (a, b)

    Raises
    ------
    ValueError
        Naming ``a`` or ``b`` when 0-d, ``b`` when its rows differ from a's columns
        or its batch axes do not broadcast against a's.
    """
    _check_matmul(a, b)
    return a @ b, (a, b)


def matmul_backward(dout, cache):
    """Gradients of the matrix product.

    Parameters
    ----------
    dout : ndarray, shape of out

    Returns
    -------
    da : ndarray, shape of a
        dL/da = dout @ b^T, summed over batch axes a was broadcast along
    db : ndarray, shape of b
        dL/db = a^T @ dout, summed likewise

    Notes
    -----
    A 1-D operand is first made a matrix (:func:`_as_matrices`) and ``dout`` gets the
    axis its result lost back; the gradient of the matrix is then reshaped to the
    operand's own shape.
    """
    a, b = cache
    a2, b2 = _as_matrices(a, b)
    if a.ndim == 1:
        dout = np.expand_dims(dout, -1 if b.ndim == 1 else -2)  # the row axis a's promotion added
    if b.ndim == 1:
        dout = dout[..., None]  # the column axis b's promotion added
    da = dout @ np.swapaxes(b2, -1, -2)
    db = np.swapaxes(a2, -1, -2) @ dout
    return unbroadcast(da, a2.shape).reshape(a.shape), unbroadcast(db, b2.shape).reshape(b.shape)
