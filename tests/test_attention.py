"""Attention reference functions and the attention weight conversions: errors, properties, round trips."""

import numpy as np
import pytest

from comparisons.divergences.attention import attention_inputs, multi_head_inputs
from framework_impls.conversions import attention as conv
from reference import attention as ref


def draw(maker, seed=0):
    return maker(np.random.default_rng(seed))


def mha_inputs(n=2, length=4, keys=5, embed=8, **kwargs):
    return draw(multi_head_inputs(n, length, keys, embed, **kwargs))


# Bad input ---------------------------------------------------------------------------


def test_heads_not_dividing_the_embedding_name_num_heads():
    with pytest.raises(ValueError, match="^num_heads"):
        ref.multi_head_attention_forward(**mha_inputs(embed=8), num_heads=3)


def test_keys_with_another_embedding_name_k():
    q, k, v = (draw(attention_inputs(2, 3, 4, 5, 4))[n] for n in "qkv")
    with pytest.raises(ValueError, match="^k "):
        ref.scaled_dot_product_attention_forward(q, k[..., :3], v)


def test_values_with_another_number_of_keys_name_v():
    q, k, v = (draw(attention_inputs(2, 3, 4, 5, 4))[n] for n in "qkv")
    with pytest.raises(ValueError, match="^v "):
        ref.scaled_dot_product_attention_forward(q, k, v[..., :4, :])


@pytest.mark.parametrize("shape", [(4, 4), (2, 4, 5), (2, 2, 4, 5)])
def test_a_mask_that_does_not_broadcast_to_the_scores_names_mask(shape):
    q, k, v = (draw(attention_inputs(2, 3, 4, 5, 4))[n] for n in "qkv")  # scores (2, 3, 4, 5)
    with pytest.raises(ValueError, match="^mask"):
        ref.scaled_dot_product_attention_forward(q, k, v, mask=np.ones(shape, dtype=bool))


def test_a_mask_with_is_causal_names_mask():
    q, k, v = (draw(attention_inputs(2, 3, 4, 4, 4))[n] for n in "qkv")
    with pytest.raises(ValueError, match="^mask"):
        ref.scaled_dot_product_attention_forward(q, k, v, mask=np.ones((4, 4), dtype=bool), is_causal=True)


@pytest.mark.parametrize("name, bad", [
    ("in_proj_weight", np.zeros((8, 8))),
    ("out_proj_bias", np.zeros(7)),
    ("key_padding_mask", np.zeros((2, 4), dtype=bool)),  # S is 5
    ("attn_mask", np.zeros((5, 4), dtype=bool)),  # (L, S) is (4, 5)
    ("key", np.zeros((2, 5, 6))),
])
def test_multi_head_shapes_that_cannot_fit_name_the_argument(name, bad):
    inputs = {**mha_inputs(), name: bad}
    with pytest.raises(ValueError, match=f"^{name}"):
        ref.multi_head_attention_forward(**inputs, num_heads=2)


# Properties --------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [None, "bool", "keys", "float"])
def test_attention_weights_are_rows_that_sum_to_one(mask):
    inputs = draw(attention_inputs(2, 3, 4, 6, 4, mask=mask))
    _, (_, _, _, p, _) = ref.scaled_dot_product_attention_forward(**inputs)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert (p >= 0).all()
    if mask in ("bool", "keys"):
        assert (p[..., ~np.broadcast_to(inputs["mask"], p.shape)] == 0).all(), "masked keys get no weight"


@pytest.mark.parametrize("length, keys", [(5, 5), (3, 6), (6, 3)])
def test_causal_output_at_position_i_ignores_later_values(length, keys):
    q, k, v = (draw(attention_inputs(2, 3, length, keys, 4))[n] for n in "qkv")
    out, _ = ref.scaled_dot_product_attention_forward(q, k, v, is_causal=True)
    for i in range(length):
        changed = v.copy()
        changed[..., i + 1 :, :] += 10.0  # every value after position i
        out_changed, _ = ref.scaled_dot_product_attention_forward(q, k, changed, is_causal=True)
        np.testing.assert_array_equal(out_changed[..., : i + 1, :], out[..., : i + 1, :])
        if i + 1 < min(length, keys):
            assert not np.allclose(out_changed[..., i + 1 :, :], out[..., i + 1 :, :]), "later positions see them"


