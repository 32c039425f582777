"""Attention in NumPy, forward and hand-derived backward (PyTorch's layouts and conventions).

Scaled dot-product attention follows ``torch.nn.functional.scaled_dot_product_attention``:
heads before the sequence, ``(..., L, E)``, a boolean mask that is True where attention is
allowed, a float mask added to the scores. Multi-head attention follows
``torch.nn.MultiheadAttention(batch_first=True)``: one packed input projection, and masks
whose True means *masked out*, the opposite of the boolean mask of scaled dot-product
attention (catalog entry ``mha-mask-packing``).
"""

import numpy as np

from reference import checks


def _softmax_rows(scores):
    """Softmax over the last axis, max-shifted; a row that is all -inf stays NaN (0 / 0)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _sum_to_shape(grad, shape):
    """Sum a broadcast gradient back to an input's ``shape`` (leading axes and axes of size 1)."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


def _check_attention_inputs(q, k, v, mask, is_causal):
    """Shapes of q (..., L, E), k (..., S, E), v (..., S, Ev) and a mask that broadcasts to (..., L, S)."""
    for name, a in (("q", q), ("k", k), ("v", v)):
        if np.ndim(a) < 2:
            raise ValueError(f"{name} must have at least 2 axes (..., length, features), got shape {np.shape(a)}")
    if k.shape[-1] != q.shape[-1]:
        raise ValueError(f"k must have q's embedding size E = {q.shape[-1]} on its last axis, got shape {k.shape}")
    if v.shape[-2] != k.shape[-2]:
        raise ValueError(f"v must have k's number of keys S = {k.shape[-2]} on axis -2, got shape {v.shape}")
    try:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    except ValueError:
        raise ValueError(f"k and v must have leading axes that broadcast against q's {q.shape[:-2]}, got "
                         f"{k.shape[:-2]} and {v.shape[:-2]}") from None
    scores_shape = (*batch, q.shape[-2], k.shape[-2])
    if mask is not None:
        if is_causal:
            raise ValueError("mask cannot be combined with is_causal=True (torch refuses or ignores one of them, "
                             "Paddle ignores the mask): fold the causal rule into the mask")
        if np.asarray(mask).dtype.kind not in "bf":
            raise ValueError(f"mask must be boolean (True = attend) or floating (added), got dtype {mask.dtype}")
        try:
            if np.broadcast_shapes(np.shape(mask), scores_shape) != scores_shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"mask of shape {np.shape(mask)} does not broadcast to the scores' shape "
                             f"(..., L, S) = {scores_shape}") from None
    return scores_shape


def causal_mask(length, keys):
    """The boolean (L, S) mask of ``is_causal=True``: query i attends keys j <= i (top-left aligned, as torch)."""
    return np.tril(np.ones((length, keys), dtype=bool))


def scaled_dot_product_attention_forward(q, k, v, *, mask=None, is_causal=False, scale=None):
    """Scaled dot-product attention, softmax(q k^T * scale + mask) v.

    Parameters
    ----------
    q : ndarray, shape (..., L, E)
        Queries; the leading axes (batch, heads) broadcast against k's and v's.
    k : ndarray, shape (..., S, E)
    v : ndarray, shape (..., S, Ev)
    mask : ndarray or None, broadcastable to (..., L, S)
        Boolean: True where query i may attend key j (torch, Keras, JAX, Paddle alike);
        False sets the score to -inf. Floating: added to the scores (an ALiBi bias,
        or -inf / a large negative number to mask). A row masked everywhere is 0 / 0:
        NaN here, by convention something else in each framework, so samples avoid it.
    is_causal : bool
        Query i attends keys j <= i, counted from the top-left corner when L != S
        (torch, JAX, Keras and Paddle agree). Not together with ``mask``.
    scale : float or None
        Multiplies the scores; None is 1 / sqrt(E).

    Returns
    -------
    out : ndarray, shape (..., L, Ev)
        ``P @ v`` with ``P = softmax(q @ k^T * scale + mask)`` over the keys.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``q``, ``k`` or ``v`` for axes that do not fit (k's E differs from q's,
        v's S from k's), ``mask`` for a shape that does not broadcast to the scores
        or a mask given with ``is_causal``, ``scale`` when it is not a positive number.
    """
    scores_shape = _check_attention_inputs(q, k, v, mask, is_causal)
    if scale is None:
        scale = 1.0 / np.sqrt(q.shape[-1])
    checks.positive(scale, "scale")
    scores = (q @ np.swapaxes(k, -1, -2)) * q.dtype.type(scale)
    if is_causal:
        mask = causal_mask(q.shape[-2], k.shape[-2])
    if mask is not None and mask.dtype == bool:
        scores = np.where(mask, scores, -np.inf).astype(q.dtype)
    elif mask is not None:
        scores = scores + mask.astype(q.dtype)
    p = _softmax_rows(np.broadcast_to(scores, scores_shape))
    return p @ v, (q, k, v, p, q.dtype.type(scale))


