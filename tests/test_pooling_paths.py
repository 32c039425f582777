"""max_pool2d's fast paths: the separable first-maximum forward and the write-once backward."""

import itertools

import numpy as np
import pytest

from reference import pooling

CONFIGS = [  # kernel, stride, padding: overlapping, tiling, gapped windows, with and without padding
    (k, s, p, {}) for k, s, p in itertools.product([1, 2, 3, (2, 3)], [1, 2, 3, (2, 1)], [0, 1])
    if p <= min(np.atleast_1d(k)) // 2
] + [  # dilation and ceil_mode
    (3, 1, 1, {"dilation": 2}), ((2, 3), 2, 0, {"dilation": (2, 1)}), (2, 2, 0, {"ceil_mode": True}),
    (3, 2, 1, {"ceil_mode": True}), (2, 3, 1, {"ceil_mode": True, "dilation": 2}),
]


@pytest.mark.parametrize("kernel, stride, padding, more", CONFIGS)
@pytest.mark.parametrize("values", ["normal", "ties"])
def test_max_pool_equals_the_window_loop(kernel, stride, padding, more, values):
    rng = np.random.default_rng(0)
    shape = (2, 3, 7, 8)
    x = rng.standard_normal(shape) if values == "normal" else rng.integers(0, 2, shape).astype(float)
    params = dict(kernel_size=kernel, stride=stride, padding=padding, **more)
    out, cache = pooling.max_pool2d_forward(x, **params)
    out_naive, cache_naive = pooling.max_pool2d_forward_naive(x, **params)
    np.testing.assert_array_equal(out, out_naive)
    np.testing.assert_array_equal(cache[0], cache_naive[1])  # the same first maximum in row-major order
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(pooling.max_pool2d_backward(dout, cache),  # overlaps add in another order
                               pooling.max_pool2d_backward_naive(dout, cache_naive), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("padding", [0, ((0, 1), (1, 0))])
def test_non_finite_upstream_gradients_reach_only_the_maximum(padding):
    """inf * 0 is NaN: an inf or NaN in dout must still leave 0 everywhere but at the argmax."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out, cache = pooling.max_pool2d_forward(x, kernel_size=2, padding=padding)
    dout = np.full(out.shape, np.inf)
    dout.flat[0] = np.nan
    dx = pooling.max_pool2d_backward(dout, cache)
    hit = dx != 0
    assert hit.sum() == out.size  # one element per window
    assert np.isnan(dx[hit]).sum() == 1 and np.isinf(dx[hit]).sum() == out.size - 1


def test_tiling_windows_write_every_element_once():
    """stride = kernel with no remainder: the backward fills an uninitialised buffer; no stale values survive."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 6, 9))
    out, cache = pooling.max_pool2d_forward(x, kernel_size=(2, 3))
    for _ in range(3):  # fresh np.empty buffers hold whatever memory had
        dx = pooling.max_pool2d_backward(np.ones_like(out), cache)
        assert dx.sum() == out.size and set(np.unique(dx)) == {0.0, 1.0}


def test_large_kernels_keep_a_wide_enough_index():
    x = np.zeros((1, 1, 17, 17))
    x[0, 0, 16, 16] = 1.0  # the last of 289 window positions
    _, cache = pooling.max_pool2d_forward(x, kernel_size=17)
    assert cache[0].item() == 17 * 17 - 1
