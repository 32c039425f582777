"""Multi-head attention weights and masks between PyTorch, Keras, flax and Paddle conventions.

PyTorch ``nn.MultiheadAttention(E, H)`` (with kdim = vdim = E) stores

- ``in_proj_weight`` (3E, E): rows [W_q; W_k; W_v], each used as ``x @ W.T``; the E
  outputs of a projection are the H heads one after the other (index h * D + d,
  D = E / H);
- ``in_proj_bias`` (3E,), ``out_proj.weight`` (E, E) (out, in), ``out_proj.bias`` (E,);
- boolean masks whose True means *masked out* (``key_padding_mask`` (N, S),
  ``attn_mask`` (L, S)).

Keras 3 ``MultiHeadAttention(H, key_dim=D)`` and flax ``MultiHeadDotProductAttention``
keep one ``EinsumDense`` / ``DenseGeneral`` per projection: query, key and value kernels
(E, H, D) with biases (H, D), an output kernel (H, D, E) with bias (E,), and one boolean
mask whose True means *attend* (Keras ``attention_mask`` (N, L, S), flax ``mask``
broadcastable to (N, H, L, S)). Paddle ``nn.MultiHeadAttention`` keeps four ``Linear``
layers with [in, out] weights and a boolean ``attn_mask`` whose True means attend.

Every function works on NumPy arrays by default; pass ``xp=jax.numpy`` or
``xp=tf.experimental.numpy`` to convert framework tensors inside a traced or taped
computation, so that gradients reach the torch-layout weights.
"""

import numpy as np

KERAS_MHA_ORDER = ("query", "key", "value", "attention_output")
"""Keras's sub-layers, in the order of ``layer.trainable_variables`` (kernel, then bias, of each)."""

FLAX_MHA_NAMES = ("query", "key", "value", "out")
PADDLE_MHA_NAMES = ("q_proj", "k_proj", "v_proj", "out_proj")


def _t(a, xp):
    """The transpose of a matrix (``paddle.transpose`` needs the permutation spelt out)."""
    return xp.transpose(a, (1, 0))


def _split3(a, xp):
    """The q, k, v blocks of a packed (3E, ...) array, by basic slicing (every namespace supports it)."""
    e = a.shape[0] // 3
    return a[:e], a[e : 2 * e], a[2 * e :]


def _head_projections(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads, xp):
    """[(kernel (E, H, D), bias (H, D))] for q, k, v, then (kernel (H, D, E), bias (E,)) for the output."""
    embed = out_proj_weight.shape[0]
    if embed % num_heads:
        raise ValueError(f"num_heads = {num_heads} must divide the embedding size E = {embed}")
    depth = embed // num_heads
    pairs = [
        (xp.reshape(_t(w, xp), (embed, num_heads, depth)), xp.reshape(b, (num_heads, depth)))
        for w, b in zip(_split3(in_proj_weight, xp), _split3(in_proj_bias, xp))
    ]
    pairs.append((xp.reshape(_t(out_proj_weight, xp), (num_heads, depth, embed)), out_proj_bias))
    return pairs


def torch_mha_to_keras(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, *, num_heads, xp=np):
    """torch ``nn.MultiheadAttention`` weights -> ``keras.layers.MultiHeadAttention(num_heads, key_dim=E // num_heads)``.

    Parameters
    ----------
    in_proj_weight : array, shape (3E, E)
    in_proj_bias : array, shape (3E,)
    out_proj_weight : array, shape (E, E)
    out_proj_bias : array, shape (E,)
    num_heads : int
        H; each head has D = E / H features.
    xp : module
        Array namespace of the inputs.

    Returns
    -------
    list
        ``[q_kernel, q_bias, k_kernel, k_bias, v_kernel, v_bias, out_kernel, out_bias]``,
        the order of ``layer.trainable_variables``: ``q_kernel = W_q.T.reshape(E, H, D)``
        (the transpose first: a plain ``W_q.reshape(E, H, D)`` mixes inputs and outputs),
        ``q_bias = b_q.reshape(H, D)``, ``out_kernel = W_o.T.reshape(H, D, E)``.
    """
    pairs = _head_projections(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads, xp)
    return [array for pair in pairs for array in pair]


def keras_mha_to_torch(q_kernel, q_bias, k_kernel, k_bias, v_kernel, v_bias, out_kernel, out_bias, *, xp=np):
    """``keras.layers.MultiHeadAttention`` weights (query and key dims E) -> torch's
    ``(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)``, the inverse of :func:`torch_mha_to_keras`."""
    embed = q_kernel.shape[0]
    in_proj_weight = xp.concatenate([_t(xp.reshape(k, (embed, -1)), xp) for k in (q_kernel, k_kernel, v_kernel)])
    in_proj_bias = xp.concatenate([xp.reshape(b, (-1,)) for b in (q_bias, k_bias, v_bias)])
    out_proj_weight = _t(xp.reshape(out_kernel, (-1, out_kernel.shape[-1])), xp)
    return in_proj_weight, in_proj_bias, out_proj_weight, out_bias