def scaled_dot_product_attention_backward(dout, cache):
    """Gradients of scaled dot-product attention.

    With s = scale * q k^T (+ mask), P = softmax(s) and out = P v:

    - dv = P^T dout
    - dP = dout v^T
    - ds = P * (dP - sum_j(dP * P)), the softmax Jacobian row by row (masked entries
      have P = 0, so no gradient reaches them)
    - dq = scale * ds k, dk = scale * ds^T q

    Parameters
    ----------
    dout : ndarray, shape (..., L, Ev)

    Returns
    -------
    dq : ndarray, shape of q
    dk : ndarray, shape of k
    dv : ndarray, shape of v
        Each summed over the leading axes it was broadcast along.
    """
    q, k, v, p, scale = cache
    dv = np.swapaxes(p, -1, -2) @ dout
    dp = dout @ np.swapaxes(v, -1, -2)
    ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    dq = (ds @ k) * scale
    dk = (np.swapaxes(ds, -1, -2) @ q) * scale
    return _sum_to_shape(dq, q.shape), _sum_to_shape(dk, k.shape), _sum_to_shape(dv, v.shape)


def _check_multi_head(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                      key_padding_mask, attn_mask, num_heads):
    checks.count(num_heads, "num_heads", minimum=1)
    if np.ndim(query) != 3:
        raise ValueError(f"query must have shape (N, L, E) (batch first), got shape {np.shape(query)}")
    n, length, embed = query.shape
    if embed % num_heads:
        raise ValueError(f"num_heads = {num_heads} must divide the embedding size E = {embed}")
    if np.ndim(key) != 3 or key.shape[0] != n or key.shape[2] != embed:
        raise ValueError(f"key must have shape (N, S, E) = ({n}, S, {embed}), got shape {np.shape(key)}")
    if np.shape(value) != key.shape:
        raise ValueError(f"value must have key's shape {key.shape}, got shape {np.shape(value)}")
    for name, a, shape in (("in_proj_weight", in_proj_weight, (3 * embed, embed)), ("in_proj_bias", in_proj_bias,
                           (3 * embed,)), ("out_proj_weight", out_proj_weight, (embed, embed)),
                           ("out_proj_bias", out_proj_bias, (embed,))):
        if np.shape(a) != shape:
            raise ValueError(f"{name} must have shape {shape} for E = {embed}, got shape {np.shape(a)}")
    keys = key.shape[1]
    if key_padding_mask is not None and np.shape(key_padding_mask) != (n, keys):
        raise ValueError(f"key_padding_mask must have shape (N, S) = {(n, keys)}, got shape {np.shape(key_padding_mask)}")
    if attn_mask is not None and np.shape(attn_mask) not in ((length, keys), (n * num_heads, length, keys)):
        raise ValueError(f"attn_mask must have shape (L, S) = {(length, keys)} or (N * num_heads, L, S) = "
                         f"{(n * num_heads, length, keys)}, got shape {np.shape(attn_mask)}")
    for name, m in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if m is not None and np.asarray(m).dtype.kind not in "bf":
            raise ValueError(f"{name} must be boolean (True = masked out) or floating (added), got dtype {m.dtype}")


def _additive(mask, dtype):
    """torch MultiheadAttention's mask as a float to add: True (masked out) -> -inf, a float mask as is."""
    if mask.dtype == bool:
        return np.where(mask, -np.inf, 0.0).astype(dtype)
    return mask.astype(dtype)


