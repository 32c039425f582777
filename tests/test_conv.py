"""conv2d: the two NumPy versions, the padding rules, the errors, and what the frameworks reject."""

import numpy as np
import pytest
import scipy.signal

from comparisons.registry import implementation, sample_rng
from comparisons.witnesses.pool import RemoteError
from reference import conv
from reference.im2col import resolve_padding, same_padding


def conv_samples(registry, name="conv2d"):
    concept = registry[name]
    return [pytest.param(s, id=s.name) for s in concept.samples(np.random.default_rng(0))]


def draw(sample, dtype="float64"):
    inputs = sample.draw(sample_rng(0, "conv2d", sample.name))
    return {k: v.astype(dtype) for k, v in inputs.items()}


@pytest.fixture(scope="module")
def samples(registry):
    return list(registry["conv2d"].samples(np.random.default_rng(0)))


def test_loop_and_vectorised_versions_agree_on_every_sample(samples):
    for sample in samples:
        inputs = draw(sample)
        out, cache = conv.conv2d_forward(**inputs, **sample.params)
        out_naive, cache_naive = conv.conv2d_forward_naive(**inputs, **sample.params)
        np.testing.assert_allclose(out, out_naive, rtol=1e-12, atol=1e-12, err_msg=sample.name)
        dout = np.random.default_rng(1).standard_normal(out.shape)
        for grad, grad_naive, name in zip(
            conv.conv2d_backward(dout, cache), conv.conv2d_backward_naive(dout, cache_naive), ("dx", "dw", "db")
        ):
            np.testing.assert_allclose(grad, grad_naive, rtol=1e-12, atol=1e-12, err_msg=f"{sample.name} {name}")


def test_backward_is_the_adjoint_of_the_forward(samples):
    """Without bias, conv is linear in x and in w: <dout, conv(x, w)> = <dx, x> = <dw, w>."""
    for sample in samples:
        inputs = draw(sample)
        x, w = inputs["x"], inputs["w"]
        out, cache = conv.conv2d_forward(x=x, w=w, b=np.zeros_like(inputs["b"]), **sample.params)
        dout = np.random.default_rng(2).standard_normal(out.shape)
        dx, dw, db = conv.conv2d_backward(dout, cache)
        pairing = np.sum(dout * out)
        assert np.sum(dx * x) == pytest.approx(pairing, rel=1e-10), sample.name
        assert np.sum(dw * w) == pytest.approx(pairing, rel=1e-10), sample.name
        np.testing.assert_allclose(db, dout.reshape(-1, *dout.shape[-3:]).sum(axis=(0, 2, 3)))  # (N,) C, H, W


def test_single_channel_conv_is_scipy_cross_correlation():
    rng = np.random.default_rng(3)
    image, kernel = rng.standard_normal((7, 9)), rng.standard_normal((3, 4))
    out, _ = conv.conv2d_forward(image[None, None], kernel[None, None], np.zeros(1))
    np.testing.assert_allclose(out[0, 0], scipy.signal.correlate2d(image, kernel, mode="valid"), rtol=1e-12)
    flipped = scipy.signal.convolve2d(image, kernel[::-1, ::-1], mode="valid")
    np.testing.assert_allclose(out[0, 0], flipped, rtol=1e-12)


@pytest.mark.parametrize("size, kernel, stride, dilation", [
    (224, 3, 2, 1), (8, 3, 2, 1), (7, 3, 2, 1), (5, 3, 1, 1), (9, 3, 1, 2), (10, 4, 3, 1), (6, 1, 2, 1),
])
def test_same_padding_follows_tensorflow_rule(size, kernel, stride, dilation):
    before, after = same_padding(size, kernel, stride, dilation)
    assert after - before in (0, 1), "the odd pixel goes after (bottom / right)"
    span = dilation * (kernel - 1) + 1
    assert (size + before + after - span) // stride + 1 == -(-size // stride), "TF: out = ceil(in / stride)"


