"""max_pool2d and avg_pool2d: ties, padding that never wins, divisors, errors, framework rejections."""

import numpy as np
import pytest

from comparisons.registry import implementation, sample_rng
from comparisons.witnesses.pool import RemoteError
from reference import pooling


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_loop_and_vectorised_versions_agree_on_every_sample(registry, name):
    forward, backward = registry[name].reference
    forward_naive = getattr(pooling, f"{name}_forward_naive")
    backward_naive = getattr(pooling, f"{name}_backward_naive")
    for sample in registry[name].samples(np.random.default_rng(0)):
        x = sample.draw(sample_rng(0, name, sample.name))["x"]
        out, cache = forward(x, **sample.params)
        out_naive, cache_naive = forward_naive(x, **sample.params)
        np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12, err_msg=sample.name)
        dout = np.random.default_rng(1).standard_normal(out.shape)
        np.testing.assert_allclose(backward(dout, cache), backward_naive(dout, cache_naive),
                                   rtol=1e-12, atol=1e-12, err_msg=sample.name)


def test_tied_window_sends_the_gradient_to_the_first_element_in_row_major_order():
    x = np.ones((1, 2, 4, 6))
    out, cache = pooling.max_pool2d_forward(x, kernel_size=2)
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx = pooling.max_pool2d_backward(dout, cache)
    expected = np.zeros_like(x)
    expected[..., ::2, ::2] = dout
    np.testing.assert_array_equal(dx, expected)