def test_key_padding_mask_hides_padded_keys_from_every_query():
    inputs = mha_inputs(n=3, key_padding=True)
    out, _ = ref.multi_head_attention_forward(**inputs, num_heads=2)
    changed = {**inputs, "key": inputs["key"].copy(), "value": inputs["value"].copy()}
    padded = inputs["key_padding_mask"]
    changed["key"][padded] += 5.0
    changed["value"][padded] -= 5.0
    out_changed, _ = ref.multi_head_attention_forward(**changed, num_heads=2)
    np.testing.assert_allclose(out_changed, out, rtol=1e-12, atol=1e-12)
    assert padded.any()


def test_float32_stays_float32():
    inputs = {k: v.astype(np.float32) for k, v in draw(attention_inputs(2, 3, 4, 6, 4, mask="float")).items()}
    out, cache = ref.scaled_dot_product_attention_forward(**inputs)
    grads = ref.scaled_dot_product_attention_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


# Conversions -------------------------------------------------------------------------

WEIGHTS = ("in_proj_weight", "in_proj_bias", "out_proj_weight", "out_proj_bias")


def torch_weights(embed=12):
    inputs = mha_inputs(embed=embed)
    return [inputs[name] for name in WEIGHTS]


@pytest.mark.parametrize("num_heads", [1, 3, 4])
def test_keras_conversion_round_trips(num_heads):
    weights = torch_weights()
    keras_weights = conv.torch_mha_to_keras(*weights, num_heads=num_heads)
    assert [w.shape for w in keras_weights[:2]] == [(12, num_heads, 12 // num_heads), (num_heads, 12 // num_heads)]
    assert keras_weights[6].shape == (num_heads, 12 // num_heads, 12)
    for back, original in zip(conv.keras_mha_to_torch(*keras_weights), weights):
        np.testing.assert_array_equal(back, original)


def test_flax_and_paddle_conversions_round_trip():
    weights = torch_weights()
    for back, original in zip(conv.flax_mha_to_torch(conv.torch_mha_to_flax(*weights, num_heads=4)), weights):
        np.testing.assert_array_equal(back, original)
    for back, original in zip(conv.paddle_mha_to_torch(conv.torch_mha_to_paddle(*weights)), weights):
        np.testing.assert_array_equal(back, original)


def test_keras_kernels_compute_torch_projections_head_by_head():
    """Keras's EinsumDense 'abc,cde->abde' with the converted kernel is torch's x @ W.T + b split head-major."""
    inputs = mha_inputs(embed=12)
    weights = [inputs[name] for name in WEIGHTS]
    q_kernel, q_bias, *_, out_kernel, out_bias = conv.torch_mha_to_keras(*weights, num_heads=3)
    x = inputs["query"]
    w_q, b_q = weights[0][:12], weights[1][:12]
    torch_heads = (x @ w_q.T + b_q).reshape(2, 4, 3, 4)
    np.testing.assert_allclose(np.einsum("nle,ehd->nlhd", x, q_kernel) + q_bias, torch_heads, rtol=1e-12)
    heads = torch_heads  # any (N, L, H, D) tensor: the output projection of its concatenation
    np.testing.assert_allclose(np.einsum("nlhd,hde->nle", heads, out_kernel) + out_bias,
                               heads.reshape(2, 4, 12) @ weights[2].T + weights[3], rtol=1e-12)


def test_torch_masks_become_one_mask_that_is_true_where_attention_is_allowed():
    inputs = mha_inputs(n=3, length=5, keys=5, key_padding=True, causal=True)
    kpm, attn = inputs["key_padding_mask"], inputs["attn_mask"]
    attend = conv.torch_masks_to_attend(kpm, attn, batch=3, length=5, keys=5)
    for n in range(3):
        for i in range(5):
            for j in range(5):
                assert attend[n, i, j] == (not kpm[n, j] and not attn[i, j])
    assert conv.torch_masks_to_attend(batch=3, length=5, keys=5) is None
    np.testing.assert_array_equal(conv.attend_to_torch_key_padding(attend[:, 0]), kpm | attn[0])
