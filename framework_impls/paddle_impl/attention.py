"""Attention with paddle.nn.functional.scaled_dot_product_attention and paddle.nn.MultiHeadAttention.

Paddle's ``F.scaled_dot_product_attention`` wants [N, L, heads, E] (the sequence before
the heads; ``paddle.compat.nn.functional.scaled_dot_product_attention`` is torch's
layout): q, k, v and the output are transposed visibly. It runs on the CPU in float32
and float64 (a plain math kernel); its boolean mask is True = attend, a float mask is
added.

``paddle.nn.MultiHeadAttention`` keeps four ``Linear`` layers with [in, out] weights and
a boolean ``attn_mask`` with True = attend. Paddle has no ``functional_call``: each
projection's parameters are replaced by the given (converted) tensors, which the layer's
``F.linear`` then reads, so ``paddle.grad`` reaches the torch-layout weights.
"""

import paddle
import paddle.nn.functional as F

from framework_impls.conversions.attention import torch_masks_to_attend, torch_mha_to_paddle

SEQUENCE_FIRST = [0, 2, 1, 3]
"""(N, H, L, E) <-> (N, L, H, E): the permutation is its own inverse."""


def scaled_dot_product_attention(q, k, v, *, mask=None, is_causal=False, scale=None):
    q, k, v = (paddle.transpose(a, SEQUENCE_FIRST) for a in (q, k, v))  # (N, H, L, E) -> (N, L, H, E)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal, scale=scale,
                                         training=False)  # mask (N, H, L, S) heads first; True = attend
    return paddle.transpose(out, SEQUENCE_FIRST)  # back to (N, H, L, Ev)


def _on_given_weights(layer, params):
    """Replace each sub-layer's weight and bias parameters by the given tensors (``"q_proj.weight"``, ...)."""
    for name, tensor in params.items():
        sublayer, attribute = name.split(".")
        module = getattr(layer, sublayer)
        del module._parameters[attribute]  # a plain tensor in its place: gradients flow to the caller's tensor
        setattr(module, attribute, tensor)
    return layer


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         key_padding_mask=None, attn_mask=None, *, num_heads):
    saved = paddle.get_default_dtype()
    paddle.set_default_dtype(query.dtype)  # Paddle layers take their dtype from the global default
    try:
        layer = paddle.nn.MultiHeadAttention(query.shape[-1], num_heads)
    finally:
        paddle.set_default_dtype(saved)
    # torch's packed (3E, E) and (out, in) weights -> q_proj, k_proj, v_proj, out_proj with [in, out] weights
    _on_given_weights(layer, torch_mha_to_paddle(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                                 xp=paddle))
    # torch's True = masked out -> Paddle's True = attend, (N, L, S) with a heads axis: (N, 1, L, S)
    attend = torch_masks_to_attend(key_padding_mask, attn_mask, batch=query.shape[0], length=query.shape[1],
                                   keys=key.shape[1], xp=paddle)
    return layer(query, key, value, attn_mask=None if attend is None else attend.unsqueeze(1))
