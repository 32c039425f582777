"""Layer, group and RMS normalisation and embeddings: bad input, properties, edge cases."""

import numpy as np
import pytest

from comparisons.concepts import layers as concepts
from reference import layers as ref


def _affine(rng, shape, normalised):
    trailing = shape[len(shape) - normalised:]
    return rng.standard_normal(shape), rng.uniform(0.5, 1.5, trailing), rng.standard_normal(trailing)


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("gamma_shape", [(5,), (3, 5), (), (2, 3, 4, 4)])
def test_layer_norm_rejects_gamma_not_matching_the_trailing_axes(gamma_shape):
    with pytest.raises(ValueError, match=r"^gamma "):
        ref.layer_norm_forward(np.zeros((2, 3, 4)), np.ones(gamma_shape), np.zeros(gamma_shape))


def test_layer_norm_rejects_beta_of_another_shape():
    with pytest.raises(ValueError, match=r"^beta "):
        ref.layer_norm_forward(np.zeros((2, 4)), np.ones(4), np.zeros(3))


def test_layer_norm_rejects_negative_eps():
    with pytest.raises(ValueError, match=r"^eps "):
        ref.layer_norm_forward(np.zeros((2, 4)), np.ones(4), np.zeros(4), eps=-1e-5)


@pytest.mark.parametrize("num_groups", [3, 0, -2, 2.0])
def test_group_norm_rejects_num_groups_not_dividing_the_channels(num_groups):
    with pytest.raises(ValueError, match=r"^num_groups "):
        ref.group_norm_forward(np.zeros((2, 4, 3)), np.ones(4), np.zeros(4), num_groups=num_groups)


def test_group_norm_rejects_gamma_not_per_channel():
    with pytest.raises(ValueError, match=r"^gamma "):
        ref.group_norm_forward(np.zeros((2, 4, 3)), np.ones(3), np.zeros(4), num_groups=2)


def test_group_norm_rejects_input_without_channels():
    with pytest.raises(ValueError, match=r"^x "):
        ref.group_norm_forward(np.zeros(4), np.ones(4), np.zeros(4), num_groups=2)


def test_rms_norm_rejects_gamma_not_matching_the_trailing_axes():
    with pytest.raises(ValueError, match=r"^gamma "):
        ref.rms_norm_forward(np.zeros((2, 4)), np.ones(3), eps=1e-6)


@pytest.mark.parametrize("ids", [[0, 6], [-1, 2]])
def test_embedding_rejects_ids_out_of_range(ids):
    with pytest.raises(ValueError, match=r"^ids "):
        ref.embedding_forward(np.array(ids), np.zeros((6, 3)))


def test_embedding_rejects_float_ids():
    with pytest.raises(TypeError, match=r"^ids "):
        ref.embedding_forward(np.array([0.0, 1.0]), np.zeros((6, 3)))


@pytest.mark.parametrize("padding_idx", [6, -7, 1.0])
def test_embedding_rejects_padding_idx_outside_the_table(padding_idx):
    with pytest.raises(ValueError, match=r"^padding_idx "):
        ref.embedding_forward(np.array([0, 1]), np.zeros((6, 3)), padding_idx=padding_idx)


def test_embedding_rejects_a_table_that_is_not_2d():
    with pytest.raises(ValueError, match=r"^table "):
        ref.embedding_forward(np.array([0, 1]), np.zeros(6))


# Properties -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, normalised", [((4, 6), 1), ((2, 3, 4), 2), ((2, 5, 8), 1)])
def test_layer_norm_output_has_mean_zero_and_unit_variance_before_the_affine(shape, normalised):
    rng = np.random.default_rng(0)
    x, gamma, beta = _affine(rng, shape, normalised)
    eps = 1e-5
    out, _ = ref.layer_norm_forward(3.0 + x, np.ones_like(gamma), np.zeros_like(beta), eps=eps)
    axes = tuple(range(len(shape) - normalised, len(shape)))
    var = x.var(axis=axes)
    assert np.allclose(out.mean(axis=axes), 0, atol=1e-12)
    assert np.allclose(out.var(axis=axes), var / (var + eps))


def test_layer_norm_gradient_sums_to_zero_over_the_normalised_axes():
    rng = np.random.default_rng(1)
    x, gamma, beta = _affine(rng, (3, 2, 5), 2)
    _, cache = ref.layer_norm_forward(x, gamma, beta)
    dx, _, _ = ref.layer_norm_backward(rng.standard_normal(x.shape), cache)
    assert np.allclose(dx.sum(axis=(1, 2)), 0, atol=1e-12)  # a shift of x changes nothing


def test_group_norm_with_one_group_is_layer_norm_over_channels_and_space():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 4))
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)
    out, _ = ref.group_norm_forward(x, gamma, beta, num_groups=1)
    normalised, _ = ref.layer_norm_forward(x, np.ones((3, 4, 4)), np.zeros((3, 4, 4)))
    assert np.allclose(out, gamma[:, None, None] * normalised + beta[:, None, None])


