"""Attention concepts: scaled dot-product attention and multi-head attention (torch's layouts)."""

from comparisons.divergences import attention as catalog
from comparisons.divergences.attention import attention_inputs, multi_head_inputs
from comparisons.i18n import N_
from comparisons.registry import DEFAULT_TOLERANCE, Concept, Sample, Tolerance, implementations, register
from reference import attention as ref

JAX_VALUE_WIDTH = N_("jax.nn.dot_product_attention requires value's last axis to equal the query's (ValueError: "
                     "'value shape should be [2, 5, 2, 4]: but got (2, 5, 2, 6)')")

JAX_FLOAT32_SOFTMAX = Tolerance(
    atol=DEFAULT_TOLERANCE["float32"].atol,
    rtol=DEFAULT_TOLERANCE["float32"].rtol,
    reason=N_("jax.nn.dot_product_attention casts the scores to float32 before the softmax whatever the input dtype "
    "('Softmax and it is always carried out in fp32', jax/_src/nn/functions.py), so its float64 results carry "
    "float32 rounding: measured up to 2.5e-7 from every other witness (margin 3.5e4 at the float64 default, under "
    "0.25 at float32's). Catalog entry jax-attention-float32-softmax; the other pairs keep float64's tolerance."),
)

KERAS_FLOAT32_SCALE = Tolerance(
    atol=1e-7,
    rtol=1e-7,
    reason=N_("keras.layers.MultiHeadAttention hands its Python float 1 / sqrt(head_dim) to the TensorFlow backend, "
    "whose tf.cast makes a float32 tensor of it first (catalog entry keras-attention-scale-float32; the layer offers "
    "no way to pass it in float64). Exact for head_dim 4; measured for head_dim 6 and 3 up to 1.6e-8 from every "
    "other witness in float64 (margin 2.5e3 at the float64 default, 0.16 at this tolerance)."),
)


def attention_samples(rng):
    yield Sample("no-mask", attention_inputs(2, 3, 5, 5, 4), note=N_("softmax(q k^T / sqrt(E)) v, L = S = 5"))
    yield Sample("L-ne-S", attention_inputs(2, 2, 3, 7, 4), note=N_("3 queries over 7 keys"))
    yield Sample("Ev-ne-E", attention_inputs(2, 2, 3, 5, 4, 6), skip={"jax": JAX_VALUE_WIDTH},
                 note=N_("values of 6 features, queries and keys of 4 (Ev != E)"))
    yield Sample("bool-mask", attention_inputs(2, 3, 4, 6, 4, mask="bool"),
                 note=N_("a boolean (L, S) mask, True = attend, broadcast over batch and heads"))
    yield Sample("bool-mask-per-head", attention_inputs(2, 3, 4, 6, 4, mask="bool-per-head"),
                 note=N_("a boolean (N, H, L, S) mask, one per batch entry and head"))
    yield Sample("key-padding", attention_inputs(3, 2, 4, 6, 4, mask="keys"),
                 note=N_("a boolean (N, 1, 1, S) mask hiding the last keys of each batch entry (padding)"))
    yield Sample("float-mask", attention_inputs(2, 3, 4, 6, 4, mask="float"),
                 note=N_("a float (N, H, L, S) mask added to the scores (a learned or ALiBi bias)"))
    yield Sample("causal", attention_inputs(2, 3, 5, 5, 4), {"is_causal": True},
                 note=N_("is_causal: query i attends keys j <= i"))
    yield Sample("causal-L-lt-S", attention_inputs(2, 2, 3, 6, 4), {"is_causal": True},
                 note=N_("is_causal with L = 3 < S = 6: the triangle starts at the top-left corner in every "
                 "framework (query i attends keys 0..i, not the last keys)"))
    yield Sample("E3", attention_inputs(2, 3, 4, 6, 3),
                 note=N_("E = 3: the default scale 1 / sqrt(3) is not exact in binary, so a float32-rounded one shows "
                 "in float64 (catalog entry keras-attention-scale-float32)"))
    yield Sample("scale", attention_inputs(2, 3, 4, 6, 4), {"scale": 0.125},
                 note=N_("scale = 0.125 in place of 1 / sqrt(E) = 0.5"))


