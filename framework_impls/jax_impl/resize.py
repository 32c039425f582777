"""Resizing with jax.image.resize and jax.image.scale_and_translate; jax.vjp supplies the gradients."""

import jax
import jax.numpy as jnp


def _pair(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def _scale_and_translation(n_in, n_out, rule):
    """scale_and_translate's (scale, translation) for one axis.

    JAX samples input coordinate ``(i + 0.5 - t) / scale - 0.5`` for output ``i``. Every rule
    here is ``src = i * r`` (with ``r = (n_in - 1) / (n_out - 1)`` for align_corners, ``n_in /
    n_out`` for asymmetric, 0 for pytorch_half_pixel at length 1), which is ``scale = 1 / r``
    and ``t = 0.5 - 0.5 * scale``.
    """
    if rule == "half_pixel" or (rule == "pytorch_half_pixel" and n_out > 1):
        return n_out / n_in, 0.0  # jax.image.resize's own rule
    if rule == "asymmetric":
        scale = n_out / n_in
    elif n_out == 1:  # align_corners and pytorch_half_pixel sample input 0; any scale < 1/n_in keeps one tap
        scale = 1.0 / n_in
    else:
        scale = (n_out - 1) / (n_in - 1)
    return scale, 0.5 - 0.5 * scale


def resize(x, *, size, mode="nearest", coordinate_transformation_mode="half_pixel",
           nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False, exclude_outside=False):
    rule = coordinate_transformation_mode
    shape = (*x.shape[:2], *_pair(size))
    if mode == "nearest":
        if (rule, nearest_mode) != ("half_pixel", "round_prefer_ceil"):
            raise ValueError(f"nearest_mode {nearest_mode!r} with {rule!r}: JAX's nearest is half_pixel with "
                             "floor((i + 0.5) s) only")
        return jax.image.resize(x, shape, "nearest")
    if mode == "cubic" and (cubic_coeff_a, exclude_outside) != (-0.5, True):
        raise ValueError("cubic_coeff_a must be -0.5 with exclude_outside=True: JAX's Keys kernel drops outside taps")
    if mode == "linear" and antialias and not exclude_outside:
        raise ValueError("exclude_outside must be True: JAX's antialiasing drops taps outside the image")
    if rule == "half_pixel":
        return jax.image.resize(x, shape, mode, antialias=antialias)  # antialias=True is JAX's default: pass it
    (scale_h, t_h), (scale_w, t_w) = (_scale_and_translation(n_in, n_out, rule)
                                      for n_in, n_out in zip(x.shape[2:], shape[2:]))
    return jax.image.scale_and_translate(x, shape, (2, 3), jnp.array([scale_h, scale_w], x.dtype),
                                         jnp.array([t_h, t_w], x.dtype), mode, antialias=antialias)


# Catalog sides (comparisons/divergences/convolution.py, resize block).


def image_resize(x, *, size, method, **options):
    """jax.image.resize of NCHW x to ``size``, with its defaults except ``options`` (antialias=True)."""
    return jax.image.resize(x, (*x.shape[:2], *_pair(size)), method, **options)
