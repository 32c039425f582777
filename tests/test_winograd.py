"""The Winograd path of conv2d: the same sums as im2col, float32 within a few roundings, and its internals."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from reference import conv, parallel, winograd
from reference.im2col import window_geometry

SHAPES = [  # x shape, C_out, padding: even and odd output sizes, asymmetric and 'same' padding
    pytest.param((2, 3, 5, 5), 4, 0, id="odd-valid"),
    pytest.param((2, 3, 6, 6), 4, 1, id="even-pad1"),
    pytest.param((1, 4, 7, 8), 5, ((1, 0), (2, 1)), id="asymmetric"),
    pytest.param((3, 2, 8, 5), 2, "same", id="same"),
    pytest.param((1, 1, 3, 3), 1, 0, id="one-tile-one-output"),
    pytest.param((2, 16, 12, 10), 8, 1, id="more-channels"),
]


def draw(x_shape, out_channels, seed=0):
    rng = np.random.default_rng(seed)
    channels = x_shape[1]
    return (rng.standard_normal(x_shape), rng.standard_normal((out_channels, channels, 3, 3)) / (9 * channels) ** 0.5,
            rng.standard_normal(out_channels))


def im2col_forward(x, w, b, **params):
    previous, conv.WINOGRAD = conv.WINOGRAD, False
    try:
        return conv.conv2d_forward(x, w, b, **params)[0]
    finally:
        conv.WINOGRAD = previous


def im2col(x, w, b, dout, **params):
    """conv2d's im2col path, forward and backward."""
    previous, conv.WINOGRAD = conv.WINOGRAD, False
    try:
        out, cache = conv.conv2d_forward(x, w, b, **params)
        return (out, *conv.conv2d_backward(dout, cache))
    finally:
        conv.WINOGRAD = previous


def winograd_path(x, w, b, dout, **params):
    kernel, stride, dilation, pads, out_hw = window_geometry(x.shape[2:], (3, 3), 1, params.get("padding", 0), 1)
    out, cache = winograd.forward(x, w, b, pads, out_hw)
    assert isinstance(cache, winograd.Cache)
    return (out, *winograd.backward(dout, cache))


@pytest.fixture
def any_channels(monkeypatch):
    """conv2d takes the Winograd path whatever the channel count."""
    monkeypatch.setattr(conv, "WINOGRAD_MIN_CHANNELS", 1)


def test_few_channels_take_im2col():
    x, w, b = draw((1, 2, 5, 5), 2)
    assert not isinstance(conv.conv2d_forward(x, w, b, padding=1)[1], winograd.Cache)
    x, w, b = draw((1, 16, 5, 5), 16)
    assert isinstance(conv.conv2d_forward(x, w, b, padding=1)[1], winograd.Cache)


def test_conv2d_takes_the_winograd_path_for_3x3_stride_1_only(any_channels):
    assert winograd.applies((3, 3), (1, 1), (1, 1), 1)
    for kernel, stride, dilation, groups in [((3, 3), (2, 2), (1, 1), 1), ((3, 3), (1, 1), (2, 2), 1),
                                             ((3, 3), (1, 1), (1, 1), 2), ((3, 2), (1, 1), (1, 1), 1)]:
        assert not winograd.applies(kernel, stride, dilation, groups)
    x, w, b = draw((1, 2, 5, 5), 2)
    assert isinstance(conv.conv2d_forward(x, w, b, padding=1)[1], winograd.Cache)
    assert not isinstance(conv.conv2d_forward(x, w, b, stride=2)[1], winograd.Cache)


@pytest.mark.parametrize("x_shape, out_channels, padding", SHAPES)
def test_winograd_equals_im2col_in_float64(x_shape, out_channels, padding):
    x, w, b = draw(x_shape, out_channels)
    out = im2col_forward(x, w, b, padding=padding)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    for got, want, name in zip(winograd_path(x, w, b, dout, padding=padding), im2col(x, w, b, dout, padding=padding),
                               ("out", "dx", "dw", "db")):
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("x_shape, out_channels, padding", SHAPES)
def test_winograd_float32_is_within_a_few_roundings_of_float64(x_shape, out_channels, padding):
    """Elementwise: |float32 - float64| <= 4e-6 times the sum of the magnitudes of the terms.

    4e-6 is about 32 float32 unit roundoffs; the terms' magnitudes are the same convolution on
    |x|, |w|, |b| and |dout|. (Measured at most 4.1e-7 of it, on these shapes and on the benchmark.)
    """
    x, w, b = draw(x_shape, out_channels, seed=2)
    dout = np.random.default_rng(3).standard_normal(im2col_forward(x, w, b, padding=padding).shape)
    exact = im2col(x, w, b, dout, padding=padding)
    scale = im2col(np.abs(x), np.abs(w), np.abs(b), np.abs(dout), padding=padding)
    single = winograd_path(*(a.astype(np.float32) for a in (x, w, b, dout)), padding=padding)
    for got, want, size, name in zip(single, exact, scale, ("out", "dx", "dw", "db")):
        assert got.dtype == np.float32, name
        assert np.all(np.abs(got - want) <= 4e-6 * size), f"{name}: {np.max(np.abs(got - want) / size):.3g}"


def test_weight_gradient_is_the_direct_sum():
    rng = np.random.default_rng(4)
    x, w, b = draw((2, 3, 7, 6), 4)
    out, cache = winograd.forward(x, w, b, ((1, 1), (1, 1)), (7, 6))
    dout = rng.standard_normal(out.shape)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    direct = np.einsum("noij,ncpqij->ocpq", dout,
                       np.lib.stride_tricks.sliding_window_view(xp, (7, 6), axis=(2, 3)))
    np.testing.assert_allclose(winograd.backward(dout, cache)[1], direct, rtol=1e-12, atol=1e-12)


