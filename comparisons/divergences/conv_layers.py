"""Catalog entries of the layers where ports break: transposed-conv layouts and 'same' cropping, depthwise
kernels, adaptive pooling, the flatten order before a dense layer.

The weight mappings both halves rely on are in :mod:`framework_impls.conversions.conv`.
"""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation

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
