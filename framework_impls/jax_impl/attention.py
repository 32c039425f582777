"""Attention with jax.nn.dot_product_attention and flax.linen.MultiHeadDotProductAttention.

``jax.nn.dot_product_attention`` wants (N, L, heads, E): the sequence before the heads,
the other way round from torch and the reference, so q, k, v and the output are
transposed visibly (catalog entry ``attention-layout``). Its mask is boolean with
True = attend and (N, H, L, S) heads first; a float mask goes in as ``bias``.

flax's ``MultiHeadDotProductAttention`` keeps (E, heads, head_dim) kernels and a
boolean ``mask`` with True = attend: :mod:`framework_impls.conversions.attention` maps
torch's packed weights and masks with ``jax.numpy``, so ``jax.vjp`` reaches them.
"""

import flax.linen as nn
import jax
import jax.numpy as jnp

from framework_impls.conversions.attention import (
    heads_first_to_sequence_first,
    torch_masks_to_attend,
    torch_mha_to_flax,
)


def scaled_dot_product_attention(q, k, v, *, mask=None, is_causal=False, scale=None):
    q, k, v = (heads_first_to_sequence_first(a, xp=jnp) for a in (q, k, v))  # (N, H, L, E) -> (N, L, H, E)
    boolean = mask is not None and mask.dtype == jnp.bool_
    out = jax.nn.dot_product_attention(
        q, k, v,
        mask=mask if boolean else None,  # True = attend, (N, H, L, S) heads first
        bias=None if boolean else mask,  # a float mask is added to the scores
        scale=scale, is_causal=is_causal,
    )
    return heads_first_to_sequence_first(out, xp=jnp)  # back to (N, H, L, Ev)


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         key_padding_mask=None, attn_mask=None, *, num_heads):
    layer = nn.MultiHeadDotProductAttention(num_heads=num_heads)  # qkv_features and out_features default to E
    # packed (3E, E) -> query, key, value kernels W.T.reshape(E, H, D), biases (H, D); out kernel (H, D, E)
    params = torch_mha_to_flax(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                               num_heads=num_heads, xp=jnp)
    # torch's True = masked out -> flax's True = attend, (N, L, S) with a heads axis: (N, 1, L, S)
    attend = torch_masks_to_attend(key_padding_mask, attn_mask, batch=query.shape[0], length=query.shape[1],
                                   keys=key.shape[1], xp=jnp)
    mask = None if attend is None else attend[:, None]
    return layer.apply({"params": params}, query, key, value, mask=mask, deterministic=True)


# Catalog sides (comparisons/divergences/attention.py): a side returns one array.


def scaled_dot_product_attention_torch_layout(q, k, v):
    """jax.nn.dot_product_attention given torch's (N, H, L, E) as it is: it reads (N, T, heads, E).

    With H == L == S every shape check passes, and the softmax runs over the heads axis.
    """
    return jax.nn.dot_product_attention(q, k, v)


def flax_dot_product_attention(q, k, v):
    """flax.linen.dot_product_attention: the same layout and default scale as jax.nn's, the softmax in q's dtype."""
    q, k, v = (heads_first_to_sequence_first(a, xp=jnp) for a in (q, k, v))  # (N, L, H, E)
    return heads_first_to_sequence_first(nn.dot_product_attention(q, k, v), xp=jnp)


def scaled_dot_product_attention_empty_rows_zero(q, k, v, *, mask):
    """:func:`scaled_dot_product_attention` with the rows that attend no key set to 0, as torch returns them.

    JAX masks with the dtype's most negative finite value, not -inf, so a row with no key
    left gets uniform weights: the mean of v.
    """
    out = scaled_dot_product_attention(q, k, v, mask=mask)
    return jnp.where(jnp.any(mask, axis=-1)[..., None], out, 0.0)
