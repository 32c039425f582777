"""Resizing with paddle.nn.functional.interpolate; paddle.grad supplies the gradients."""

import paddle.nn.functional as F


def _paddle_options(mode, rule, nearest_mode, cubic_coeff_a, antialias, exclude_outside):
    """F.interpolate's keyword arguments for the reference's ONNX-named rule."""
    if mode == "nearest":
        if (rule, nearest_mode) != ("asymmetric", "floor"):
            raise ValueError(f"coordinate_transformation_mode {rule!r} with nearest_mode {nearest_mode!r}: "
                             "Paddle's nearest is asymmetric with floor only")
        return {"mode": "nearest"}  # src = floor(i * in / out), as torch's 'nearest'
    if mode == "linear" and antialias and not exclude_outside:
        raise ValueError("exclude_outside must be True: Paddle's antialiasing drops taps outside the image")
    if mode == "cubic":
        if antialias or (cubic_coeff_a, exclude_outside) == (-0.5, True):
            if (cubic_coeff_a, exclude_outside, rule) != (-0.5, True, "half_pixel"):
                raise ValueError("cubic_coeff_a must be -0.5 with exclude_outside=True for Paddle's antialiasing")
            antialias = True  # PIL's kernel: a = -0.5, outside taps dropped; widened only when downsampling
        elif (cubic_coeff_a, exclude_outside) != (-0.75, False):
            raise ValueError(f"cubic_coeff_a {cubic_coeff_a} with exclude_outside={exclude_outside} has no Paddle mode")
    options = {"mode": "bilinear" if mode == "linear" else "bicubic", "antialias": antialias}
    if rule == "align_corners":
        return {**options, "align_corners": True}
    if rule == "asymmetric" and mode == "linear":
        return {**options, "align_mode": 1}  # src = i * in / out (TF1's rule)
    if rule == "half_pixel":
        return {**options, "align_mode": 0}  # the default: src = (i + 0.5) * in / out - 0.5
    raise ValueError(f"coordinate_transformation_mode {rule!r} has no Paddle {options['mode']} equivalent")


def resize(x, *, size, mode="nearest", coordinate_transformation_mode="half_pixel",
           nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False, exclude_outside=False):
    options = _paddle_options(mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a, antialias,
                              exclude_outside)
    return F.interpolate(x, size=list(size) if not isinstance(size, int) else [size, size], **options)


# Catalog sides (comparisons/divergences/convolution.py, resize block).


def interpolate(x, *, size, mode, **options):
    """F.interpolate with Paddle's defaults except ``options`` (align_corners=False, align_mode=0)."""
    return F.interpolate(x, size=list(size), mode=mode, **options)
