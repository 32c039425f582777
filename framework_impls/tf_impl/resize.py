"""Resizing with tf.image.resize (and TF1's rules from tf.compat.v1); tf.GradientTape supplies the gradients."""

import keras
import tensorflow as tf


def _pair(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def _check_cubic(cubic_coeff_a, exclude_outside, expected, rule):
    if (cubic_coeff_a, exclude_outside) != expected:
        a, exclude = expected
        raise ValueError(f"cubic_coeff_a must be {a} with exclude_outside={exclude}: TensorFlow's bicubic kernel "
                         f"for {rule}")


def resize(x, *, size, mode="nearest", coordinate_transformation_mode="half_pixel",
           nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False, exclude_outside=False):
    rule = coordinate_transformation_mode
    images = tf.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC: TensorFlow resizes the axes between batch and channels
    if rule == "half_pixel":
        if mode == "nearest" and nearest_mode != "round_prefer_ceil":
            raise ValueError("nearest_mode must be 'round_prefer_ceil': tf.image.resize takes floor((i + 0.5) s)")
        if mode == "cubic":
            _check_cubic(cubic_coeff_a, exclude_outside, (-0.5, True), rule)  # Keys' a = -0.5, outside taps dropped
        if mode == "linear" and antialias and not exclude_outside:
            raise ValueError("exclude_outside must be True: TensorFlow's antialiasing drops taps outside the image")
        method = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}[mode]
        if antialias:
            # antialias runs ScaleAndTranslate, whose gradient op takes float32 images only (the forward
            # computes in float32 anyway): float64 images are resized as float32.
            images = tf.cast(images, tf.float32)
        out = tf.image.resize(images, _pair(size), method=method, antialias=antialias)
    elif rule in ("align_corners", "asymmetric") and not antialias:
        # TF2's resize has no align_corners; TF1's ops (tf.compat.v1) keep both of its rules.
        if mode == "nearest" and nearest_mode != ("round_prefer_ceil" if rule == "align_corners" else "floor"):
            raise ValueError(f"nearest_mode {nearest_mode!r} has no TensorFlow equivalent with {rule}")
        if mode == "cubic":
            _check_cubic(cubic_coeff_a, exclude_outside, (-0.75, False), rule)  # TF1's legacy kernel: a = -0.75
        method = {"nearest": tf.compat.v1.image.ResizeMethod.NEAREST_NEIGHBOR,
                  "linear": tf.compat.v1.image.ResizeMethod.BILINEAR,
                  "cubic": tf.compat.v1.image.ResizeMethod.BICUBIC}[mode]
        out = tf.compat.v1.image.resize(images, _pair(size), method=method, align_corners=rule == "align_corners")
    else:
        raise ValueError(f"coordinate_transformation_mode {rule!r} (antialias={antialias}) has no TensorFlow "
                         "equivalent")
    # The bilinear and bicubic kernels compute in float32 and return float32, also for float64 images.
    return tf.cast(tf.transpose(out, (0, 3, 1, 2)), x.dtype)  # NHWC -> NCHW, back to x's dtype


# Catalog sides (comparisons/divergences/convolution.py, resize block).


def keras_resizing(x, *, size, interpolation, **options):
    """keras.layers.Resizing on NCHW x, with its defaults except ``options`` (antialias=False)."""
    layer = keras.layers.Resizing(*_pair(size), interpolation=interpolation, data_format="channels_first", **options)
    return layer(x)


def image_resize(x, *, size, method, **options):
    """tf.image.resize on NCHW x, with its defaults except ``options`` (antialias=False)."""
    out = tf.image.resize(tf.transpose(x, (0, 2, 3, 1)), _pair(size), method=method, **options)  # NCHW -> NHWC
    return tf.cast(tf.transpose(out, (0, 3, 1, 2)), x.dtype)  # NHWC -> NCHW; float32 kernels
