"""Convolution with jax.lax.conv_general_dilated; jax.vjp supplies the gradients."""

from flax import linen as nn
from jax import lax


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