def multi_head_samples(rng):
    yield Sample("self-attention", multi_head_inputs(2, 5, 5, 8, self_attention=True), {"num_heads": 2},
                 note=N_("query = key = value (self-attention), E = 8 in 2 heads of 4"))
    yield Sample("cross-L-ne-S", multi_head_inputs(2, 3, 6, 8), {"num_heads": 2},
                 note=N_("3 queries attend 6 keys and values of another sequence"))
    yield Sample("key-padding", multi_head_inputs(3, 4, 5, 8, key_padding=True), {"num_heads": 2},
                 note=N_("torch's key_padding_mask (True = padding, masked out) against the others' True = attend"))
    yield Sample("causal-attn-mask", multi_head_inputs(2, 5, 5, 8, causal=True), {"num_heads": 2},
                 note=N_("a boolean (L, S) attn_mask, True above the diagonal (masked out): causal self-attention"))
    yield Sample("both-masks", multi_head_inputs(3, 5, 5, 8, key_padding=True, causal=True), {"num_heads": 2},
                 note=N_("key padding and the causal attn_mask together"))
    yield Sample("one-head", multi_head_inputs(2, 4, 4, 6), {"num_heads": 1}, note=N_("one head of all E = 6 features"))
    yield Sample("four-heads", multi_head_inputs(2, 4, 6, 12), {"num_heads": 4}, note=N_("E = 12 in 4 heads of 3"))


def attention_benchmarks(rng):
    yield Sample("N4-H8-L256-S256-E64", attention_inputs(4, 8, 256, 256, 64),
                 note=N_("batch 4, 8 heads, 256 queries and keys of 64 features"))


register(
    Concept(
        name="scaled_dot_product_attention",
        family="attention",
        summary=N_("softmax(q k^T * scale + mask) v over (N, heads, L, E); boolean masks True = attend, float masks "
        "added, is_causal, scale."),
        samples=attention_samples,
        reference=(ref.scaled_dot_product_attention_forward, ref.scaled_dot_product_attention_backward),
        implementations=implementations("attention.scaled_dot_product_attention"),
        grad_wrt=("q", "k", "v"),
        tolerance={("float64", "jax"): JAX_FLOAT32_SOFTMAX},
        divergences=catalog.SCALED_DOT_PRODUCT,
        tutorial=N_("Vaswani et al. 2017, 'Attention Is All You Need': each query takes a weighted mean of the "
        "values, weighted by the softmax of its scaled dot products with the keys."),
        forward_math=r"P = \mathrm{softmax}\big(s\, q k^\top + M\big),\quad \mathrm{out} = P v,"
        r"\quad s = 1/\sqrt{E}",
        backward_math=r"\bar v = P^\top \bar o,\ \bar P = \bar o v^\top,\ "
        r"\bar S = P \odot (\bar P - \textstyle\sum_j \bar P \odot P),\ \bar q = s\, \bar S k,\ \bar k = s\, \bar S^\top q",
        benchmarks=attention_benchmarks,
        bench_floor=lambda inputs, params: ref.attention_matmuls(inputs["q"], inputs["k"], inputs["v"]),
    ),
    Concept(
        name="multi_head_attention",
        family="attention",
        summary=N_("torch nn.MultiheadAttention(batch_first=True): packed in_proj_weight, heads, out_proj; "
        "key_padding_mask and attn_mask with True = masked out."),
        samples=multi_head_samples,
        reference=(ref.multi_head_attention_forward, ref.multi_head_attention_backward),
        implementations=implementations("attention.multi_head_attention"),
        grad_wrt=("query", "key", "value", "in_proj_weight", "in_proj_bias", "out_proj_weight", "out_proj_bias"),
        tolerance={("float64", "tensorflow"): KERAS_FLOAT32_SCALE},
        divergences=catalog.MULTI_HEAD,
        tutorial=N_("The Transformer's multi-head attention: project queries, keys and values, split the features "
        "into heads that attend separately, concatenate the heads and project back."),
        forward_math=r"q_h = (x_q W_q^\top + b_q)_h,\ \mathrm{head}_h = \mathrm{softmax}\big(q_h k_h^\top / \sqrt{D}"
        r" + M\big) v_h,\ \mathrm{out} = [\mathrm{head}_1, \ldots, \mathrm{head}_H] W_o^\top + b_o",
        backward_math=r"\bar W_o = \bar o^\top c,\ \bar c = \bar o W_o,\ (\bar q_h, \bar k_h, \bar v_h) = "
        r"\mathrm{attention}^\top(\bar c_h),\ \bar x_q = \bar q W_q,\ \bar W_q = \bar q^\top x_q",
    ),
)
