"""Pooling with flax.linen's max_pool and avg_pool; jax.vjp supplies the gradients."""

import jax
import jax.numpy as jnp
from flax import linen as nn

from framework_impls.jax_impl.conv import lax_padding, pair


def _pool(pool, x, kernel_size, stride, padding, **options):
    # flax's default stride is 1 in every direction; torch's is the kernel (non-overlapping windows).
    stride = kernel_size if stride is None else stride
    if x.ndim == 3:  # unbatched (C, H, W): a batch of one
        return _pool(pool, x[None], kernel_size, stride, padding, **options)[0]
    x = jnp.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC: flax pools the axes between batch and features
    out = pool(x, pair(kernel_size), strides=pair(stride), padding=lax_padding(padding), **options)
    return jnp.transpose(out, (0, 3, 1, 2))  # NHWC -> NCHW


def max_pool2d(x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    # flax's max_pool has neither dilation nor ceil_mode (and lax.reduce_window's max has no gradient
    # with window_dilation): those samples skip JAX.
    if pair(dilation) != (1, 1) or ceil_mode:
        raise NotImplementedError("flax.linen.max_pool has no dilation and no ceil_mode")
    return _pool(nn.max_pool, x, kernel_size, stride, padding)  # pads with -inf, the reduction's init: never wins


def avg_pool2d(x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    # count_include_pad=True divides by kh * kw (also under 'SAME'); False by the real elements of each window.
    # No ceil_mode in flax: those samples skip JAX.
    if ceil_mode:
        raise NotImplementedError("flax.linen.avg_pool has no ceil_mode")
    include = count_include_pad or divisor_override is not None  # a window's sum is its kh * kw mean times kh * kw
    out = _pool(nn.avg_pool, x, kernel_size, stride, padding, count_include_pad=include)
    if divisor_override is not None:
        out = out * (pair(kernel_size)[0] * pair(kernel_size)[1] / divisor_override)  # mean * area = window sum
    # flax counts the real elements with jnp.ones() in JAX's default float dtype, float64 under
    # jax_enable_x64, which promotes a float32 average to float64: cast back to x's dtype.
    return out.astype(x.dtype)


# Catalog sides (comparisons/divergences/convolution.py).


def flax_max_pool(x, *, kernel_size, **options):
    """flax.linen.max_pool on NCHW x, with its defaults except ``options``."""
    out = nn.max_pool(jnp.transpose(x, (0, 2, 3, 1)), pair(kernel_size), **options)  # strides=(1, 1) by default
    return jnp.transpose(out, (0, 3, 1, 2))


def resize(x, *, shape, method="bilinear", **options):
    """jax.image.resize of x to ``shape``, with its defaults except ``options``."""
    return jax.image.resize(x, tuple(shape), method, **options)  # antialias=True by default


def adaptive_avg_pool2d(x, *, output_size):
    # No adaptive pooling in JAX or flax. Where the output divides the input, torch's windows
    # [floor(i H / o), ceil((i + 1) H / o)) are exactly H / o wide and H / o apart: a fixed pool.
    (h, w), (oh, ow) = x.shape[2:], pair(output_size)
    if h % oh or w % ow:
        raise ValueError(f"output_size {output_size} does not divide the input {(h, w)}: no fixed window matches")
    window = (h // oh, w // ow)
    out = nn.avg_pool(jnp.transpose(x, (0, 2, 3, 1)), window, strides=window)  # NCHW -> NHWC; stride = window
    return jnp.transpose(out, (0, 3, 1, 2)).astype(x.dtype)  # avg_pool may promote under x64: keep x's dtype