def test_input_transform_and_its_adjoint_are_adjoint():
    """<B^T-transform(d), e> = <d, adjoint(e)> along one axis with overlapping tiles."""
    rng = np.random.default_rng(5)
    count = 3
    d = rng.standard_normal((2, 2 * count + 2, 5))
    e = rng.standard_normal((4, 2, count, 5))
    forward = winograd.input_transform_1d(d, 1, count, np.empty((4, 2, count, 5)))
    backward = winograd.input_adjoint_1d(e, 1, np.empty_like(d))
    assert np.sum(forward * e) == pytest.approx(np.sum(d * backward), rel=1e-12)
    rows = [d[:, 2 * t : 2 * t + 4] for t in range(count)]  # the tiles, by hand
    np.testing.assert_allclose(forward, np.stack([np.einsum("ka,nar->knr", winograd.B_T, r) for r in rows], axis=2))


def test_kernel_transform_is_g_w_g_transposed():
    w = np.random.default_rng(6).standard_normal((2, 3, 3, 3))
    u = winograd.kernel_transform(w).reshape(4, 4, 2, 3)
    np.testing.assert_allclose(u[:, :, 1, 2], winograd.G @ w[1, 2] @ winograd.G.T, rtol=1e-14)


@pytest.mark.parametrize("threads", [1, 2])
def test_layout_copies_split_over_threads_equal_a_plain_transpose(monkeypatch, threads):
    monkeypatch.setattr(parallel, "thread_count", lambda: threads)
    x = np.random.default_rng(7).standard_normal((5, 3, 4, 6)).astype(np.float32)
    with threadpool_limits(threads):
        image = winograd.to_image_axes_first(x, np.empty((4, 6, 5, 3), dtype=np.float32))
        back = winograd.to_channels_first(image)
    np.testing.assert_array_equal(image, x.transpose(2, 3, 0, 1))
    np.testing.assert_array_equal(back, x)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv2d_results_do_not_depend_on_the_thread_count(monkeypatch, threads):
    x, w, b = draw((4, 8, 10, 10), 6)
    x, w, b = (a.astype(np.float32) for a in (x, w, b))
    dout = np.random.default_rng(8).standard_normal((4, 6, 10, 10)).astype(np.float32)
    monkeypatch.setattr(parallel, "thread_count", lambda: 1)
    with threadpool_limits(1):
        one = winograd_path(x, w, b, dout, padding=1)
    monkeypatch.setattr(parallel, "thread_count", lambda: threads)  # copies split, whatever the free cores
    with threadpool_limits(threads):
        many = winograd_path(x, w, b, dout, padding=1)
    for a, c in zip(one, many):
        np.testing.assert_allclose(a, c, rtol=1e-6, atol=1e-6)  # BLAS may split its sums differently


def test_results_are_fresh_arrays_not_scratch():
    """A second call reuses the scratch buffers: results of the first must not change."""
    x, w, b = draw((2, 4, 6, 6), 3)
    dout = np.random.default_rng(9).standard_normal((2, 3, 6, 6))
    first = winograd_path(x, w, b, dout, padding=1)
    kept = [a.copy() for a in first]
    winograd_path(2 * x, -w, b, 3 * dout, padding=1)
    for a, c in zip(first, kept):
        np.testing.assert_array_equal(a, c)


def test_two_layers_forward_then_backward_in_reverse_order(any_channels):
    """Layer 1's cache must survive layer 2's forward and backward (scratch is only for dead data)."""
    x, w1, b1 = draw((2, 3, 6, 6), 4)
    _, w2, b2 = draw((2, 4, 6, 6), 4, seed=10)
    h, cache1 = conv.conv2d_forward(x, w1, b1, padding=1)
    out, cache2 = conv.conv2d_forward(h, w2, b2, padding=1)
    dout = np.random.default_rng(11).standard_normal(out.shape)
    dh, dw2, _ = conv.conv2d_backward(dout, cache2)
    dx, dw1, _ = conv.conv2d_backward(dh, cache1)
    for got, want in zip((dx, dw1), im2col(x, w1, b1, dh, padding=1)[1:3]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_backward_allocates_no_tile_sized_buffer_once_warm():
    """Once its scratch buffers exist, backward allocates its results and NumPy's small loop
    buffers only: less than one V-sized array (16 tile positions x tiles x N x C)."""
    import tracemalloc

    x, w, b = draw((4, 32, 16, 16), 32)
    out, cache = conv.conv2d_forward(x, w, b, padding=1)
    conv.conv2d_backward(out, cache)  # warm the scratch buffers
    tracemalloc.start()
    conv.conv2d_backward(out, cache)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tile_bytes = 16 * (8 * 8) * 4 * 32 * 8
    assert peak < tile_bytes, f"backward peak {peak} bytes reaches a tile buffer's {tile_bytes}"


def test_an_unbatched_image_takes_the_winograd_path_too(any_channels):
    x, w, b = draw((1, 3, 6, 5), 4)
    out, cache = conv.conv2d_forward(x[0], w, b, padding=1)
    assert isinstance(cache, winograd.Cache) and out.shape == (4, 6, 5)
    dout = np.random.default_rng(12).standard_normal(out.shape)
    dx, dw, db = conv.conv2d_backward(dout, cache)
    for got, want in zip((out, dx, dw, db), im2col(x, w, b, dout[None], padding=1)):
        np.testing.assert_allclose(got, want[0] if got.ndim == 3 else want, rtol=1e-12, atol=1e-12)
