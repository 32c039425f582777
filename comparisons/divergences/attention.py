"""Catalog entries of the attention concepts: mask conventions, packed projections, layouts.

The framework halves are in ``framework_impls/<tree>/attention.py``; the weight and mask
conversions both halves rely on are in :mod:`framework_impls.conversions.attention`
(NumPy by default, so this module imports no framework).
"""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation


def attention_inputs(n, heads, length, keys, embed, value_embed=None, *, mask=None):
    """Draw q (n, heads, L, E), k (n, heads, S, E), v (n, heads, S, Ev) and an optional mask.

    ``mask``: None; ``"bool"`` a boolean (L, S) mask, True = attend; ``"bool-per-head"``
    (n, heads, L, S); ``"keys"`` a key-padding mask (n, 1, 1, S) that hides the last
    keys of every batch entry but the first; ``"float"`` an additive (n, heads, L, S)
    bias. Every query row keeps key 0, so no row is masked everywhere.
    """
    value_embed = value_embed or embed

    def draw(rng):
        inputs = {
            "q": rng.standard_normal((n, heads, length, embed)),
            "k": rng.standard_normal((n, heads, keys, embed)),
            "v": rng.standard_normal((n, heads, keys, value_embed)),
        }
        if mask in ("bool", "bool-per-head"):
            shape = (length, keys) if mask == "bool" else (n, heads, length, keys)
            attend = rng.uniform(size=shape) < 0.6
            attend[..., 0] = True  # every query attends at least key 0
            inputs["mask"] = attend
        elif mask == "keys":
            lengths = np.maximum(keys - np.arange(n), 1)  # n - 1 keys hidden in the last entry
            inputs["mask"] = (np.arange(keys) < lengths[:, None])[:, None, None, :]
        elif mask == "float":
            inputs["mask"] = rng.standard_normal((n, heads, length, keys))
        return inputs

    return draw


def multi_head_inputs(n, length, keys, embed, *, self_attention=False, key_padding=False, causal=False):
    """Draw batch-first query (n, L, E), key and value (n, S, E), torch-layout weights and torch's masks.

    Weights are U(+-1 / sqrt(E)); ``key_padding`` hides the last j keys of batch entry j
    (True = masked out, torch's convention); ``causal`` adds an (L, S) ``attn_mask`` that
    is True above the diagonal (masked out). Key 0 is never hidden.
    """

    def draw(rng):
        bound = 1 / np.sqrt(embed)
        query = rng.standard_normal((n, length, embed))
        inputs = {
            "query": query,
            "key": query.copy() if self_attention else rng.standard_normal((n, keys, embed)),
            "value": query.copy() if self_attention else rng.standard_normal((n, keys, embed)),
            "in_proj_weight": rng.uniform(-bound, bound, (3 * embed, embed)),
            "in_proj_bias": rng.uniform(-bound, bound, 3 * embed),
            "out_proj_weight": rng.uniform(-bound, bound, (embed, embed)),
            "out_proj_bias": rng.uniform(-bound, bound, embed),
        }
        if key_padding:
            hidden = np.minimum(np.arange(n), keys - 1)  # entry j: its last j keys are padding
            inputs["key_padding_mask"] = np.arange(keys) >= (keys - hidden)[:, None]
        if causal:
            inputs["attn_mask"] = np.triu(np.ones((length, keys), dtype=bool), k=1)  # True = masked out
        return inputs

    return draw


def one_row_masked_inputs(n, heads, length, keys, embed):
    """Draw q, k, v as :func:`attention_inputs` and a boolean (L, S) mask whose last query row attends no key."""

    def draw(rng):
        inputs = attention_inputs(n, heads, length, keys, embed, mask="bool")(rng)
        inputs["mask"][-1] = False
        return inputs

    return draw


# Entries -----------------------------------------------------------------------------

TORCH_MHA = Side("torch", implementation("torch", "attention.multi_head_attention"))


