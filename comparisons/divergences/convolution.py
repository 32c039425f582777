"""Catalog entries of the convolution family: 'SAME' padding, layouts, flipped kernels, pooling conventions,
resize coordinate rules, transposed-conv and depthwise kernels, adaptive windows, the flatten order before a dense layer.

The weight mappings both halves rely on are in :mod:`framework_impls.conversions.conv`.
"""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import pooling as ref_pool

# NumPy halves ------------------------------------------------------------------------


def scipy_convolve2d(image, kernel):
    """scipy.signal.convolve2d(image, kernel, 'valid'): the mathematical convolution, kernel flipped."""
    import scipy.signal

    return scipy.signal.convolve2d(image, kernel, mode="valid").astype(image.dtype)


def scipy_correlate2d(image, kernel):
    """scipy.signal.correlate2d(image, kernel, 'valid') = convolve2d with kernel[::-1, ::-1]."""
    import scipy.signal

    return scipy.signal.correlate2d(image, kernel, mode="valid").astype(image.dtype)


def border_positions(channels, size):
    """Flat positions of the outer ring of each (size, size) map of an (1, channels, size, size) output."""
    ring = np.ones((size, size), dtype=bool)
    ring[1:-1, 1:-1] = False
    return tuple(int(i) for i in np.flatnonzero(np.broadcast_to(ring, (1, channels, size, size))))


def _bilinear_weights(n_in, n_out):
    """(n_out, n_in) interpolation matrix of half-pixel bilinear resampling without antialiasing.

    Output sample i sits at input coordinate (i + 0.5) n_in / n_out - 0.5, clamped to [0, n_in - 1];
    it mixes the two nearest inputs linearly (the rule of torch's F.interpolate(mode='bilinear',
    align_corners=False) and tf.image.resize(method='bilinear')).
    """
    weights = np.zeros((n_out, n_in))
    for i in range(n_out):
        src = min(max((i + 0.5) * n_in / n_out - 0.5, 0.0), n_in - 1.0)
        low = int(np.floor(src))
        high = min(low + 1, n_in - 1)
        weights[i, low] += 1 - (src - low)
        weights[i, high] += src - low
    return weights


def bilinear_resize(x, *, shape):
    """Half-pixel bilinear resize of the last two axes of x to shape[-2:], no antialiasing."""
    rows = _bilinear_weights(x.shape[-2], shape[-2]).astype(x.dtype)
    cols = _bilinear_weights(x.shape[-1], shape[-1]).astype(x.dtype)
    return rows @ x @ cols.T


def avg_pool_gradient(x, **params):
    """d sum(avg_pool2d(x)) / dx by the reference: 1 / count of every window an element is in, added up."""
    out, cache = ref_pool.avg_pool2d_forward(x, **params)
    return ref_pool.avg_pool2d_backward(np.ones_like(out), cache)


def avg_pool_gradient_float32_scale(x, **params):
    """The same gradient with each window's 1 / count rounded to float32 first (Paddle's ``1.0f / pool_size``)."""
    out, (count, *geometry) = ref_pool.avg_pool2d_forward(x, **params)
    scale = np.float32(1) / count.astype(np.float32)  # float32 division, correctly rounded, as in C++
    return ref_pool.avg_pool2d_backward(np.ones_like(out), (1 / scale.astype(x.dtype), *geometry))


# Entries -----------------------------------------------------------------------------

SAME_PADDING = Divergence(
    id="same-padding",
    differs=N_("TensorFlow 'SAME': out = ceil(in / s), total pad = max((out - 1) s + (k - 1) d + 1 - in, 0), "
    "before = total // 2, the extra pixel at bottom/right. At in = 8, k = 3, s = 2 that is (0, 1); the "
    "symmetric torch padding=1 gives the same output shape but pads (1, 1), shifting every window "
    "(torch's padding='same' refuses stride > 1)."),
    naive=(
        Side("torch", implementation("torch", "conv.conv2d"), {"stride": 2, "padding": 1}),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d"), {"stride": 2, "padding": "same"}),
    ),
    faithful=(
        # ((top, bottom), (left, right)) = TensorFlow's numbers: F.pad(x, (0, 1, 0, 1)), then padding=0
        Side("torch", implementation("torch", "conv.conv2d"), {"stride": 2, "padding": ((0, 1), (0, 1))}),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d"), {"stride": 2, "padding": "same"}),
    ),
    naive_mapping=N_("torch F.conv2d(stride=2, padding=1) against tf.nn.conv2d(strides=2, padding='SAME')"),
    faithful_mapping=N_("F.pad(x, (0, 1, 0, 1)) with TensorFlow's numbers, then F.conv2d(stride=2, padding=0)"),
    source="https://www.tensorflow.org/api_docs/python/tf/nn#notes_on_padding_2 ; "
    "tensorflow/core/framework/kernel_shape_util.cc (GetWindowedOutputSizeVerbose, pad_before = total // 2)",
    sample=Sample(
        "in8-k3-s2",
        lambda rng: {"x": rng.standard_normal((1, 2, 8, 8)), "w": rng.standard_normal((3, 2, 3, 3)),
                     "b": rng.standard_normal(3)},
    ),
    shows=Difference("values", at=None, at_least=3.0),  # every window shifted by one pixel
)