def torch_mha_to_flax(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, *, num_heads, xp=np):
    """torch ``nn.MultiheadAttention`` weights -> ``flax.linen.MultiHeadDotProductAttention`` params.

    Returns
    -------
    dict
        ``{"query": {"kernel": (E, H, D), "bias": (H, D)}, "key": ..., "value": ...,
        "out": {"kernel": (H, D, E), "bias": (E,)}}``: the same arrays as Keras's.
    """
    pairs = _head_projections(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads, xp)
    return {name: {"kernel": kernel, "bias": bias} for name, (kernel, bias) in zip(FLAX_MHA_NAMES, pairs)}


def flax_mha_to_torch(params, *, xp=np):
    """``flax.linen.MultiHeadDotProductAttention`` params -> torch's four arrays (inverse of :func:`torch_mha_to_flax`)."""
    arrays = [params[name][part] for name in FLAX_MHA_NAMES for part in ("kernel", "bias")]
    return keras_mha_to_torch(*arrays, xp=xp)


def torch_mha_to_paddle(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, *, xp=np):
    """torch ``nn.MultiheadAttention`` weights -> ``paddle.nn.MultiHeadAttention``'s parameters.

    Returns
    -------
    dict
        ``{"q_proj.weight": W_q.T, "q_proj.bias": b_q, ..., "out_proj.weight": W_o.T,
        "out_proj.bias": b_o}``: Paddle's ``Linear`` weight is [in, out], torch's (out, in).
        Paddle splits heads head-major like torch, so nothing else moves.
    """
    weights = (*_split3(in_proj_weight, xp), out_proj_weight)
    biases = (*_split3(in_proj_bias, xp), out_proj_bias)
    params = {}
    for name, w, b in zip(PADDLE_MHA_NAMES, weights, biases):
        params[f"{name}.weight"], params[f"{name}.bias"] = _t(w, xp), b
    return params


def paddle_mha_to_torch(params, *, xp=np):
    """``paddle.nn.MultiHeadAttention`` parameters (by name) -> torch's four arrays (inverse of :func:`torch_mha_to_paddle`)."""
    in_proj_weight = xp.concatenate([_t(params[f"{n}.weight"], xp) for n in PADDLE_MHA_NAMES[:3]])
    in_proj_bias = xp.concatenate([params[f"{n}.bias"] for n in PADDLE_MHA_NAMES[:3]])
    return in_proj_weight, in_proj_bias, _t(params["out_proj.weight"], xp), params["out_proj.bias"]


def torch_masks_to_attend(key_padding_mask=None, attn_mask=None, *, batch, length, keys, xp=np):
    """torch's boolean masks (True = masked out) -> one boolean (N, L, S) mask with True = attend.

    Parameters
    ----------
    key_padding_mask : boolean array or None, shape (N, S)
        True where a key is padding.
    attn_mask : boolean array or None, shape (L, S)
        True where query i must not attend key j.
    batch, length, keys : int
        N, L, S.

    Returns
    -------
    array or None
        ``~key_padding_mask[:, None, :] & ~attn_mask[None]`` broadcast to (N, L, S): the
        ``attention_mask`` of Keras's layer, the ``mask`` of flax's (after a heads axis),
        the ``attn_mask`` of Paddle's. None when neither mask is given.
    """
    if key_padding_mask is None and attn_mask is None:
        return None
    attend = xp.ones((batch, length, keys), dtype=bool)
    if key_padding_mask is not None:
        attend = xp.logical_and(attend, xp.logical_not(key_padding_mask)[:, None, :])
    if attn_mask is not None:
        attend = xp.logical_and(attend, xp.logical_not(attn_mask)[None])
    return attend


def attend_to_torch_key_padding(attend_keys, *, xp=np):
    """A boolean (N, S) mask with True = attend this key (Keras, flax, Paddle) -> torch's ``key_padding_mask``."""
    return xp.logical_not(attend_keys)


def heads_first_to_sequence_first(a, *, xp=np):
    """(N, H, L, D) (torch, the reference) -> (N, L, H, D) (``jax.nn.dot_product_attention``,
    ``keras.ops.dot_product_attention``, Paddle's ``F.scaled_dot_product_attention``). Its own inverse."""
    return xp.swapaxes(a, 1, 2)