def test_same_padding_example_from_the_catalog():
    assert same_padding(224, 3, 2, 1) == (0, 1)  # TensorFlow pads (0, 1) where torch padding=1 pads (1, 1)


@pytest.mark.parametrize("padding", [1, (1, 1), ((1, 1), (1, 1))])
def test_padding_forms_are_equivalent(padding):
    assert resolve_padding(padding, (5, 5), (3, 3), (1, 1), (1, 1)) == ((1, 1), (1, 1))


@pytest.mark.parametrize("function", [conv.conv2d_forward, conv.conv2d_forward_naive])
def test_float32_stays_float32(samples, function):
    out, cache = function(**draw(samples[0], "float32"), **samples[0].params)
    assert out.dtype == np.float32
    backward = conv.conv2d_backward if function is conv.conv2d_forward else conv.conv2d_backward_naive
    assert all(g.dtype == np.float32 for g in backward(out, cache))


def test_backward_allocates_no_second_column_buffer():
    import tracemalloc

    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 16, 12, 12)), rng.standard_normal((16, 16, 3, 3)), np.zeros(16)
    out, cache = conv.conv2d_forward(x, w, b, padding=1)
    cols_bytes = cache[0].nbytes
    tracemalloc.start()
    conv.conv2d_backward(out, cache)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < cols_bytes, f"backward peak {peak} bytes reaches the column buffer's {cols_bytes}"


# Impossible parameters: the reference names the argument, and both frameworks refuse too.
IMPOSSIBLE = [
    pytest.param((1, 2, 4, 4), (3, 2, 5, 5), {}, "kernel_size", id="kernel-larger-than-input"),
    pytest.param((1, 2, 4, 4), (3, 2, 3, 3), {"dilation": 2}, "kernel_size", id="dilated-kernel-larger-than-input"),
    pytest.param((1, 3, 5, 5), (4, 1, 3, 3), {"groups": 2}, "groups", id="channels-not-divisible-by-groups"),
    pytest.param((1, 2, 5, 5), (3, 2, 3, 3), {"stride": 0}, "stride", id="zero-stride"),
    pytest.param((1, 2, 5, 5), (3, 2, 3, 3), {"stride": -1}, "stride", id="negative-stride"),
    pytest.param((5, 5), (3, 1, 3, 3), {}, "x", id="x-without-channels"),
    pytest.param((1, 1, 2, 5, 5), (3, 2, 3, 3), {}, "x", id="x-5d"),
]


def _arrays(x_shape, w_shape):
    rng = np.random.default_rng(5)
    return rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])


@pytest.mark.parametrize("x_shape, w_shape, params, argument", IMPOSSIBLE)
@pytest.mark.parametrize("function", [conv.conv2d_forward, conv.conv2d_forward_naive])
def test_reference_rejects_impossible_parameters(function, x_shape, w_shape, params, argument):
    with pytest.raises(ValueError, match=argument):
        function(*_arrays(x_shape, w_shape), **params)


@pytest.mark.parametrize("x_shape, w_shape, params, argument", IMPOSSIBLE)
def test_torch_rejects_impossible_parameters(x_shape, w_shape, params, argument):
    torch = pytest.importorskip("torch")
    from framework_impls.torch_impl.conv import conv2d

    with pytest.raises((RuntimeError, ValueError)):
        conv2d(*(torch.tensor(a) for a in _arrays(x_shape, w_shape)), **params)


@pytest.mark.parametrize("x_shape, w_shape, params, argument", IMPOSSIBLE)
def test_tensorflow_rejects_impossible_parameters(pool, x_shape, w_shape, params, argument):
    worker = pool.worker("tensorflow")
    assert worker.available(), worker.unavailable  # a dependency of Rosetta, never skipped
    inputs = dict(zip(("x", "w", "b"), _arrays(x_shape, w_shape)))
    try:
        results, _, _ = worker.ask(("call", implementation("tensorflow", "conv.conv2d"), inputs, params, None), 120)
    except RemoteError as error:
        assert str(error).split(":")[0] in ("InvalidArgumentError", "ValueError"), str(error)
        return
    out = results["out"]
    # TensorFlow does not raise for a kernel larger than the input: it returns no windows at all
    assert argument == "kernel_size" and out.size == 0, f"TensorFlow accepted {params}: {out.shape}"


