"""resize: bad arguments, identities, ramps, constants, and the backward as the adjoint of the forward."""

import itertools

import numpy as np
import pytest

from reference.resize import COORDINATE_RULES, NEAREST_MODES, interpolation_matrix, resize_backward, resize_forward

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 5, 6))

EVERY_OPTION = [
    {"mode": "nearest", "coordinate_transformation_mode": rule, "nearest_mode": rounding}
    for rule, rounding in itertools.product(COORDINATE_RULES, NEAREST_MODES)
] + [
    {"mode": mode, "coordinate_transformation_mode": rule, "antialias": antialias, "exclude_outside": exclude,
     "cubic_coeff_a": a}
    for mode, rule, antialias, exclude, a in itertools.product(
        ("linear", "cubic"), COORDINATE_RULES, (False, True), (False, True), (-0.75, -0.5))
    if mode == "cubic" or a == -0.75
]
SIZES = [(5, 6), (10, 12), (2, 3), (7, 4), (1, 1), (3, 13)]


@pytest.mark.parametrize("params, argument", [
    ({"mode": "bilinear"}, "mode"),
    ({"mode": "area"}, "mode"),
    ({"coordinate_transformation_mode": "tf_crop_and_resize"}, "coordinate_transformation_mode"),
    ({"coordinate_transformation_mode": "align_corner"}, "coordinate_transformation_mode"),
    ({"nearest_mode": "round"}, "nearest_mode"),
    ({"size": 0}, "size"),
    ({"size": (3, 0)}, "size"),
    ({"size": (-2, 3)}, "size"),
    ({"size": (2.5, 3)}, "size"),
    ({"size": (2, 3, 4)}, "size"),
    ({"mode": "cubic", "cubic_coeff_a": "a"}, "cubic_coeff_a"),
    ({"mode": "nearest", "antialias": True}, "antialias"),
])
def test_bad_arguments_raise_a_value_error_naming_the_argument(params, argument):
    with pytest.raises(ValueError, match=f"^{argument} "):
        resize_forward(X, **{"size": (4, 4), **params})


def test_x_must_be_four_dimensional():
    with pytest.raises(ValueError, match="^x "):
        resize_forward(X[0], size=(4, 4), mode="linear")


@pytest.mark.parametrize("mode", ["linear", "cubic"])
@pytest.mark.parametrize("antialias", [False, True])
def test_same_size_half_pixel_is_the_identity(mode, antialias):
    out, _ = resize_forward(X, size=X.shape[2:], mode=mode, antialias=antialias)
    np.testing.assert_allclose(out, X, rtol=0, atol=1e-15)


def test_same_size_nearest_is_the_identity_for_every_rounding():
    for rounding in NEAREST_MODES:
        out, _ = resize_forward(X, size=X.shape[2:], nearest_mode=rounding)
        np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("size", [(9, 11), (3, 4), (2, 2)])
def test_align_corners_linear_resizing_of_a_ramp_is_a_ramp(size):
    h, w = 5, 6
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    ramp = (2.0 * rows - 3.0 * cols + 1.0)[None, None]
    out, _ = resize_forward(ramp, size=size, mode="linear", coordinate_transformation_mode="align_corners")
    # output (i, j) samples input (i (h - 1) / (H - 1), j (w - 1) / (W - 1)), where the plane is exact
    r = np.arange(size[0])[:, None] * (h - 1) / (size[0] - 1)
    c = np.arange(size[1])[None, :] * (w - 1) / (size[1] - 1)
    np.testing.assert_allclose(out[0, 0], 2.0 * r - 3.0 * c + 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("params", EVERY_OPTION, ids=str)
def test_a_constant_image_stays_constant(params):
    x = np.full((1, 2, 5, 6), 3.25)
    for size in SIZES:
        out, _ = resize_forward(x, size=size, **params)
        np.testing.assert_allclose(out, 3.25, rtol=1e-14, err_msg=str(size))


@pytest.mark.parametrize("params", EVERY_OPTION, ids=str)
def test_backward_is_the_adjoint_of_forward(params):
    for size in SIZES:
        out, cache = resize_forward(X, size=size, **params)
        y = RNG.standard_normal(out.shape)
        lhs = np.sum(out * y)
        rhs = np.sum(X * resize_backward(y, cache))
        assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12), size


def test_nearest_backward_adds_each_gradient_onto_the_copied_pixel():
    x = np.arange(4.0).reshape(1, 1, 1, 4)
    out, cache = resize_forward(x, size=(1, 8), coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    np.testing.assert_array_equal(out[0, 0, 0], [0, 0, 1, 1, 2, 2, 3, 3])
    dx = resize_backward(np.arange(1.0, 9.0).reshape(1, 1, 1, 8), cache)
    np.testing.assert_array_equal(dx[0, 0, 0], [1 + 2, 3 + 4, 5 + 6, 7 + 8])


@pytest.mark.parametrize("rounding, expected", [
    ("round_prefer_floor", [0, 2]), ("round_prefer_ceil", [1, 3]), ("floor", [0, 2]), ("ceil", [1, 3]),
])
def test_halving_with_half_pixel_lands_on_halves_that_the_rounding_decides(rounding, expected):
    # half_pixel sources 0.5 and 2.5: exactly between two pixels
    out, _ = resize_forward(np.arange(4.0).reshape(1, 1, 1, 4), size=(1, 2), nearest_mode=rounding)
    np.testing.assert_array_equal(out[0, 0, 0], expected)


def test_cubic_kernel_coefficient_shows_at_an_upsampled_impulse():
    impulse = np.eye(8)[3].reshape(1, 1, 1, 8)
    # the output at source 3 - 0.25 weighs the impulse by k(0.25) = (a + 2) / 64 - (a + 3) / 16 + 1
    for a, peak in ((-0.75, 1 + 1.25 / 64 - 2.25 / 16), (-0.5, 1 + 1.5 / 64 - 2.5 / 16)):
        out, _ = resize_forward(impulse, size=(1, 16), mode="cubic", cubic_coeff_a=a)
        assert out.max() == pytest.approx(peak, rel=1e-14)


def test_antialias_averages_every_covered_pixel_when_downsampling():
    # halving [0, 1, 2, 3]: the stretched triangle weighs inputs 0, 1, 2 by 3/4, 3/4, 1/4 (input -1 dropped)
    x = np.arange(4.0).reshape(1, 1, 1, 4)
    out, _ = resize_forward(x, size=(1, 2), mode="linear", antialias=True, exclude_outside=True)
    np.testing.assert_allclose(out[0, 0, 0], [(0.75 + 0.5) / 1.75, 3 - (0.75 + 0.5) / 1.75], rtol=1e-14)
    plain, _ = resize_forward(x, size=(1, 2), mode="linear")
    np.testing.assert_allclose(plain[0, 0, 0], [0.5, 2.5], rtol=1e-14)


def test_upsampling_ignores_antialias():
    for mode in ("linear", "cubic"):
        a = interpolation_matrix(5, 11, mode=mode, antialias=True)
        b = interpolation_matrix(5, 11, mode=mode, antialias=False)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    out, cache = resize_forward(X.astype(dtype), size=(4, 9), mode="cubic")
    assert out.dtype == dtype and resize_backward(out, cache).dtype == dtype
