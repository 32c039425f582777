"""Attention with keras.ops.dot_product_attention and keras.layers.MultiHeadAttention (TensorFlow backend).

``keras.ops.dot_product_attention`` wants (N, L, heads, E): the sequence before the
heads, the other way round from torch and the reference, so q, k, v and the output are
transposed visibly. Its boolean mask is True = attend, its float ``bias`` is added.

``keras.layers.MultiHeadAttention`` keeps (E, heads, head_dim) kernels and one boolean
``attention_mask`` (N, L, S) whose True means attend; :mod:`framework_impls.conversions.attention`
turns torch's packed weights and masks into those with TensorFlow ops
(``tf.experimental.numpy``), and ``layer.stateless_call`` runs the built layer with them
in place of its variables, so the tape reaches the torch-layout weights.
"""

import keras
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from framework_impls.conversions.attention import (
    heads_first_to_sequence_first,
    torch_masks_to_attend,
    torch_mha_to_keras,
)


def scaled_dot_product_attention(q, k, v, *, mask=None, is_causal=False, scale=None):
    q, k, v = (heads_first_to_sequence_first(a, xp=tnp) for a in (q, k, v))  # (N, H, L, E) -> (N, L, H, E)
    boolean = mask is not None and mask.dtype == tf.bool
    # the scale as a tensor of q's dtype: Keras's own default, and tf.cast of a Python float, round it to float32
    scale = tf.constant(q.shape[-1] ** -0.5 if scale is None else scale, dtype=q.dtype)
    out = keras.ops.dot_product_attention(
        q, k, v,
        mask=mask if boolean else None,  # True = attend; masks stay (N, H, L, S), heads first
        bias=None if boolean else mask,  # a float mask is added to the scores
        scale=scale, is_causal=is_causal,
    )
    return heads_first_to_sequence_first(out, xp=tnp)  # back to (N, H, L, Ev)


def _multi_head_layer(query, key, num_heads):
    embed = query.shape[-1]
    layer = keras.layers.MultiHeadAttention(num_heads, key_dim=embed // num_heads, dtype=query.dtype.name)
    layer.build(query.shape, key.shape, key.shape)
    return layer


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                         key_padding_mask=None, attn_mask=None, *, num_heads):
    layer = _multi_head_layer(query, key, num_heads)
    # packed (3E, E) -> q, k, v kernels W.T.reshape(E, H, D), biases (H, D); output kernel W_o.T.reshape(H, D, E)
    weights = torch_mha_to_keras(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                 num_heads=num_heads, xp=tnp)
    # torch's True = masked out -> Keras's True = attend, one (N, L, S) mask
    attend = torch_masks_to_attend(key_padding_mask, attn_mask, batch=query.shape[0], length=query.shape[1],
                                   keys=key.shape[1], xp=tnp)
    out, _ = layer.stateless_call(weights, layer.non_trainable_variables, query, value, key=key,
                                  attention_mask=attend)
    return out


# Catalog sides (comparisons/divergences/attention.py): a side returns one array.


def scaled_dot_product_attention_default_scale(q, k, v):
    """keras.ops.dot_product_attention with its default scale, 1 / sqrt(tf.cast(E, "float32")): float32 in float64 runs."""
    q, k, v = (heads_first_to_sequence_first(a, xp=tnp) for a in (q, k, v))
    return heads_first_to_sequence_first(keras.ops.dot_product_attention(q, k, v), xp=tnp)


def multi_head_attention_naive_port(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                    key_padding_mask, *, num_heads):
    """Keras MultiHeadAttention given torch's weights reshaped without transposing and torch's mask as it is.

    ``W_q.reshape(E, H, D)`` treats torch's (out, in) rows as Keras's inputs; torch's
    ``key_padding_mask`` (True = padding) passed as ``attention_mask`` (True = attend)
    makes every query attend the padding and nothing else.
    """
    layer = _multi_head_layer(query, key, num_heads)
    embed, depth = query.shape[-1], query.shape[-1] // num_heads
    weights = []
    for w, b in zip(tf.split(in_proj_weight, 3), tf.split(in_proj_bias, 3)):
        weights += [tf.reshape(w, (embed, num_heads, depth)), tf.reshape(b, (num_heads, depth))]  # no transpose
    weights += [tf.reshape(out_proj_weight, (num_heads, depth, embed)), out_proj_bias]
    attend = tf.broadcast_to(key_padding_mask[:, None, :], (query.shape[0], query.shape[1], key.shape[1]))  # not inverted
    out, _ = layer.stateless_call(weights, layer.non_trainable_variables, query, value, key=key,
                                  attention_mask=attend)
    return out


def multi_head_attention_scores(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                *, num_heads):
    """The attention weights of keras.layers.MultiHeadAttention(return_attention_scores=True): per head, (N, H, L, S)."""
    layer = _multi_head_layer(query, key, num_heads)
    weights = torch_mha_to_keras(in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                 num_heads=num_heads, xp=tnp)
    (_, scores), _ = layer.stateless_call(weights, layer.non_trainable_variables, query, value, key=key,
                                          return_attention_scores=True)
    return scores