# Transposed convolution ----------------------------------------------------------------


def transpose_samples(registry):
    concept = registry["conv_transpose2d"]
    return [(s, s.draw(sample_rng(0, "conv_transpose2d", s.name))) for s in concept.samples(np.random.default_rng(0))]


def test_conv_transpose2d_is_the_adjoint_of_conv2d(registry):
    """<conv2d(z, w), y> = <z, conv_transpose2d(y, w)> without biases, the same w read both ways."""
    checked = 0
    for sample, inputs in transpose_samples(registry):
        y, w = inputs["x"], inputs["w"]
        params = dict(sample.params)
        extra = params.pop("output_padding", 0)
        z = np.random.default_rng(4).standard_normal(
            conv.conv_transpose2d_forward(y, w, np.zeros(w.shape[1] * params.get("groups", 1)),
                                          output_padding=extra, **params)[0].shape
        )
        image, _ = conv.conv2d_forward(z, w, np.zeros(w.shape[0]), **params)
        if image.shape != y.shape:  # output_padding >= stride (allowed below the dilation): conv2d maps z elsewhere
            assert np.max(extra) >= np.min(params.get("stride", 1)), sample.name
            continue
        back, _ = conv.conv_transpose2d_forward(y, w, np.zeros(z.shape[1]), output_padding=extra, **params)
        assert np.sum(image * y) == pytest.approx(np.sum(z * back), rel=1e-10), sample.name
        checked += 1
    assert checked >= 12


def test_conv_transpose2d_is_conv2ds_input_gradient(registry):
    """The transposed convolution of y equals conv2d_backward's dx for upstream gradient y."""
    checked = 0
    for sample, inputs in transpose_samples(registry):
        y, w = inputs["x"], inputs["w"]
        params = {k: v for k, v in sample.params.items() if k != "output_padding"}
        out, _ = conv.conv_transpose2d_forward(y, w, np.zeros_like(inputs["b"]), **sample.params)
        image, cache = conv.conv2d_forward(np.zeros(out.shape), w, np.zeros(w.shape[0]), **params)
        if image.shape != y.shape:  # output_padding >= stride: no conv2d maps this size back to y's
            continue
        dz, _, _ = conv.conv2d_backward(y, cache)
        np.testing.assert_allclose(out, dz, rtol=1e-12, atol=1e-12, err_msg=sample.name)
        checked += 1
    assert checked >= 12


