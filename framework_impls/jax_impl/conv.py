"""Convolution with jax.lax.conv_general_dilated; jax.vjp supplies the gradients."""

import jax.numpy as jnp
from flax import linen as nn
from jax import lax

from framework_impls.conversions.conv import conv_transpose_as_conv_kernel, conv_transpose_crops, torch_conv_transpose_to_flax


def pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def lax_padding(padding):
    """'SAME' / 'VALID', or lax's explicit ((top, bottom), (left, right)).

    lax's 'SAME' is TensorFlow's rule (the odd pixel goes after), computed on the dilated kernel.
    """
    if isinstance(padding, str):
        return padding.upper()
    rows, cols = pair(padding)
    return tuple((p, p) if isinstance(p, int) else tuple(p) for p in (rows, cols))


def conv2d(x, w, b, *, stride=1, padding=0, dilation=1, groups=1):
    if x.ndim == 3:  # unbatched (C, H, W): lax convolves batches only, so a batch of one
        return conv2d(x[None], w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)[0]
    out = lax.conv_general_dilated(
        x, w, window_strides=pair(stride), padding=lax_padding(padding), rhs_dilation=pair(dilation),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),  # torch's layouts named directly: no transposes
        feature_group_count=groups,
    )
    return out + b[:, None, None]  # (C,) -> (C, 1, 1): one bias per output channel


# Catalog sides (comparisons/divergences/convolution.py).


def flax_conv(x, w, b, **options):
    """flax.linen.Conv holding torch's (out, in, kh, kw) weight, with its defaults except ``options``."""
    layer = nn.Conv(features=w.shape[0], kernel_size=tuple(w.shape[2:]), **options)  # padding='SAME' by default
    params = {"kernel": w.transpose(2, 3, 1, 0), "bias": b}  # OIHW -> flax's HWIO
    return layer.apply({"params": params}, x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)  # NCHW <-> NHWC


def conv_transpose2d(x, w, b, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1):
    # A transposed convolution is a plain one over the input dilated by the stride (zeros between pixels),
    # padded by d (k - 1) less the crop at each end, with the kernel's channels swapped and its window flipped.
    crops = conv_transpose_crops(x.shape[2:], w.shape[2:], stride, padding, output_padding, dilation)
    pads = [(d * (k - 1) - top, d * (k - 1) - bottom) for d, k, (top, bottom) in zip(pair(dilation), w.shape[2:], crops)]
    out = lax.conv_general_dilated(
        x, conv_transpose_as_conv_kernel(w, groups, xp=jnp),  # (C_in, C_out/G, kh, kw) -> flipped (C_out, C_in/G, kh, kw)
        window_strides=(1, 1), padding=pads, lhs_dilation=pair(stride), rhs_dilation=pair(dilation),
        dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=groups,
    )
    return out + b[:, None, None]


def flax_conv_transpose(x, w, b, *, stride=1, padding="VALID", kernel=None):
    """flax.linen.ConvTranspose holding torch's (C_in, C_out, kh, kw) weight (catalog flax-conv-transpose-kernel).

    ``kernel`` names the conversion: "flax" (flipped, :func:`torch_conv_transpose_to_flax`) or "unflipped"
    (the axes moved to flax's (kh, kw, in, out), the window left as it is).
    """
    layer = nn.ConvTranspose(features=w.shape[1], kernel_size=tuple(w.shape[2:]), strides=pair(stride), padding=padding)
    if kernel == "flax":
        weights = torch_conv_transpose_to_flax(w, xp=jnp)  # (kh, kw, in, out), flipped in both spatial axes
    else:
        weights = jnp.transpose(w, (2, 3, 0, 1))  # (kh, kw, in, out) only
    out = layer.apply({"params": {"kernel": weights, "bias": b}}, jnp.transpose(x, (0, 2, 3, 1)))  # NCHW -> NHWC
    return jnp.transpose(out, (0, 3, 1, 2))