def multi_head_attention_forward(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                 key_padding_mask=None, attn_mask=None, *, num_heads):
    """Multi-head attention as ``torch.nn.MultiheadAttention(E, num_heads, batch_first=True)`` computes it.

    Parameters
    ----------
    query : ndarray, shape (N, L, E)
        Batch first (torch's module defaults to ``batch_first=False``, (L, N, E)).
    key, value : ndarray, shape (N, S, E)
    in_proj_weight : ndarray, shape (3E, E)
        torch's packed projection: rows [W_q; W_k; W_v], each (E, E) used as ``x @ W.T``.
        Keras and flax keep three (E, heads, head_dim) kernels, Paddle three [in, out]
        Linear weights (:mod:`framework_impls.conversions.attention`).
    in_proj_bias : ndarray, shape (3E,)
        [b_q; b_k; b_v].
    out_proj_weight : ndarray, shape (E, E)
        (out, in), applied to the heads concatenated head-major (index h * D + d).
    out_proj_bias : ndarray, shape (E,)
    key_padding_mask : ndarray or None, shape (N, S)
        torch's convention: boolean True = this key is padding, *masked out*
        (Keras, flax, Paddle and ``F.scaled_dot_product_attention`` use True = attend);
        a float mask is added to the scores.
    attn_mask : ndarray or None, shape (L, S) or (N * num_heads, L, S)
        The same convention (True = masked out, float added), for every batch
        entry, or per batch entry and head (index n * num_heads + h, as torch).
    num_heads : int
        H, dividing E; each head has D = E / H features and scale 1 / sqrt(D).

    Returns
    -------
    out : ndarray, shape (N, L, E)
        ``concat_h(attention(q_h, k_h, v_h)) @ W_o.T + b_o`` with ``q = query @ W_q.T + b_q``
        split into H heads of D features (likewise k, v). The attention weights
        (torch's second output) are not returned.
    cache : tuple

    Raises
    ------
    ValueError
        Naming ``num_heads`` when it does not divide E, ``query`` / ``key`` / ``value``
        for shapes that do not fit, the weight whose shape is not torch's, a mask whose
        shape is neither of the documented ones.
    """
    _check_multi_head(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                      key_padding_mask, attn_mask, num_heads)
    n, length, embed = query.shape
    keys, depth = key.shape[1], embed // num_heads
    w_q, w_k, w_v = np.split(in_proj_weight, 3)
    b_q, b_k, b_v = np.split(in_proj_bias, 3)

    def heads(x, w, b):  # (N, T, E) -> (N, H, T, D): the projection split head-major
        return (x @ w.T + b).reshape(n, x.shape[1], num_heads, depth).transpose(0, 2, 1, 3)

    mask = None
    if attn_mask is not None:
        mask = _additive(attn_mask, query.dtype)
        mask = mask.reshape(n, num_heads, length, keys) if mask.ndim == 3 else mask[None, None]  # (N or 1, H or 1, L, S)
    if key_padding_mask is not None:
        padding = _additive(key_padding_mask, query.dtype)[:, None, None, :]  # (N, 1, 1, S)
        mask = padding if mask is None else mask + padding
    attended, attention_cache = scaled_dot_product_attention_forward(
        heads(query, w_q, b_q), heads(key, w_k, b_k), heads(value, w_v, b_v), mask=mask)
    concat = attended.transpose(0, 2, 1, 3).reshape(n, length, embed)  # heads back together, head-major
    out = concat @ out_proj_weight.T + out_proj_bias
    return out, (query, key, value, in_proj_weight, out_proj_weight, concat, attention_cache, num_heads)


def multi_head_attention_backward(dout, cache):
    """Gradients of multi-head attention with respect to the inputs and every weight.

    The output projection is a linear layer (d concat = dout W_o, dW_o = sum dout^T concat);
    the heads go through :func:`scaled_dot_product_attention_backward`; each input
    projection is a linear layer again (d query = dq W_q, dW_q = sum dq^T query).

    Parameters
    ----------
    dout : ndarray, shape (N, L, E)

    Returns
    -------
    dquery : ndarray, shape (N, L, E)
    dkey, dvalue : ndarray, shape (N, S, E)
    din_proj_weight : ndarray, shape (3E, E)
    din_proj_bias : ndarray, shape (3E,)
    dout_proj_weight : ndarray, shape (E, E)
    dout_proj_bias : ndarray, shape (E,)
    """
    query, key, value, in_proj_weight, out_proj_weight, concat, attention_cache, num_heads = cache
    n, length, embed = query.shape
    dout_proj_weight = np.einsum("nlo,nli->oi", dout, concat)
    dout_proj_bias = dout.sum(axis=(0, 1))
    dattended = (dout @ out_proj_weight).reshape(n, length, num_heads, -1).transpose(0, 2, 1, 3)
    dq, dk, dv = scaled_dot_product_attention_backward(dattended, attention_cache)
    grads_x, grads_w, grads_b = [], [], []
    for x, w, dh in zip((query, key, value), np.split(in_proj_weight, 3), (dq, dk, dv)):
        dproj = dh.transpose(0, 2, 1, 3).reshape(n, x.shape[1], embed)  # (N, T, E), head-major
        grads_x.append(dproj @ w)
        grads_w.append(np.einsum("nto,nti->oi", dproj, x))
        grads_b.append(dproj.sum(axis=(0, 1)))
    return (*grads_x, np.concatenate(grads_w), np.concatenate(grads_b), dout_proj_weight, dout_proj_bias)


def attention_matmuls(q, k, v):
    """The matrix products of an attention forward and backward pass, alone.

    Returns a callable that repeats, on operands of the reference's shapes, the two
    forward products (``q k^T``, ``P v``) and the four backward ones (``P^T dout``,
    ``dout v^T``, ``dS k``, ``dS^T q``): the time no arrangement of the softmax can go
    under with this BLAS. ``rosetta bench`` reports it beside the full NumPy time.
    """
    k_t, v_t = np.swapaxes(k, -1, -2), np.swapaxes(v, -1, -2)
    p = np.ones((*q.shape[:-1], k.shape[-2]), dtype=q.dtype)
    p_t = np.swapaxes(p, -1, -2)
    dout = np.ones((*q.shape[:-1], v.shape[-1]), dtype=q.dtype)

    def run():
        q @ k_t
        p @ v
        p_t @ dout
        dout @ v_t
        p @ k
        p_t @ q

    return run