CONV_LAYOUT = Divergence(
    id="conv-layout",
    differs=N_("torch stores data NCHW and kernels OIHW (out, in, kh, kw); TensorFlow NHWC and HWIO. "
    "Reshaping a kernel to the other layout keeps the shape right and scrambles the weights."),
    naive=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d_kernel_reshaped")),
    ),
    faithful=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d")),  # w.transpose(2, 3, 1, 0)
    ),
    naive_mapping=N_("x transposed NCHW -> NHWC, but w reshaped (not transposed) from OIHW to HWIO"),
    faithful_mapping=N_("x.transpose(0, 2, 3, 1) and w.transpose(2, 3, 1, 0); the output back with (0, 3, 1, 2)"),
    source="https://www.tensorflow.org/api_docs/python/tf/nn/conv2d (filter [filter_height, filter_width, "
    "in_channels, out_channels]); https://pytorch.org/docs/stable/generated/torch.nn.functional.conv2d.html",
    sample=Sample(
        "c3-o4-k3",
        lambda rng: {"x": rng.standard_normal((1, 3, 5, 5)), "w": rng.standard_normal((4, 3, 3, 3)),
                     "b": rng.standard_normal(4)},
    ),
    shows=Difference("values", at=None, at_least=2.5),  # scrambled weights: every output
)