MHA_MASK_PACKING = Divergence(
    id="mha-mask-packing",
    differs=N_("torch nn.MultiheadAttention packs the q, k, v projections into one in_proj_weight (3E, E) of "
    "(out, in) rows and takes a key_padding_mask whose True means masked out; Keras MultiHeadAttention keeps "
    "three (E, heads, head_dim) kernels (input first) and an output kernel (heads, head_dim, E), and its "
    "attention_mask is True where attention is allowed (as in torch's own F.scaled_dot_product_attention, flax, "
    "JAX and Paddle). Reshaping torch's blocks without transposing them and passing the mask as it is gives "
    "wrong outputs everywhere, without an error."),
    naive=(TORCH_MHA, Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention_naive_port"))),
    faithful=(TORCH_MHA, Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention"))),
    naive_mapping=N_("Keras kernels W_q.reshape(E, H, D) (no transpose), output kernel W_o.reshape(H, D, E), and "
    "attention_mask = key_padding_mask"),
    faithful_mapping=N_("framework_impls.conversions.attention.torch_mha_to_keras: W_q.T.reshape(E, H, D), biases "
    "reshape(H, D), W_o.T.reshape(H, D, E); torch_masks_to_attend: attention_mask = ~key_padding_mask"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/activation.py (MultiheadAttention: "
    "in_proj_weight, key_padding_mask 'True value indicates that the corresponding key value will be ignored'); "
    "https://github.com/keras-team/keras/blob/master/keras/src/layers/attention/multi_head_attention.py "
    "(EinsumDense kernels, attention_mask '1 indicates attention'); pytorch/pytorch#27968, #118025",
    sample=Sample("N3-L4-S5-E8-H2-padded", multi_head_inputs(3, 4, 5, 8, key_padding=True),
                  params={"num_heads": 2}),
    shows=Difference("values", at=None, at_least=0.1),
)


BATCH_FIRST_MHA = Divergence(
    id="batch-first",
    differs=N_("torch nn.MultiheadAttention defaults to batch_first=False and reads (L, N, E); Keras, flax and "
    "Paddle read (N, L, E). A batch-major tensor fed to a default torch layer attends across the batch instead "
    "of across the sequence; with L = S every shape fits and nothing warns."),
    naive=(Side("torch", implementation("torch", "attention.multi_head_attention_default_layout")),
           Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention"))),
    faithful=(TORCH_MHA, Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention"))),
    naive_mapping=N_("torch nn.MultiheadAttention() (batch_first=False) on the (N, L, E) tensors Keras receives"),
    faithful_mapping=N_("torch nn.MultiheadAttention(batch_first=True), or transpose(0, 1) in and out"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html (batch_first: default False); "
    "https://keras.io/api/layers/attention_layers/multi_head_attention/ (query: (B, T, dim))",
    sample=Sample("N3-L4-S4-E8-H2", multi_head_inputs(3, 4, 4, 8), params={"num_heads": 2}),
    shows=Difference("values", at=None, at_least=0.1),
)


MHA_WEIGHTS_AVERAGED = Divergence(
    id="mha-attention-weights-averaged",
    differs=N_("torch nn.MultiheadAttention returns its attention weights averaged over the heads, (N, L, S), "
    "unless average_attn_weights=False; Keras MultiHeadAttention(return_attention_scores=True) and Paddle's "
    "MultiHeadAttention(need_weights=True) return them per head, (N, H, L, S). Code that inspects or plots a "
    "head's weights after a port reads an average, or the other way round an array of one more axis."),
    naive=(Side("torch", implementation("torch", "attention.multi_head_attention_weights")),
           Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention_scores"))),
    faithful=(Side("torch", implementation("torch", "attention.multi_head_attention_weights"),
                   {"average_attn_weights": False}),
              Side("tensorflow", implementation("tensorflow", "attention.multi_head_attention_scores"))),
    naive_mapping=N_("out, weights = nn.MultiheadAttention(...)(query, key, value), weights taken as Keras's scores"),
    faithful_mapping=N_("average_attn_weights=False; weights.mean(axis=1) of Keras's scores is torch's default"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html (average_attn_weights: "
    "'If true, indicates that the returned attn_weights should be averaged across heads', default True); "
    "https://keras.io/api/layers/attention_layers/multi_head_attention/ (attention_scores: "
    "(B, num_heads, T, S))",
    sample=Sample("N3-L4-S5-E8-H2", multi_head_inputs(3, 4, 5, 8), params={"num_heads": 2}),
    shows=Difference("shape"),  # (3, 4, 5) against (3, 2, 4, 5)
)


ATTENTION_LAYOUT = Divergence(
    id="attention-layout",
    differs=N_("torch F.scaled_dot_product_attention takes (N, heads, L, E); jax.nn.dot_product_attention, "
    "keras.ops.dot_product_attention and Paddle's F.scaled_dot_product_attention take (N, L, heads, E). Given "
    "torch's layout with heads = L = S, JAX checks nothing amiss and takes the softmax over the heads."),
    naive=(Side("torch", implementation("torch", "attention.scaled_dot_product_attention")),
           Side("jax", implementation("jax", "attention.scaled_dot_product_attention_torch_layout"))),
    faithful=(Side("torch", implementation("torch", "attention.scaled_dot_product_attention")),
              Side("jax", implementation("jax", "attention.scaled_dot_product_attention"))),
    naive_mapping=N_("jax.nn.dot_product_attention(q, k, v) on torch's (N, H, L, E) arrays"),
    faithful_mapping=N_("framework_impls.conversions.attention.heads_first_to_sequence_first (swap axes 1 and 2) on "
    "q, k, v and back on the output"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (dot_product_attention: query "
    "'(B, T, N, H)'); https://pytorch.org/docs/stable/generated/"
    "torch.nn.functional.scaled_dot_product_attention.html (query (N, ..., L, E))",
    sample=Sample("N2-H4-L4-S4-E5", attention_inputs(2, 4, 4, 4, 5)),
    shows=Difference("values", at=None, at_least=0.1),
)


TORCH_SDPA = Side("torch", implementation("torch", "attention.scaled_dot_product_attention"))


FULLY_MASKED_ROW = Divergence(
    id="attention-fully-masked-row",
    differs=N_("A query row whose mask attends no key: torch's F.scaled_dot_product_attention returns 0 for it "
    "(and 0 gradients); jax.nn.dot_product_attention, flax and keras.ops.dot_product_attention mask with the "
    "dtype's most negative finite value, so the row gets uniform weights and returns the mean of v; Paddle's "
    "F.scaled_dot_product_attention and torch's own nn.MultiheadAttention with need_weights=True, its default, "
    "return NaN. Padded queries of a batch of unequal lengths are such rows."),
    naive=(TORCH_SDPA, Side("jax", implementation("jax", "attention.scaled_dot_product_attention"))),
    faithful=(TORCH_SDPA, Side("jax", implementation("jax", "attention.scaled_dot_product_attention_empty_rows_zero"))),
    naive_mapping=N_("jax.nn.dot_product_attention(q, k, v, mask=mask) for F.scaled_dot_product_attention(q, k, v, "
    "attn_mask=mask)"),
    faithful_mapping=N_("jnp.where(mask.any(-1)[..., None], out, 0): the rows with no key set to 0, as torch "
    "returns them"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (_apply_masks: "
    "large_negative_number = _get_large_negative(logits.dtype)); https://github.com/pytorch/pytorch/blob/main/"
    "aten/src/ATen/native/transformers/attention.cpp (_safe_softmax: a fully masked row gives 0); "
    "pytorch/pytorch#41508 (NaN from fully masked rows in nn.MultiheadAttention's eager path)",
    sample=Sample("N2-H2-L3-S4-E5-last-row-masked", one_row_masked_inputs(2, 2, 3, 4, 5)),
    shows=Difference("values", at=None, at_least=0.01),
)


JAX_FLOAT32_SOFTMAX = Divergence(
    id="jax-attention-float32-softmax",
    differs=N_("jax.nn.dot_product_attention casts the scores to float32 before its softmax whatever the input "
    "dtype ('always carried out in fp32'), so float64 inputs get float32-rounded attention weights (about 1e-7 "
    "off); torch, Paddle, Keras and flax.linen.dot_product_attention keep float64."),
    naive=(TORCH_SDPA, Side("jax", implementation("jax", "attention.scaled_dot_product_attention"))),
    faithful=(TORCH_SDPA, Side("jax", implementation("jax", "attention.flax_dot_product_attention"))),
    naive_mapping=N_("jax.nn.dot_product_attention on float64 arrays"),
    faithful_mapping=N_("flax.linen.dot_product_attention (softmax in the input dtype), or write the softmax with "
    "jax.nn.softmax"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (_dot_product_attention_core: "
    "padded_logits.astype(np.float32), 'Softmax and it is always carried out in fp32')",
    sample=Sample("N2-H3-L5-S6-E4", attention_inputs(2, 3, 5, 6, 4)),
    dtype="float64",
    shows=Difference("values", at=None, at_least=1e-9),
)


KERAS_FLOAT32_SCALE = Divergence(
    id="keras-attention-scale-float32",
    differs=N_("On the TensorFlow backend keras.ops.dot_product_attention computes its default scale as "
    "1 / sqrt(tf.cast(E, 'float32')) and applies any scale with tf.cast, which turns a Python float into a "
    "float32 tensor first: in float64 the scores are scaled by a float32-rounded 1 / sqrt(E) (relative error up "
    "to 3e-8; exact only when E is a power of 4). keras.layers.MultiHeadAttention passes its Python float "
    "1 / sqrt(head_dim) the same way."),
    naive=(TORCH_SDPA, Side("tensorflow", implementation("tensorflow", "attention.scaled_dot_product_attention_default_scale"))),
    faithful=(TORCH_SDPA, Side("tensorflow", implementation("tensorflow", "attention.scaled_dot_product_attention"))),
    naive_mapping=N_("keras.ops.dot_product_attention(q, k, v) on float64 tensors, scale left to its default"),
    faithful_mapping=N_("scale=tf.constant(1 / sqrt(E), dtype=tf.float64)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/backend/tensorflow/nn.py (dot_product_attention: "
    "scale = 1.0 / tf.sqrt(tf.cast(H, 'float32')); _dot_product_attention_xla: tf.cast(scale, logits.dtype))",
    sample=Sample("N2-H3-L5-S6-E3", attention_inputs(2, 3, 5, 6, 3)),
    dtype="float64",
    shows=Difference("values", at=None, at_least=1e-10),
)


SCALED_DOT_PRODUCT = (ATTENTION_LAYOUT, JAX_FLOAT32_SOFTMAX, KERAS_FLOAT32_SCALE, FULLY_MASKED_ROW)
MULTI_HEAD = (MHA_MASK_PACKING, BATCH_FIRST_MHA, MHA_WEIGHTS_AVERAGED)
