"""Resizing with torch.nn.functional.interpolate; autograd supplies the gradients."""

import torch.nn.functional as F


def _torch_mode(mode, rule, nearest_mode, cubic_coeff_a, antialias, exclude_outside):
    """F.interpolate's (mode, align_corners, antialias) for the reference's ONNX-named rule."""
    if mode == "nearest":
        if (rule, nearest_mode) == ("asymmetric", "floor"):
            return "nearest", None, False  # src = floor(i * in / out)
        if (rule, nearest_mode) == ("half_pixel", "round_prefer_ceil"):
            return "nearest-exact", None, False  # src = floor((i + 0.5) * in / out)
        raise ValueError(f"coordinate_transformation_mode {rule!r} with nearest_mode {nearest_mode!r} has no "
                         "torch mode")
    if rule not in ("half_pixel", "align_corners"):
        raise ValueError(f"coordinate_transformation_mode {rule!r}: torch knows half_pixel and align_corners only")
    align_corners = rule == "align_corners"
    if mode == "linear":
        if antialias and not exclude_outside:
            raise ValueError("exclude_outside must be True: torch's antialiasing drops taps outside the image")
        return "bilinear", align_corners, antialias
    if (cubic_coeff_a, exclude_outside) == (-0.75, False) and not antialias:
        return "bicubic", align_corners, False  # OpenCV's kernel: a = -0.75, edge pixels repeated
    if (cubic_coeff_a, exclude_outside) == (-0.5, True) and not align_corners:
        # antialias=True switches to PIL's kernel: a = -0.5, taps outside the image dropped and the rest
        # renormalised; it widens the kernel only when downsampling, so upsampling uses it unchanged.
        return "bicubic", False, True
    raise ValueError(f"cubic_coeff_a {cubic_coeff_a} with exclude_outside={exclude_outside} has no torch mode")


def resize(x, *, size, mode="nearest", coordinate_transformation_mode="half_pixel",
           nearest_mode="round_prefer_floor", cubic_coeff_a=-0.75, antialias=False, exclude_outside=False):
    torch_mode, align_corners, antialias = _torch_mode(mode, coordinate_transformation_mode, nearest_mode,
                                                       cubic_coeff_a, antialias, exclude_outside)
    return F.interpolate(x, size=size, mode=torch_mode, align_corners=align_corners, antialias=antialias)


# Catalog sides (comparisons/divergences/convolution.py, resize block).


def interpolate(x, *, size, mode, **options):
    """F.interpolate with torch's defaults except ``options`` (align_corners=None, antialias=False)."""
    return F.interpolate(x, size=size, mode=mode, **options)