def test_tie_later_in_the_window_loses_to_the_earlier_maximum():
    x = np.array([[[[0.0, 3.0], [3.0, 3.0]]]])  # the maximum 3 first appears at (0, 1)
    _, cache = pooling.max_pool2d_forward(x, kernel_size=2)
    dx = pooling.max_pool2d_backward(np.array([[[[5.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_padding_never_wins_the_max():
    x = np.full((1, 1, 3, 3), -5.0)
    out, cache = pooling.max_pool2d_forward(x, kernel_size=3, stride=1, padding=1)
    np.testing.assert_array_equal(out, np.full((1, 1, 3, 3), -5.0))
    dx = pooling.max_pool2d_backward(np.ones_like(out), cache)
    assert dx.shape == x.shape and dx.sum() == out.size  # every gradient lands on a real element


@pytest.mark.parametrize("count_include_pad, corner, edge", [(True, 4 / 9, 6 / 9), (False, 1.0, 1.0)])
def test_avg_pool_divisor_with_and_without_padding(count_include_pad, corner, edge):
    x = np.ones((1, 1, 4, 4))
    out, _ = pooling.avg_pool2d_forward(x, kernel_size=3, stride=1, padding=1, count_include_pad=count_include_pad)
    assert out[0, 0, 0, 0] == pytest.approx(corner)
    assert out[0, 0, 0, 1] == pytest.approx(edge)
    assert out[0, 0, 1, 1] == pytest.approx(1.0)


@pytest.mark.parametrize("forward, backward", [
    (pooling.max_pool2d_forward, pooling.max_pool2d_backward),
    (pooling.avg_pool2d_forward, pooling.avg_pool2d_backward),
])
def test_non_overlapping_windows_pass_the_whole_gradient_back(forward, backward):
    x = np.random.default_rng(1).standard_normal((2, 3, 6, 4))
    out, cache = forward(x, kernel_size=2)
    dout = np.random.default_rng(2).standard_normal(out.shape)
    dx = backward(dout, cache)
    assert dx.shape == x.shape
    assert dx.sum() == pytest.approx(dout.sum())


def test_max_pool_gradient_is_one_hot_per_window():
    x = np.random.default_rng(3).standard_normal((1, 2, 4, 4))
    out, cache = pooling.max_pool2d_forward(x, kernel_size=2)
    dx = pooling.max_pool2d_backward(np.ones_like(out), cache)
    windows = dx.reshape(1, 2, 2, 2, 2, 2).sum(axis=(3, 5))
    np.testing.assert_array_equal(windows, np.ones_like(out))
    np.testing.assert_array_equal(np.sort(x[dx == 1]), np.sort(out.ravel()))  # the ones sit on the maxima


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_float32_stays_float32(registry, name):
    concept = registry[name]
    for sample in concept.samples(np.random.default_rng(0)):
        x = sample.draw(sample_rng(0, name, sample.name))["x"].astype(np.float32)
        out, cache = concept.reference[0](x, **sample.params)
        assert out.dtype == np.float32, sample.name
        assert concept.reference[1](np.ones_like(out), cache).dtype == np.float32, sample.name


def test_ties_sample_is_named_and_skips_finite_differences(registry):
    ties = [s for s in registry["max_pool2d"].samples(np.random.default_rng(0)) if s.name == "ties"]
    assert ties and "finite-diff" in ties[0].skip
    x = ties[0].draw(sample_rng(0, "max_pool2d", "ties"))["x"]
    assert len(np.unique(x)) <= 2, "the ties sample must actually tie"


@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool_samples_cover_count_include_pad(registry, count_include_pad):
    params = [s.params for s in registry["avg_pool2d"].samples(np.random.default_rng(0))]
    assert any(p.get("padding", 0) and p.get("count_include_pad", True) is count_include_pad for p in params)


IMPOSSIBLE = [
    pytest.param({"kernel_size": 5}, "kernel_size", id="kernel-larger-than-input"),
    pytest.param({"kernel_size": 2, "stride": 0}, "stride", id="zero-stride"),
    pytest.param({"kernel_size": 2, "stride": -2}, "stride", id="negative-stride"),
    pytest.param({"kernel_size": 0}, "kernel_size", id="zero-kernel"),
]
POOLS = ["max_pool2d", "avg_pool2d"]


@pytest.mark.parametrize("params, argument", IMPOSSIBLE)
@pytest.mark.parametrize("name", POOLS)
def test_reference_rejects_impossible_parameters(name, params, argument):
    forward = getattr(pooling, f"{name}_forward")
    with pytest.raises(ValueError, match=argument):
        forward(np.zeros((1, 2, 4, 4)), **params)


@pytest.mark.parametrize("params, argument", IMPOSSIBLE)
@pytest.mark.parametrize("name", POOLS)
def test_torch_rejects_impossible_parameters(name, params, argument):
    torch = pytest.importorskip("torch")
    from framework_impls.torch_impl import pooling as torch_pooling

    with pytest.raises((RuntimeError, ValueError)):
        getattr(torch_pooling, name)(torch.zeros((1, 2, 4, 4), dtype=torch.float64), **params)


@pytest.mark.parametrize("params, argument", IMPOSSIBLE)
@pytest.mark.parametrize("name", POOLS)
def test_tensorflow_rejects_impossible_parameters(pool, name, params, argument):
    worker = pool.worker("tensorflow")
    assert worker.available(), worker.unavailable  # a dependency of Rosetta, never skipped
    inputs = {"x": np.zeros((1, 2, 4, 4))}
    try:
        results, _, _ = worker.ask(("call", implementation("tensorflow", f"pooling.{name}"), inputs, params, None), 120)
    except RemoteError as error:
        assert str(error).split(":")[0] in ("InvalidArgumentError", "ValueError"), str(error)
        return
    out = results["out"]
    # TensorFlow does not raise for a kernel larger than the input: it returns no windows at all
    assert argument == "kernel_size" and out.size == 0, f"TensorFlow accepted {params}: {out.shape}"


# The parameters torch added: the reference refuses what torch refuses, naming the argument.
IMPOSSIBLE_TORCH_PARAMETERS = [
    pytest.param("max_pool2d", {"kernel_size": 2, "dilation": 0}, "dilation", id="zero-dilation"),
    pytest.param("max_pool2d", {"kernel_size": 2, "dilation": -1}, "dilation", id="negative-dilation"),
    pytest.param("max_pool2d", {"kernel_size": 2, "padding": 2}, "padding", id="max-padding-above-half-kernel"),
    pytest.param("max_pool2d", {"kernel_size": 3, "padding": 2, "dilation": 2}, "padding",
                 id="padding-above-half-of-the-undilated-kernel"),
    pytest.param("avg_pool2d", {"kernel_size": 3, "padding": 2}, "padding", id="avg-padding-above-half-kernel"),
    pytest.param("avg_pool2d", {"kernel_size": (3, 1), "padding": (1, 1)}, "padding", id="padding-above-half-in-one-axis"),
    pytest.param("avg_pool2d", {"kernel_size": 2, "divisor_override": 0}, "divisor_override", id="zero-divisor"),
    pytest.param("avg_pool2d", {"kernel_size": 2, "divisor_override": 2.5}, "divisor_override", id="float-divisor"),
    pytest.param("max_pool2d", {"kernel_size": 2, "ceil_mode": "yes"}, "ceil_mode", id="ceil-mode-not-a-bool"),
    pytest.param("avg_pool2d", {"kernel_size": 2, "ceil_mode": 1}, "ceil_mode", id="ceil-mode-int"),
    pytest.param("avg_pool2d", {"kernel_size": 2, "divisor_override": True}, "divisor_override", id="bool-divisor"),
    pytest.param("max_pool2d", {"kernel_size": 3, "stride": 1, "padding": "same", "ceil_mode": True}, "padding",
                 id="ceil-mode-with-same"),
    pytest.param("avg_pool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True, "padding": ((1, 0), (1, 1))}, "padding",
                 id="ceil-mode-with-asymmetric-padding"),
]


@pytest.mark.parametrize("name, params, argument", IMPOSSIBLE_TORCH_PARAMETERS)
def test_reference_and_torch_refuse_the_same_new_parameters(name, params, argument):
    torch = pytest.importorskip("torch")
    x = np.zeros((1, 2, 5, 5))
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        getattr(pooling, f"{name}_forward")(x, **params)
    with pytest.raises((RuntimeError, ValueError, TypeError)):
        getattr(torch.nn.functional, name)(torch.zeros(x.shape, dtype=torch.float64), **params)


@pytest.mark.parametrize("shape", [(5, 5), (1, 1, 2, 5, 5)])
@pytest.mark.parametrize("name", POOLS)
def test_x_must_be_batched_or_unbatched_images(name, shape):
    with pytest.raises(ValueError, match=r"^x must be \(N, C, H, W\) or unbatched \(C, H, W\)"):
        getattr(pooling, f"{name}_forward")(np.zeros(shape), kernel_size=2)


def test_ceil_mode_keeps_a_window_larger_than_the_input_as_torch_does():
    torch = pytest.importorskip("torch")
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    out, _ = pooling.max_pool2d_forward(x, kernel_size=3, ceil_mode=True)
    expected = torch.nn.functional.max_pool2d(torch.tensor(x), kernel_size=3, ceil_mode=True).numpy()
    np.testing.assert_array_equal(out, expected)  # one window over the whole 2x2 map
    with pytest.raises(ValueError, match="^kernel_size"):
        pooling.max_pool2d_forward(x, kernel_size=3)  # without ceil_mode: no window at all


# Adaptive average pooling --------------------------------------------------------------


def test_adaptive_pool_to_the_input_size_is_the_identity():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    out, cache = pooling.adaptive_avg_pool2d_forward(x, output_size=(4, 5))
    np.testing.assert_array_equal(out, x)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    np.testing.assert_array_equal(pooling.adaptive_avg_pool2d_backward(dout, cache), dout)


def test_adaptive_pool_to_one_is_the_global_mean():
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 7))
    out, cache = pooling.adaptive_avg_pool2d_forward(x, output_size=1)
    np.testing.assert_allclose(out, x.mean(axis=(2, 3), keepdims=True), rtol=1e-13)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    np.testing.assert_allclose(pooling.adaptive_avg_pool2d_backward(dout, cache),
                               np.broadcast_to(dout / 35, x.shape), rtol=1e-13)


def test_adaptive_windows_are_torchs_and_overlap_where_the_size_does_not_divide():
    assert pooling.adaptive_windows(7, 2) == [(0, 4), (3, 7)]
    assert pooling.adaptive_windows(7, 3) == [(0, 3), (2, 5), (4, 7)]
    assert pooling.adaptive_windows(8, 4) == [(0, 2), (2, 4), (4, 6), (6, 8)]
    x = np.arange(49.0).reshape(1, 1, 7, 7)
    out, _ = pooling.adaptive_avg_pool2d_forward(x, output_size=2)
    np.testing.assert_array_equal(out[0, 0], [[12, 15], [33, 36]])  # the catalog's adaptive-pool figures


def test_adaptive_pool_that_divides_is_a_fixed_pool():
    x = np.random.default_rng(4).standard_normal((2, 2, 8, 6))
    adaptive, _ = pooling.adaptive_avg_pool2d_forward(x, output_size=(4, 2))
    fixed, _ = pooling.avg_pool2d_forward(x, kernel_size=(2, 3))
    np.testing.assert_allclose(adaptive, fixed, rtol=1e-13)


def test_adaptive_pool_backward_is_the_adjoint_of_the_forward():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 7, 5))
    out, cache = pooling.adaptive_avg_pool2d_forward(x, output_size=(3, 4))
    dout = rng.standard_normal(out.shape)
    assert np.sum(dout * out) == pytest.approx(np.sum(pooling.adaptive_avg_pool2d_backward(dout, cache) * x), rel=1e-12)


@pytest.mark.parametrize("output_size", [0, -1, (2, 0), (1, 2, 3), 1.5])
def test_adaptive_pool_rejects_output_sizes_below_one(output_size):
    with pytest.raises(ValueError, match="^output_size"):
        pooling.adaptive_avg_pool2d_forward(np.zeros((1, 2, 4, 4)), output_size=output_size)


def test_adaptive_pool_keeps_float32():
    x = np.random.default_rng(6).standard_normal((1, 2, 7, 7)).astype(np.float32)
    out, cache = pooling.adaptive_avg_pool2d_forward(x, output_size=3)
    assert out.dtype == np.float32 and pooling.adaptive_avg_pool2d_backward(out, cache).dtype == np.float32
