"""framework_impls.conversions.conv: round trips, and each mapping computes what the other framework computes.

The framework-free checks rebuild the other framework's formula in NumPy (Keras's DepthwiseConv2D, the
NHWC flatten, a convolution over the stride-dilated input); the catalog entries run the real layers.
"""

import numpy as np
import pytest

from framework_impls.conversions import conv as mapping
from reference import conv, flatten

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("to_other, to_torch, shape", [
    (mapping.torch_conv_transpose_to_keras, mapping.keras_conv_transpose_to_torch, (3, 4, 3, 2)),
    (mapping.torch_conv_transpose_to_flax, mapping.flax_conv_transpose_to_torch, (3, 4, 3, 2)),
    (lambda w: mapping.torch_depthwise_to_keras(w, 3), mapping.keras_depthwise_to_torch, (6, 1, 3, 2)),
    (lambda w: mapping.torch_flatten_dense_to_keras(w, (2, 3, 4)),
     lambda k: mapping.keras_flatten_dense_to_torch(k, (2, 3, 4)), (5, 24)),
], ids=["keras-conv-transpose", "flax-conv-transpose", "keras-depthwise", "keras-flatten-dense"])
def test_round_trips(to_other, to_torch, shape):
    w = RNG.standard_normal(shape)
    converted = to_other(w)
    assert converted.shape != w.shape or shape == (6, 1, 3, 2)  # a real change of layout
    np.testing.assert_array_equal(to_torch(converted), w)


def test_keras_and_flax_conv_transpose_layouts():
    w = RNG.standard_normal((3, 4, 2, 5))  # (C_in, C_out, kh, kw)
    assert mapping.torch_conv_transpose_to_keras(w).shape == (2, 5, 4, 3)  # (kh, kw, out, in)
    flax_kernel = mapping.torch_conv_transpose_to_flax(w)
    assert flax_kernel.shape == (2, 5, 3, 4)  # (kh, kw, in, out)
    assert flax_kernel[0, 0, 1, 2] == w[1, 2, 1, 4]  # flipped: offset (0, 0) is torch's (kh - 1, kw - 1)


def dilate(x, stride):
    """Insert stride - 1 zeros between the pixels of x: the input a transposed convolution convolves."""
    (sh, sw) = stride
    out = np.zeros(x.shape[:2] + ((x.shape[2] - 1) * sh + 1, (x.shape[3] - 1) * sw + 1))
    out[:, :, ::sh, ::sw] = x
    return out


@pytest.mark.parametrize("groups, stride, dilation", [(1, (2, 2), (1, 1)), (2, (2, 1), (1, 1)), (2, (1, 3), (2, 1))])
def test_conv_transpose_is_a_convolution_of_the_dilated_input_with_the_flipped_swapped_kernel(groups, stride, dilation):
    x = RNG.standard_normal((2, 4, 3, 3))
    w = RNG.standard_normal((4, 3, 3, 2))  # (C_in, C_out / groups, kh, kw)
    b = np.zeros(3 * groups)
    expected, _ = conv.conv_transpose2d_forward(x, w, b, stride=stride, dilation=dilation, groups=groups)
    kernel = mapping.conv_transpose_as_conv_kernel(w, groups)
    pads = tuple((d * (k - 1), d * (k - 1)) for d, k in zip(dilation, w.shape[2:]))  # the full result
    direct, _ = conv.conv2d_forward(dilate(x, stride), kernel, b, padding=pads, dilation=dilation, groups=groups)
    np.testing.assert_allclose(direct, expected, rtol=1e-12, atol=1e-12)


def test_flax_kernel_is_the_direct_convolution_kernel_in_hwio():
    w = RNG.standard_normal((3, 4, 3, 2))
    np.testing.assert_array_equal(mapping.torch_conv_transpose_to_flax(w),
                                  mapping.conv_transpose_as_conv_kernel(w).transpose(2, 3, 1, 0))


def keras_depthwise_numpy(x, kernel):
    """Keras DepthwiseConv2D (valid, stride 1) on NCHW x: out[:, c M + m] = correlate(x[:, c], kernel[:, :, c, m])."""
    kh, kw, channels, multiplier = kernel.shape
    out_hw = (x.shape[2] - kh + 1, x.shape[3] - kw + 1)
    out = np.zeros((x.shape[0], channels * multiplier, *out_hw))
    for c in range(channels):
        for m in range(multiplier):
            for p in range(kh):
                for q in range(kw):
                    out[:, c * multiplier + m] += kernel[p, q, c, m] * x[:, c, p : p + out_hw[0], q : q + out_hw[1]]
    return out


def test_depthwise_kernel_gives_keras_the_same_filters():
    x, w = RNG.standard_normal((2, 3, 5, 5)), RNG.standard_normal((6, 1, 3, 3))
    torch_out, _ = conv.conv2d_forward(x, w, np.zeros(6), groups=3)
    np.testing.assert_allclose(keras_depthwise_numpy(x, mapping.torch_depthwise_to_keras(w, 3)), torch_out, rtol=1e-12)
    naive = w.reshape(2, 3, 3, 3).transpose(2, 3, 1, 0)  # torch's output axis read as (M, C)
    assert np.abs(keras_depthwise_numpy(x, naive) - torch_out).max() > 0.5


def test_flatten_dense_kernel_reads_the_nhwc_flatten():
    x, w, b = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((6, 60)), RNG.standard_normal(6)
    torch_out, _ = flatten.flatten_dense_forward(x, w, b)
    keras_flat = x.transpose(0, 2, 3, 1).reshape(2, -1)  # Keras Flatten of NHWC: (H, W, C)
    np.testing.assert_allclose(keras_flat @ mapping.torch_flatten_dense_to_keras(w, (3, 4, 5)) + b, torch_out, rtol=1e-12)
    assert np.abs(keras_flat @ w.T + b - torch_out).max() > 0.5  # the plain transpose: the catalog's naive mapping


def test_paddle_dense_weight_is_the_transpose():
    w = RNG.standard_normal((3, 7))
    np.testing.assert_array_equal(mapping.torch_dense_to_paddle(w), w.T)


@pytest.mark.parametrize("padding, output_padding, expected", [
    (1, 1, ((1, 0), (1, 0))),
    ("same", 0, ((0, 1), (0, 1))),  # Keras: the odd row at the end
    (((1, 0), (0, 2)), 1, ((1, -1), (0, 1))),  # output_padding beyond the bottom pad: one zero row added
    ("valid", 0, ((0, 0), (0, 0))),
])
def test_conv_transpose_crops(padding, output_padding, expected):
    assert mapping.conv_transpose_crops((4, 4), (3, 3), 2, padding, output_padding) == expected


def test_flatten_dense_reference_rejects_a_weight_of_the_wrong_width():
    with pytest.raises(ValueError, match="^w "):
        flatten.flatten_dense_forward(np.zeros((2, 3, 4, 5)), np.zeros((6, 59)), np.zeros(6))
    with pytest.raises(ValueError, match="^x "):
        flatten.flatten_dense_forward(np.zeros((2, 60)), np.zeros((6, 60)), np.zeros(6))
    with pytest.raises(ValueError, match="^b "):
        flatten.flatten_dense_forward(np.zeros((2, 3, 4, 5)), np.zeros((6, 60)), np.zeros(5))