def test_group_norm_with_one_group_per_channel_normalises_each_channel():
    x = np.random.default_rng(3).standard_normal((2, 3, 5))
    out, _ = ref.group_norm_forward(x, np.ones(3), np.zeros(3), num_groups=3, eps=0.0)
    assert np.allclose(out.mean(axis=2), 0, atol=1e-12)
    assert np.allclose(out.var(axis=2), 1)


def test_rms_norm_output_has_unit_mean_square_when_eps_is_small():
    x = np.random.default_rng(4).standard_normal((3, 7))
    out, _ = ref.rms_norm_forward(x, np.ones(7), eps=1e-12)
    assert np.allclose((out**2).mean(axis=1), 1)


def test_rms_norm_gradient_is_orthogonal_to_x_without_eps():
    # RMSNorm without eps is invariant to scaling x, so its gradient has no component along x.
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 6))
    _, cache = ref.rms_norm_forward(x, rng.uniform(0.5, 1.5, 6), eps=0.0)
    dx, _ = ref.rms_norm_backward(rng.standard_normal(x.shape), cache)
    assert np.allclose((dx * x).sum(axis=1), 0, atol=1e-12)


def test_rms_norm_default_eps_is_the_machine_epsilon_of_the_dtype():
    x = np.full((1, 4), 1e-4, dtype=np.float32)
    out, _ = ref.rms_norm_forward(x, np.ones(4, np.float32))
    expected = x / np.sqrt(np.float32(1e-8) + np.finfo(np.float32).eps)
    assert np.allclose(out, expected, rtol=1e-6)


def test_large_mean_keeps_its_digits_with_the_two_pass_variance():
    # 1000 + [0, 0.1, 0.2, 0.3]: variance 0.0125, x_hat = [-3, -1, 1, 3] / sqrt(5) shrunk by eps
    exact = np.array([[-3, -1, 1, 3]]) / np.sqrt(5) * np.sqrt(0.0125 / (0.0125 + 1e-5))
    for dtype, atol in ((np.float64, 1e-10), (np.float32, 1e-3)):
        one = np.ones(4, dtype)
        out, _ = ref.layer_norm_forward(concepts.LARGE_MEAN.reshape(1, 4).astype(dtype), one, 0 * one)
        assert np.abs(out - exact).max() < atol  # the one-pass mean(x^2) - mu^2 is off by 46 in float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalisations_preserve_dtype(dtype):
    x, gamma, beta = (a.astype(dtype) for a in _affine(np.random.default_rng(6), (2, 4, 3), 1))
    channel = np.ones(4, dtype)
    assert ref.layer_norm_forward(x, gamma, beta)[0].dtype == dtype
    assert ref.group_norm_forward(x, channel, 0 * channel, num_groups=2)[0].dtype == dtype
    assert ref.rms_norm_forward(x, gamma)[0].dtype == dtype


# Embedding --------------------------------------------------------------------------------


def test_embedding_gradient_accumulates_repeated_ids():
    rng = np.random.default_rng(7)
    ids = np.array([[1, 1, 1, 2], [2, 0, 1, 1]])
    table = rng.standard_normal((4, 3))
    out, cache = ref.embedding_forward(ids, table)
    dout = rng.standard_normal(out.shape)
    dtable = ref.embedding_backward(dout, cache)
    one_hot = np.eye(4)[ids.ravel()]  # a lookup is one_hot @ table, so dtable = one_hot.T @ dout
    assert np.allclose(dtable, one_hot.T @ dout.reshape(-1, 3))
    assert np.allclose(dtable[1], dout[ids == 1].sum(axis=0))
    assert np.all(dtable[3] == 0)  # an id never looked up gets nothing


@pytest.mark.parametrize("padding_idx, row", [(0, 0), (-1, 5)])
def test_embedding_padding_row_is_returned_but_gets_no_gradient(padding_idx, row):
    rng = np.random.default_rng(8)
    ids = np.array([[row, 1, row], [2, row, 3]])
    table = rng.standard_normal((6, 4))
    out, cache = ref.embedding_forward(ids, table, padding_idx=padding_idx)
    assert np.array_equal(out[0, 0], table[row])  # torch's F.embedding returns the row as it is
    dtable = ref.embedding_backward(np.ones(out.shape), cache)
    assert np.all(dtable[row] == 0)
    assert np.all(dtable[1] == 1)


def test_embedding_keeps_the_table_dtype():
    out, cache = ref.embedding_forward(np.array([0, 1], dtype=np.int32), np.zeros((3, 2), np.float32))
    assert out.dtype == np.float32
    assert ref.embedding_backward(np.ones((2, 2), np.float32), cache).dtype == np.float32


def test_embedding_samples_keep_integer_ids():
    for sample in concepts.embedding_samples(None):
        assert sample.draw(np.random.default_rng(0))["ids"].dtype == np.int64