CROSS_CORRELATION = Divergence(
    id="cross-correlation",
    differs=N_("Deep-learning 'convolution' is cross-correlation (the kernel slides unflipped); "
    "np.convolve and scipy.signal.convolve2d compute the mathematical convolution, flipping the kernel."),
    naive=(Side("numpy", scipy_convolve2d), Side("torch", implementation("torch", "conv.conv2d_single_channel"))),
    faithful=(Side("numpy", scipy_correlate2d), Side("torch", implementation("torch", "conv.conv2d_single_channel"))),
    naive_mapping=N_("scipy.signal.convolve2d(image, kernel, 'valid') against F.conv2d"),
    faithful_mapping=N_("scipy.signal.correlate2d(image, kernel, 'valid') (= convolve2d with kernel[::-1, ::-1])"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html (\"where ⋆ is the valid 2D "
    "cross-correlation operator\"); https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.convolve2d.html",
    sample=Sample("image6x7-kernel3x3",
                  lambda rng: {"image": rng.standard_normal((6, 7)), "kernel": rng.standard_normal((3, 3))}),
    shows=Difference("values", at=None, at_least=0.8),  # a flipped kernel: every output
)

MAXPOOL_TIES = Divergence(
    id="maxpool-ties",
    differs=N_("When several elements of a window tie for the maximum, torch (CPU) and tf.nn.max_pool2d send the "
    "whole gradient to the first in row-major order; tf.reduce_max over the window splits it equally "
    "between the tied elements."),
    naive=(
        Side("tensorflow", implementation("tensorflow", "pooling.reduce_max_pool2d_weighted"), {"kernel_size": 2},
             gradient_of="x"),
        Side("torch", implementation("torch", "pooling.max_pool2d_weighted"), {"kernel_size": 2}, gradient_of="x"),
    ),
    faithful=(
        Side("tensorflow", implementation("tensorflow", "pooling.max_pool2d_weighted"), {"kernel_size": 2},
             gradient_of="x"),
        Side("torch", implementation("torch", "pooling.max_pool2d_weighted"), {"kernel_size": 2}, gradient_of="x"),
    ),
    naive_mapping=N_("max pooling written as tf.reduce_max over reshaped 2x2 windows"),
    faithful_mapping=N_("tf.nn.max_pool2d (MaxPoolGrad routes to the recorded argmax), like F.max_pool2d"),
    source="tensorflow/python/ops/math_grad.py (_MaxGrad: indicators / num_selected); "
    "aten/src/ATen/native/cpu/MaxPoolKernel.cpp (update only when val > maxval)",
    sample=Sample(
        "binary-4x4",
        lambda rng: {"x": rng.integers(0, 2, size=(1, 2, 4, 4)).astype(float),
                     "dout": rng.standard_normal((1, 2, 2, 2))},
        note=N_("values in {0, 1}: most 2x2 windows tie"),
    ),
    quantity="dx",
    # the gradient d sum(pool(x) * dout) / dx: where the draw ties, so not fixed positions
    shows=Difference("values", at=None, at_least=0.15),
)

AVGPOOL_PADDING = Divergence(
    id="avgpool-padding",
    differs=N_("torch avg_pool2d counts padded zeros in the divisor by default (count_include_pad=True); "
    "TensorFlow's 'SAME' average divides by the number of real elements, so border outputs differ."),
    naive=(
        Side("torch", implementation("torch", "pooling.avg_pool2d_default"),
             {"kernel_size": 3, "stride": 1, "padding": 1}),
        Side("tensorflow", implementation("tensorflow", "pooling.avg_pool2d"),
             {"kernel_size": 3, "stride": 1, "padding": "same", "count_include_pad": False}),  # tf.nn.avg_pool2d 'SAME'
    ),
    faithful=(
        Side("torch", implementation("torch", "pooling.avg_pool2d"),
             {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": False}),
        Side("tensorflow", implementation("tensorflow", "pooling.avg_pool2d"),
             {"kernel_size": 3, "stride": 1, "padding": "same", "count_include_pad": False}),
    ),
    naive_mapping=N_("F.avg_pool2d(x, 3, stride=1, padding=1) with its default count_include_pad=True against "
    "tf.nn.avg_pool2d(x, 3, 1, 'SAME')"),
    faithful_mapping=N_("F.avg_pool2d(..., count_include_pad=False)"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html (count_include_pad default True); "
    "tensorflow/core/kernels/avgpooling_op.cc (divides by the in-bounds window size)",
    sample=Sample("5x5-k3-s1-pad1", lambda rng: {"x": rng.standard_normal((1, 2, 5, 5))}),
    # the border outputs of both 5x5 maps, whose windows reach into the padding; the inner 3x3 agree
    shows=Difference("values", at=border_positions(2, 5), at_least=0.1),
)


# JAX and PaddlePaddle ----------------------------------------------------------------

CONV_SAMPLE = Sample(
    "c3-o4-k3",
    lambda rng: {"x": rng.standard_normal((1, 3, 5, 5)), "w": rng.standard_normal((4, 3, 3, 3)) / 3.0,
                 "b": rng.standard_normal(4)},
)

FLAX_CONV_PADDING = Divergence(
    id="flax-conv-padding",
    differs=N_("flax.linen.Conv defaults to padding='SAME' (output size = input size at stride 1); torch's "
    "F.conv2d and nn.Conv2d default to padding=0 ('VALID'): a 3x3 kernel on 5x5 gives 5x5 against 3x3."),
    naive=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("jax", implementation("jax", "conv.flax_conv")),
    ),
    faithful=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("jax", implementation("jax", "conv.flax_conv"), {"padding": "VALID"}),
    ),
    naive_mapping=N_("nn.Conv(features, kernel_size) for nn.Conv2d(in, features, kernel_size), defaults otherwise"),
    faithful_mapping=N_("pass padding explicitly: nn.Conv(..., padding='VALID') for torch's padding=0 "
    "(or padding=((p, p), (p, p)))"),
    source="https://github.com/google/flax/blob/main/flax/linen/linear.py (class _Conv: padding: PaddingLike = 'SAME')",
    sample=CONV_SAMPLE,
    shows=Difference("shape"),  # (1, 4, 5, 5) against (1, 4, 3, 3)
)

FLAX_MAX_POOL_STRIDE = Divergence(
    id="flax-max-pool-stride",
    differs=N_("flax.linen.max_pool (and avg_pool) defaults to strides=(1, 1), overlapping windows; torch's "
    "max_pool2d defaults the stride to the window: a 2x2 pool on 6x6 gives 5x5 against 3x3."),
    naive=(
        Side("torch", implementation("torch", "pooling.max_pool2d")),
        Side("jax", implementation("jax", "pooling.flax_max_pool")),
    ),
    faithful=(
        Side("torch", implementation("torch", "pooling.max_pool2d")),
        Side("jax", implementation("jax", "pooling.flax_max_pool"), {"strides": (2, 2)}),
    ),
    naive_mapping=N_("nn.max_pool(x, (2, 2)) for F.max_pool2d(x, 2)"),
    faithful_mapping=N_("pass strides=window_shape (and padding) explicitly"),
    source="https://github.com/google/flax/blob/main/flax/linen/pooling.py (def max_pool(inputs, window_shape, "
    "strides=None, padding='VALID'): strides default to (1,) * len(window_shape))",
    sample=Sample("6x6-k2", lambda rng: {"x": rng.standard_normal((1, 2, 6, 6))}, {"kernel_size": 2}),
    shows=Difference("shape"),  # (1, 2, 5, 5) against (1, 2, 3, 3)
)

JAX_RESIZE_ANTIALIAS = Divergence(
    id="jax-resize-antialias",
    differs=N_("jax.image.resize antialiases when downsampling (antialias=True by default: the triangle "
    "kernel is widened by the scale factor); torch's F.interpolate(mode='bilinear') and tf.image.resize "
    "do not. Halving [0, 1, 2, 3] gives JAX [0.714, 2.286] against [0.5, 2.5]. Without antialiasing, "
    "bilinear halving is exactly 2x2 average pooling."),
    naive=(
        Side("numpy", bilinear_resize),
        Side("jax", implementation("jax", "pooling.resize")),
    ),
    faithful=(
        Side("numpy", bilinear_resize),
        Side("jax", implementation("jax", "pooling.resize"), {"antialias": False}),
    ),
    naive_mapping=N_("jax.image.resize(x, shape, 'bilinear') for F.interpolate(x, size, mode='bilinear', "
    "align_corners=False) (the NumPy half; it equals torch's to 1e-15 in float64)"),
    faithful_mapping=N_("jax.image.resize(..., antialias=False); or antialias=True on torch's side, which equals "
    "JAX's default"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/image/scale.py (def resize(image, shape, method, "
    "antialias=True, ...))",
    sample=Sample("halve-4x6", lambda rng: {"x": rng.standard_normal((1, 2, 4, 6))}, {"shape": (1, 2, 2, 3)}),
    shows=Difference("values", at=None, at_least=0.18),  # 0.54 measured
)

PADDLE_AVGPOOL_EXCLUSIVE = Divergence(
    id="paddle-avgpool-exclusive",
    differs=N_("Paddle's avg_pool2d / AvgPool2D default to exclusive=True: the padded zeros are left out of "
    "the divisor; torch's default count_include_pad=True counts them. On a 3x3 window with padding 1 the "
    "corner of x = arange(1, 10) averages to 3.0 in Paddle, 1.333 in torch."),
    naive=(
        Side("torch", implementation("torch", "pooling.avg_pool2d_default")),
        Side("paddle", implementation("paddle", "pooling.builtin_avg_pool2d")),
    ),
    faithful=(
        Side("torch", implementation("torch", "pooling.avg_pool2d_default")),
        Side("paddle", implementation("paddle", "pooling.builtin_avg_pool2d"), {"exclusive": False}),
    ),
    naive_mapping=N_("F.avg_pool2d(x, 3, stride=1, padding=1) in Paddle for the same call in torch, defaults otherwise"),
    faithful_mapping=N_("exclusive=False (= count_include_pad=True); torch's count_include_pad=False is "
    "Paddle's default"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/pooling.py "
    "(avg_pool2d(..., exclusive=True, ...)); https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html",
    sample=Sample("5x5-k3-s1-pad1", lambda rng: {"x": rng.standard_normal((1, 2, 5, 5))},
                  {"kernel_size": 3, "stride": 1, "padding": 1}),
    # the border outputs of both 5x5 maps, whose windows reach into the padding; the inner 3x3 agree
    shows=Difference("values", at=border_positions(2, 5), at_least=0.2),  # 0.62 measured
)

PADDLE_CEIL_MODE_WINDOW_IN_PADDING = Divergence(
    id="paddle-ceil-mode-window-in-padding",
    differs=N_("With ceil_mode=True torch keeps a last window only where it starts inside the input or its "
    "top / left padding; Paddle keeps it also when it starts in the bottom / right padding. On a 5x5 map with "
    "kernel 2, stride 3 and padding 1 torch pools 2x2 windows, Paddle 3x3, the extra ones over padding alone "
    "(max -3.4e38, also in float64; mean 0)."),
    naive=(
        Side("torch", implementation("torch", "pooling.max_pool2d")),
        Side("paddle", implementation("paddle", "pooling.builtin_max_pool2d")),
    ),
    faithful=(
        Side("torch", implementation("torch", "pooling.max_pool2d")),
        Side("paddle", implementation("paddle", "pooling.max_pool2d")),
    ),
    naive_mapping=N_("F.max_pool2d(x, 2, stride=3, padding=1, ceil_mode=True) in Paddle for the same call in torch"),
    faithful_mapping=N_("drop the last row (column) of windows where (out - 1) * stride >= H + padding "
    "(drop_windows_in_padding)"),
    source="https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/Pool.h (pooling_output_shape_pad_lr: "
    "'ensure that the last pooling starts inside the image'); "
    "https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/funcs/pooling.h (PoolOutputSize: "
    "(input_size - filter_size + 2 * padding + stride - 1) / stride + 1 in ceil_mode, no such check)",
    sample=Sample("5x5-k2-s3-pad1-ceil", lambda rng: {"x": rng.standard_normal((1, 2, 5, 5))},
                  {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True}),
    shows=Difference("shape"),  # (1, 2, 2, 2) against (1, 2, 3, 3)
)

PADDLE_AVGPOOL_FLOAT32_SCALE = Divergence(
    id="paddle-avgpool-float32-scale",
    differs=N_("Paddle's CPU avg_pool2d gradient multiplies dout by float scale = 1.0f / pool_size, a float32 "
    "number also for float64 tensors: a relative error of 2.98e-8 for windows of 3 or 6 elements and "
    "7.45e-9 for 9 (exact for 2 and 4), far above float64 rounding. The forward pass is exact."),
    naive=(
        Side("numpy", avg_pool_gradient),
        Side("paddle", implementation("paddle", "pooling.avg_pool2d"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", avg_pool_gradient_float32_scale),
        Side("paddle", implementation("paddle", "pooling.avg_pool2d"), gradient_of="x"),
    ),
    naive_mapping=N_("the float64 reference gradient against Paddle's float64 gradient"),
    faithful_mapping=N_("the reference gradient with 1 / pool_size rounded to float32, as Paddle's kernel does; "
    "no argument makes Paddle's scale float64"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/funcs/pooling.cc "
    "(Pool2dGradFunctor<CPUContext>: float scale = 1.0f / static_cast<float>(pool_size))",
    sample=Sample("4x5-k2x3", lambda rng: {"x": rng.standard_normal((1, 1, 4, 5))},
                  {"kernel_size": (2, 3), "stride": 1}),
    dtype="float64",
    quantity="dx",
    # every element: count / 6 against count * float32(1/6), up to 6 * 4.97e-9 = 3e-8
    shows=Difference("values", at=None, at_least=1e-8),
)
"""Not attached to avg_pool2d while :func:`comparisons.harness.check_divergence` judges catalog rows with
the concept's ("float64", "paddle") tolerance, which covers exactly this difference and would hide it;
``tests/test_divergences.py`` checks it against avg_pool2d without that tolerance."""


# Resize ------------------------------------------------------------------------------
# The catalog entries of the resize concept (reference/resize.py).

RAMP_1X4 = {"x": np.arange(4.0).reshape(1, 1, 1, 4)}  # [0, 1, 2, 3] along W

RESIZE_NEAREST = Divergence(
    id="resize-nearest",
    differs=N_("torch's F.interpolate(mode='nearest') copies input floor(i * in / out) (ONNX: asymmetric, "
    "floor); TensorFlow 2 (tf.image.resize, keras.layers.Resizing), JAX and torch's 'nearest-exact' copy "
    "floor((i + 0.5) * in / out), the nearest pixel centre. [0, 1, 2, 3] halved gives torch [0, 2], Keras "
    "[1, 3]. Paddle's nearest is torch's rule."),
    naive=(
        Side("torch", implementation("torch", "resize.interpolate"), {"size": (1, 2), "mode": "nearest"}),
        Side("tensorflow", implementation("tensorflow", "resize.keras_resizing"),
             {"size": (1, 2), "interpolation": "nearest"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "resize.interpolate"), {"size": (1, 2), "mode": "nearest-exact"}),
        Side("tensorflow", implementation("tensorflow", "resize.keras_resizing"),
             {"size": (1, 2), "interpolation": "nearest"}),
    ),
    naive_mapping=N_("F.interpolate(x, size, mode='nearest') for keras.layers.Resizing(h, w, interpolation='nearest')"),
    faithful_mapping=N_("F.interpolate(x, size, mode='nearest-exact')"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.functional.interpolate.html ('nearest-exact' "
    "matches Scikit-Image and PIL nearest neighbours interpolation algorithms and fixes known issues with "
    "mode='nearest'); pytorch/pytorch#34808; tensorflow/python/ops/image_ops_impl.py (resize_images_v2: "
    "resize_nearest_neighbor(..., half_pixel_centers=True))",
    sample=Sample("ramp-0123-to-2", RAMP_1X4),
    shows=Difference("values", at=(0, 1), at_least=1.0),  # [0, 2] against [1, 3]
)

RESIZE_BILINEAR_ANTIALIAS = Divergence(
    id="resize-bilinear-antialias",
    differs=N_("jax.image.resize antialiases by default (antialias=True): when downsampling, the triangle "
    "kernel is stretched by the factor and every covered input is averaged; torch's F.interpolate, "
    "tf.image.resize and Keras default to antialias=False. Bilinear [0, 1, 2, 3] halved gives torch and "
    "TensorFlow [0.5, 2.5], JAX [0.714, 2.286]. torch's align_corners=True is yet another rule "
    "([0, 3]); Paddle's default align_mode=0 is torch's half-pixel rule, align_mode=1 TF1's asymmetric one."),
    naive=(
        Side("torch", implementation("torch", "resize.interpolate"), {"size": (1, 2), "mode": "bilinear"}),
        Side("jax", implementation("jax", "resize.image_resize"), {"size": (1, 2), "method": "linear"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "resize.interpolate"), {"size": (1, 2), "mode": "bilinear"}),
        Side("jax", implementation("jax", "resize.image_resize"),
             {"size": (1, 2), "method": "linear", "antialias": False}),
    ),
    naive_mapping=N_("jax.image.resize(x, shape, 'linear') for F.interpolate(x, size, mode='bilinear')"),
    faithful_mapping=N_("jax.image.resize(..., antialias=False); or F.interpolate(..., antialias=True) to get "
    "JAX's default on the torch side"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/image/scale.py (def resize(image, shape, method, "
    "antialias=True, precision=...); compute_weight_mat: kernel_scale = max(inv_scale, 1) if antialias); "
    "pytorch/pytorch#10604",
    sample=Sample("ramp-0123-to-2", RAMP_1X4),
    shows=Difference("values", at=(0, 1), at_least=0.2),  # 0.214 at both outputs
)

RESIZE_BICUBIC_A = Divergence(
    id="resize-bicubic-a",
    differs=N_("Bicubic kernels differ: torch's and Paddle's F.interpolate(mode='bicubic') use Keys' a = -0.75 "
    "and repeat the edge pixel (OpenCV's choice); tf.image.resize, Keras and jax.image.resize use a = -0.5 "
    "and drop taps outside the image, renormalising the rest (PIL's). Upsampling an impulse by 2 peaks at "
    "0.8789 in torch, 0.8672 in TensorFlow; the negative lobes differ by 0.035. torch's antialias=True "
    "switches to the a = -0.5 kernel, also when upsampling, where it does not widen it."),
    naive=(
        Side("torch", implementation("torch", "resize.interpolate"), {"size": (1, 16), "mode": "bicubic"}),
        Side("tensorflow", implementation("tensorflow", "resize.image_resize"), {"size": (1, 16), "method": "bicubic"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "resize.interpolate"),
             {"size": (1, 16), "mode": "bicubic", "antialias": True}),
        Side("tensorflow", implementation("tensorflow", "resize.image_resize"), {"size": (1, 16), "method": "bicubic"}),
    ),
    naive_mapping=N_("F.interpolate(x, size, mode='bicubic') for tf.image.resize(x, size, 'bicubic')"),
    faithful_mapping=N_("F.interpolate(x, size, mode='bicubic', antialias=True) when upsampling (a = -0.5, "
    "outside taps dropped); downsampling has no torch equivalent of TensorFlow's non-antialiased a = -0.5"),
    source="aten/src/ATen/native/UpSample.h (get_cubic_upsample_coefficients: A = -0.75); "
    "aten/src/ATen/native/cpu/UpSampleKernel.cpp (bicubic antialias filter with a = -0.5, as PIL); "
    "tensorflow/core/kernels/image/resize_bicubic_op.cc (GetCoeffsTable(use_keys_cubic): a = -0.5 with "
    "half_pixel_centers, -0.75 otherwise; weights of outside taps zeroed and renormalised)",
    sample=Sample("impulse-1x8-to-16", {"x": np.eye(8)[3].reshape(1, 1, 1, 8)}),
    shows=Difference("values", at=None, at_least=0.03),  # 0.035 on the negative lobes, 0.0117 at the peak
)


# ------------------------------------------------------------------- transposed conv, depthwise, adaptive pooling, flatten

CONV_TRANSPOSE_LAYOUT_SAME = Divergence(
    id="conv-transpose-layout-same",
    differs=N_("A transposed-conv kernel is (C_in, C_out, kh, kw) in torch and Paddle, (kh, kw, C_out, C_in) in Keras "
    "Conv2DTranspose, (kh, kw, C_in, C_out) and unflipped in flax. Up-sampling by 2 with a 3x3 kernel, Keras "
    "padding='same' crops the odd row of the full result at the end (bottom / right, TensorFlow's 'SAME' rule); "
    "torch's usual padding=1, output_padding=1 gives the same shape but crops a row at the start: the whole "
    "output is shifted by one pixel."),
    naive=(
        Side("torch", implementation("torch", "conv.conv_transpose2d"), {"stride": 2, "padding": 1, "output_padding": 1}),
        Side("tensorflow", implementation("tensorflow", "conv.keras_conv_transpose"), {"stride": 2, "padding": "same"}),
    ),
    faithful=(
        # padding=0, then the full (2H + 1)-row result sliced [:2H, :2W]: F.pad(out, (0, -1, 0, -1))
        Side("torch", implementation("torch", "conv.conv_transpose2d"), {"stride": 2, "padding": ((0, 1), (0, 1))}),
        Side("tensorflow", implementation("tensorflow", "conv.keras_conv_transpose"), {"stride": 2, "padding": "same"}),
    ),
    naive_mapping=N_("nn.ConvTranspose2d(in, out, 3, stride=2, padding=1, output_padding=1) for "
    "Conv2DTranspose(out, 3, strides=2, padding='same'), kernel w.transpose(2, 3, 1, 0)"),
    faithful_mapping=N_("torch padding=0, then out[:, :, :2H, :2W] (crop the end, as Keras does); the kernel "
    "by framework_impls.conversions.conv.torch_conv_transpose_to_keras: w.transpose(2, 3, 1, 0)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/backend/common/backend_utils.py "
    "(compute_conv_transpose_padding_args_for_jax / _for_torch: the 'same' pads); "
    "https://pytorch.org/docs/stable/generated/torch.nn.ConvTranspose2d.html (output_padding note)",
    sample=Sample(
        "c2-o3-k3-5x5",
        lambda rng: {"x": rng.standard_normal((1, 2, 5, 5)), "w": rng.standard_normal((2, 3, 3, 3)),
                     "b": rng.standard_normal(3)},
    ),
    shows=Difference("values", at=None, at_least=3.0),  # every pixel shifted by one
)

FLAX_CONV_TRANSPOSE_KERNEL = Divergence(
    id="flax-conv-transpose-kernel",
    differs=N_("flax.linen.ConvTranspose (transpose_kernel=False by default) convolves the stride-dilated input "
    "with its (kh, kw, C_in, C_out) kernel as it is; torch's ConvTranspose2d is conv2d's input gradient, which "
    "reads the kernel flipped. Moving torch's axes into flax's order without the flip gives wrong values."),
    naive=(
        Side("torch", implementation("torch", "conv.conv_transpose2d"), {"stride": 2}),
        Side("jax", implementation("jax", "conv.flax_conv_transpose"), {"stride": 2, "kernel": "unflipped"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "conv.conv_transpose2d"), {"stride": 2}),
        Side("jax", implementation("jax", "conv.flax_conv_transpose"), {"stride": 2, "kernel": "flax"}),
    ),
    naive_mapping=N_("nn.ConvTranspose(out, (3, 3), strides=(2, 2), padding='VALID') with kernel "
    "w.transpose(2, 3, 0, 1)"),
    faithful_mapping=N_("framework_impls.conversions.conv.torch_conv_transpose_to_flax: "
    "w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1) (or transpose_kernel=True with torch's axes as (kh, kw, out, in))"),
    source="https://github.com/google/flax/blob/main/flax/linen/linear.py (class ConvTranspose: "
    "transpose_kernel: bool = False; jax.lax.conv_transpose)",
    sample=Sample(
        "c2-o3-k3-4x4",
        lambda rng: {"x": rng.standard_normal((1, 2, 4, 4)), "w": rng.standard_normal((2, 3, 3, 3)),
                     "b": rng.standard_normal(3)},
    ),
    shows=Difference("values", at=None, at_least=2.0),
)

DEPTHWISE_LAYOUT = Divergence(
    id="depthwise-layout",
    differs=N_("A depthwise convolution (groups = C, depth multiplier M) keeps torch's weight as (C M, 1, kh, kw), "
    "output channel c M + m being filter m of channel c; Keras DepthwiseConv2D keeps (kh, kw, C, M). Reading "
    "torch's first axis as (M, C) fits the shape and hands filters to the wrong channels."),
    naive=(
        Side("torch", implementation("torch", "conv.conv2d_depthwise")),
        Side("tensorflow", implementation("tensorflow", "conv.keras_depthwise"), {"kernel_order": "naive"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "conv.conv2d_depthwise")),
        Side("tensorflow", implementation("tensorflow", "conv.keras_depthwise"), {"kernel_order": "torch"}),
    ),
    naive_mapping=N_("kernel w.reshape(M, C, kh, kw).transpose(2, 3, 1, 0)"),
    faithful_mapping=N_("framework_impls.conversions.conv.torch_depthwise_to_keras: "
    "w.reshape(C, M, kh, kw).transpose(2, 3, 0, 1)"),
    source="https://keras.io/api/layers/convolution_layers/depthwise_convolution2d/ (kernel "
    "(kh, kw, input_channel, depth_multiplier)); https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html (groups)",
    sample=Sample(
        "c3-m2-k3",
        lambda rng: {"x": rng.standard_normal((1, 3, 5, 5)), "w": rng.standard_normal((6, 1, 3, 3)),
                     "b": rng.standard_normal(6)},
    ),
    shows=Difference("values", at=None, at_least=2.0),
)

ADAPTIVE_POOL = Divergence(
    id="adaptive-pool",
    differs=N_("torch's adaptive_avg_pool2d uses windows [floor(i H / o), ceil((i + 1) H / o)): from 7 to 2 they are "
    "[0, 4) and [3, 7), overlapping. The usual port, a fixed AveragePooling2D(3, strides=3), averages [0, 3) and "
    "[3, 6): on x = arange(49) as 7x7 it gives [8, 11, 29, 32] against [12, 15, 33, 36]. Keras 3 (3.15) has "
    "AdaptiveAveragePooling2D with torch's windows; JAX and flax have none."),
    naive=(
        Side("torch", implementation("torch", "pooling.adaptive_avg_pool2d"), {"output_size": 2}),
        Side("tensorflow", implementation("tensorflow", "pooling.keras_average_pooling"), {"pool_size": 3, "strides": 3}),
    ),
    faithful=(
        Side("torch", implementation("torch", "pooling.adaptive_avg_pool2d"), {"output_size": 2}),
        Side("tensorflow", implementation("tensorflow", "pooling.adaptive_avg_pool2d"), {"output_size": 2}),
    ),
    naive_mapping=N_("keras.layers.AveragePooling2D(pool_size=3, strides=3) for nn.AdaptiveAvgPool2d(2) on 7x7 maps"),
    faithful_mapping=N_("keras.layers.AdaptiveAveragePooling2D(2) (Keras 3.15 on), or the window formula"),
    source="https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/AdaptiveAveragePooling.cpp "
    "(start_index / end_index); https://keras.io/api/layers/pooling_layers/adaptive_average_pooling2d/",
    sample=Sample("arange-7x7", {"x": np.arange(98.0).reshape(1, 2, 7, 7)},
                  note=N_("x = 0, 1, ..., 97: each fixed window's mean is 4 below the adaptive one")),
    shows=Difference("values", at=None, at_least=3.9),  # 4.0 at all eight outputs
)

FLATTEN_DENSE_ORDER = Divergence(
    id="flatten-dense-order",
    differs=N_("torch and Paddle flatten an NCHW map as (C, H, W); Keras and flax flatten NHWC as (H, W, C). A dense "
    "weight copied from torch with a plain transpose has the right shape and meets every pixel with another "
    "pixel's weight."),
    naive=(
        Side("torch", implementation("torch", "flatten.flatten_dense")),
        Side("tensorflow", implementation("tensorflow", "flatten.flatten_dense_plain_transpose")),
    ),
    faithful=(
        Side("torch", implementation("torch", "flatten.flatten_dense")),
        Side("tensorflow", implementation("tensorflow", "flatten.flatten_dense")),
    ),
    naive_mapping=N_("Dense kernel w.T after Flatten of the NHWC map"),
    faithful_mapping=N_("framework_impls.conversions.conv.torch_flatten_dense_to_keras: "
    "w.reshape(o, C, H, W).transpose(2, 3, 1, 0).reshape(-1, o)"),
    source="https://github.com/microsoft/MMdnn/issues/250 ; https://keras.io/api/layers/reshaping_layers/flatten/ "
    "(data_format: channels_last flattens (H, W, C))",
    sample=Sample(
        "c3-h4-w4-out5",
        lambda rng: {"x": rng.standard_normal((2, 3, 4, 4)), "w": rng.standard_normal((5, 48)),
                     "b": rng.standard_normal(5)},
    ),
    shows=Difference("values", at=None, at_least=2.0),
)