def test_conv_transpose2d_gradients_match_finite_differences():
    rng = np.random.default_rng(6)
    x, w, b = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 2, 3)), rng.standard_normal(4)
    params = {"stride": (2, 1), "padding": ((1, 0), (0, 1)), "output_padding": (1, 0), "groups": 2}
    out, cache = conv.conv_transpose2d_forward(x, w, b, **params)
    dout = rng.standard_normal(out.shape)
    grads = conv.conv_transpose2d_backward(dout, cache)
    for name, value, grad in zip("xwb", (x, w, b), grads):
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            args = {"x": x.copy(), "w": w.copy(), "b": b.copy()}
            args[name][index] += 1e-6
            plus = np.sum(conv.conv_transpose2d_forward(**args, **params)[0] * dout)
            args[name][index] -= 2e-6
            minus = np.sum(conv.conv_transpose2d_forward(**args, **params)[0] * dout)
            numeric[index] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_conv_transpose2d_output_size_and_same_cropping():
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3))
    out, _ = conv.conv_transpose2d_forward(x, w, np.zeros(1), stride=2, padding=1, output_padding=1)
    assert out.shape == (1, 1, 6, 6)  # (3 - 1) 2 - 2 + 3 + 1
    same, _ = conv.conv_transpose2d_forward(x, w, np.zeros(1), stride=2, padding="same")
    full, _ = conv.conv_transpose2d_forward(x, w, np.zeros(1), stride=2)
    np.testing.assert_array_equal(same, full[..., :6, :6])  # Keras: the odd row and column cropped at the end
    np.testing.assert_array_equal(out, full[..., 1:7, 1:7])  # torch padding=1, output_padding=1: from the start
    # a 1x1 kernel at stride 3: inputs land on rows and columns 0 and 3, the others hold the bias alone
    reach, _ = conv.conv_transpose2d_forward(x[..., :2, :2], w[..., :1, :1], np.full(1, 7.0), stride=3, output_padding=2)
    hit = np.array([1.0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(reach[0, 0], 7 + np.outer(hit, hit))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose2d_keeps_the_dtype(dtype):
    rng = np.random.default_rng(7)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in ((1, 2, 3, 3), (2, 3, 3, 3), (3,)))
    out, cache = conv.conv_transpose2d_forward(x, w, b, stride=2)
    assert out.dtype == dtype and all(g.dtype == dtype for g in conv.conv_transpose2d_backward(out, cache))


TRANSPOSE_IMPOSSIBLE = [
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"stride": 2, "output_padding": 2}, "output_padding",
                 id="output-padding-equal-to-stride"),
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"output_padding": 1}, "output_padding",
                 id="output-padding-at-stride-1-no-dilation"),
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"stride": 2, "dilation": 3, "output_padding": 3}, "output_padding",
                 id="output-padding-equal-to-dilation-above-stride"),
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"stride": 2, "padding": "same", "output_padding": 1}, "output_padding",
                 id="output-padding-with-same"),
    pytest.param((1, 3, 3, 3), (3, 2, 3, 3), {"groups": 2}, "groups", id="channels-not-divisible-by-groups"),
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"groups": 0}, "groups", id="zero-groups"),
    pytest.param((1, 3, 3, 3), (2, 2, 3, 3), {}, "w", id="w-input-channels-differ"),
    pytest.param((1, 2, 3, 3), (2, 2, 3, 3), {"stride": 0}, "stride", id="zero-stride"),
    pytest.param((1, 2, 2, 2), (2, 2, 2, 2), {"padding": 2}, "padding", id="padding-crops-everything"),
]


@pytest.mark.parametrize("x_shape, w_shape, params, argument", TRANSPOSE_IMPOSSIBLE)
def test_conv_transpose2d_rejects_impossible_parameters(x_shape, w_shape, params, argument):
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = np.zeros(w_shape[1] * max(params.get("groups", 1), 1))
    with pytest.raises(ValueError, match=f"^{argument}"):
        conv.conv_transpose2d_forward(x, w, b, **params)


def test_conv_transpose2d_rejects_a_bias_of_the_wrong_size():
    with pytest.raises(ValueError, match="^b "):
        conv.conv_transpose2d_forward(np.zeros((1, 2, 3, 3)), np.zeros((2, 2, 3, 3)), np.zeros(3))


@pytest.mark.parametrize("x_shape, w_shape, params, argument", TRANSPOSE_IMPOSSIBLE[:3] + TRANSPOSE_IMPOSSIBLE[4:5])
def test_torch_rejects_what_the_reference_rejects(x_shape, w_shape, params, argument):
    torch = pytest.importorskip("torch")
    from framework_impls.torch_impl.conv import conv_transpose2d

    x, w = torch.zeros(x_shape, dtype=torch.float64), torch.zeros(w_shape, dtype=torch.float64)
    with pytest.raises((RuntimeError, ValueError)):
        conv_transpose2d(x, w, torch.zeros(w_shape[1] * params.get("groups", 1), dtype=torch.float64), **params)
