"""Attention with torch.nn.functional.scaled_dot_product_attention and nn.MultiheadAttention.

The reference has torch's layouts and conventions: q (..., L, E) with heads before the
sequence, boolean masks True = attend for ``F.scaled_dot_product_attention``, and for
``nn.MultiheadAttention`` its packed ``in_proj_weight`` and masks whose True means
masked out. Nothing is converted; ``torch.func.functional_call`` runs the module with
the given tensors in place of its parameters, so autograd reaches them.
"""

import torch.nn.functional as F
from torch import nn
from torch.func import functional_call


def scaled_dot_product_attention(q, k, v, *, mask=None, is_causal=False, scale=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal, scale=scale)


def _module_weights(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias):
    return {"in_proj_weight": in_proj_weight, "in_proj_bias": in_proj_bias,
            "out_proj.weight": out_proj_weight, "out_proj.bias": out_proj_bias}


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         key_padding_mask=None, attn_mask=None, *, num_heads):
    layer = nn.MultiheadAttention(query.shape[-1], num_heads, batch_first=True, dtype=query.dtype)  # (N, L, E)
    weights = _module_weights(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)
    masks = {"key_padding_mask": key_padding_mask, "attn_mask": attn_mask}  # True = masked out
    out, _ = functional_call(layer, weights, (query, key, value), {**masks, "need_weights": False})
    return out


# Catalog sides (comparisons/divergences/attention.py): a side returns one array.


def multi_head_attention_default_layout(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                        out_proj_bias, *, num_heads):
    """nn.MultiheadAttention with its default batch_first=False given (N, L, E): it attends across the batch."""
    layer = nn.MultiheadAttention(query.shape[-1], num_heads, dtype=query.dtype)  # reads (L, N, E)
    weights = _module_weights(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)
    out, _ = functional_call(layer, weights, (query, key, value), {"need_weights": False})
    return out


def multi_head_attention_weights(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                 *, num_heads, average_attn_weights=True):
    """The attention weights nn.MultiheadAttention returns beside its output.

    Averaged over the heads, (N, L, S), by default; per head, (N, H, L, S), with
    ``average_attn_weights=False``.
    """
    layer = nn.MultiheadAttention(query.shape[-1], num_heads, batch_first=True, dtype=query.dtype)
    weights = _module_weights(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias)
    _, attention = functional_call(layer, weights, (query, key, value), {"average_attn_weights": average_attn_weights})
    return attention
