"""Catalog entries of the convolution family: 'SAME' padding, layouts, flipped kernels, pooling conventions."""

import numpy as np

from comparisons.registry import Difference, Divergence, Sample, Side, implementation

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


# Entries -----------------------------------------------------------------------------

SAME_PADDING = Divergence(
    id="same-padding",
    differs="TensorFlow 'SAME': out = ceil(in / s), total pad = max((out - 1) s + (k - 1) d + 1 - in, 0), "
    "before = total // 2, the extra pixel at bottom/right. At in = 8, k = 3, s = 2 that is (0, 1); the "
    "symmetric torch padding=1 gives the same output shape but pads (1, 1), shifting every window "
    "(torch's padding='same' refuses stride > 1).",
    naive=(
        Side("torch", implementation("torch", "conv.conv2d"), {"stride": 2, "padding": 1}),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d"), {"stride": 2, "padding": "same"}),
    ),
    faithful=(
        # ((top, bottom), (left, right)) = TensorFlow's numbers: F.pad(x, (0, 1, 0, 1)), then padding=0
        Side("torch", implementation("torch", "conv.conv2d"), {"stride": 2, "padding": ((0, 1), (0, 1))}),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d"), {"stride": 2, "padding": "same"}),
    ),
    naive_mapping="torch F.conv2d(stride=2, padding=1) against tf.nn.conv2d(strides=2, padding='SAME')",
    faithful_mapping="F.pad(x, (0, 1, 0, 1)) with TensorFlow's numbers, then F.conv2d(stride=2, padding=0)",
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
    differs="torch stores data NCHW and kernels OIHW (out, in, kh, kw); TensorFlow NHWC and HWIO. "
    "Reshaping a kernel to the other layout keeps the shape right and scrambles the weights.",
    naive=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d_kernel_reshaped")),
    ),
    faithful=(
        Side("torch", implementation("torch", "conv.conv2d")),
        Side("tensorflow", implementation("tensorflow", "conv.conv2d")),  # w.transpose(2, 3, 1, 0)
    ),
    naive_mapping="x transposed NCHW -> NHWC, but w reshaped (not transposed) from OIHW to HWIO",
    faithful_mapping="x.transpose(0, 2, 3, 1) and w.transpose(2, 3, 1, 0); the output back with (0, 3, 1, 2)",
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
    differs="Deep-learning 'convolution' is cross-correlation (the kernel slides unflipped); "
    "np.convolve and scipy.signal.convolve2d compute the mathematical convolution, flipping the kernel.",
    naive=(Side("numpy", scipy_convolve2d), Side("torch", implementation("torch", "conv.conv2d_single_channel"))),
    faithful=(Side("numpy", scipy_correlate2d), Side("torch", implementation("torch", "conv.conv2d_single_channel"))),
    naive_mapping="scipy.signal.convolve2d(image, kernel, 'valid') against F.conv2d",
    faithful_mapping="scipy.signal.correlate2d(image, kernel, 'valid') (= convolve2d with kernel[::-1, ::-1])",
    source="https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html (\"where ⋆ is the valid 2D "
    "cross-correlation operator\"); https://docs.scipy.org/doc/scipy/reference/generated/scipy.signal.convolve2d.html",
    sample=Sample("image6x7-kernel3x3",
                  lambda rng: {"image": rng.standard_normal((6, 7)), "kernel": rng.standard_normal((3, 3))}),
    shows=Difference("values", at=None, at_least=0.8),  # a flipped kernel: every output
)

MAXPOOL_TIES = Divergence(
    id="maxpool-ties",
    differs="When several elements of a window tie for the maximum, torch (CPU) and tf.nn.max_pool2d send the "
    "whole gradient to the first in row-major order; tf.reduce_max over the window splits it equally "
    "between the tied elements.",
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
    naive_mapping="max pooling written as tf.reduce_max over reshaped 2x2 windows",
    faithful_mapping="tf.nn.max_pool2d (MaxPoolGrad routes to the recorded argmax), like F.max_pool2d",
    source="tensorflow/python/ops/math_grad.py (_MaxGrad: indicators / num_selected); "
    "aten/src/ATen/native/cpu/MaxPoolKernel.cpp (update only when val > maxval)",
    sample=Sample(
        "binary-4x4",
        lambda rng: {"x": rng.integers(0, 2, size=(1, 2, 4, 4)).astype(float),
                     "dout": rng.standard_normal((1, 2, 2, 2))},
        note="values in {0, 1}: most 2x2 windows tie",
    ),
    quantity="dx",
    # the gradient d sum(pool(x) * dout) / dx: where the draw ties, so not fixed positions
    shows=Difference("values", at=None, at_least=0.15),
)

AVGPOOL_PADDING = Divergence(
    id="avgpool-padding",
    differs="torch avg_pool2d counts padded zeros in the divisor by default (count_include_pad=True); "
    "TensorFlow's 'SAME' average divides by the number of real elements, so border outputs differ.",
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
    naive_mapping="F.avg_pool2d(x, 3, stride=1, padding=1) with its default count_include_pad=True against "
    "tf.nn.avg_pool2d(x, 3, 1, 'SAME')",
    faithful_mapping="F.avg_pool2d(..., count_include_pad=False)",
    source="https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html (count_include_pad default True); "
    "tensorflow/core/kernels/avgpooling_op.cc (divides by the in-bounds window size)",
    sample=Sample("5x5-k3-s1-pad1", lambda rng: {"x": rng.standard_normal((1, 2, 5, 5))}),
    # the border outputs of both 5x5 maps, whose windows reach into the padding; the inner 3x3 agree
    shows=Difference("values", at=border_positions(2, 5), at_least=0.1),
)
