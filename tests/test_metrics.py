"""The agreement metrics, including the cases they must flag."""

import numpy as np
import pytest

from comparisons.agreement import AGREE, DISAGREE, compare, ulp_distance
from comparisons.registry import Tolerance

TIGHT = Tolerance(atol=1e-12, rtol=1e-10, reason="test")


def test_identical_arrays_agree_with_zero_metrics():
    a = np.linspace(-3, 3, 7)
    result = compare(a, a.copy(), TIGHT, "float64")
    assert result.verdict == AGREE
    assert (result.max_abs, result.max_rel, result.max_ulp, result.n_mismatch, result.margin) == (0, 0, 0, 0, 0)


def test_shape_mismatch_is_flagged_before_values():
    result = compare(np.zeros(5), np.zeros((5, 1)), TIGHT, "float64")
    assert result.verdict == DISAGREE and "shape" in result.detail


def test_dtype_mismatch_is_flagged():
    result = compare(np.zeros(3, np.float32), np.zeros(3, np.float64), TIGHT, "float32")
    assert result.verdict == DISAGREE and "dtype" in result.detail


def test_dtype_check_can_be_waived_for_float64_finite_differences():
    assert compare(np.ones(3, np.float32), np.ones(3), TIGHT, "float32", check_dtype=False).verdict == AGREE


def test_one_bad_element_is_counted_located_and_shown():
    b = np.arange(12, dtype=float).reshape(3, 4)
    a = b.copy()
    a[2, 1] += 1e-3
    result = compare(a, b, TIGHT, "float64")
    assert result.verdict == DISAGREE
    assert result.n_mismatch == 1
    assert result.max_abs == pytest.approx(1e-3)
    assert result.max_rel == pytest.approx(1e-3 / 9)
    assert "(2, 1)" in result.detail and "1 / 12" in result.detail


def test_margin_is_error_over_allowed_error():
    tol = Tolerance(atol=1e-3, rtol=0.0, reason="test")
    assert compare(np.array([1.0005]), np.array([1.0]), tol, "float64").margin == pytest.approx(0.5)
    over = compare(np.array([1.002]), np.array([1.0]), tol, "float64")
    assert over.margin == pytest.approx(2.0) and over.verdict == DISAGREE


def test_relative_tolerance_scales_with_the_trusted_side():
    tol = Tolerance(atol=0.0, rtol=1e-6, reason="test")
    assert compare(np.array([1e6 + 0.5]), np.array([1e6]), tol, "float64").verdict == AGREE
    assert compare(np.array([1.5]), np.array([1.0]), tol, "float64").verdict == DISAGREE


def test_nan_positions_must_match():
    b = np.array([1.0, np.nan, 3.0])
    assert compare(b.copy(), b, TIGHT, "float64").verdict == AGREE
    moved = np.array([np.nan, 2.0, 3.0])
    result = compare(moved, b, TIGHT, "float64")
    assert result.verdict == DISAGREE and "NaN" in result.detail and result.n_mismatch == 2


def test_nan_on_one_side_only_is_flagged():
    result = compare(np.array([np.nan, 1.0]), np.array([0.5, 1.0]), TIGHT, "float64")
    assert result.verdict == DISAGREE and result.n_mismatch == 1


def test_equal_infinities_agree_and_opposite_ones_do_not():
    assert compare(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]), TIGHT, "float64").verdict == AGREE
    assert compare(np.array([np.inf]), np.array([-np.inf]), TIGHT, "float64").verdict == DISAGREE


def test_ulp_distance_counts_representable_values():
    one = np.float32(1.0)
    assert ulp_distance(np.nextafter(one, np.float32(2)), one, np.float32)[()] == 1
    assert ulp_distance(np.float32(0.0), np.float32(-0.0), np.float32)[()] == 0
    tiny = np.nextafter(np.float32(0), np.float32(1))
    assert ulp_distance(tiny, -tiny, np.float32)[()] == 2  # across zero
    assert ulp_distance(np.float64(1.0), np.nextafter(1.0, 0.0), np.float64)[()] == 1


def test_ulp_is_counted_in_the_run_dtype():
    a = np.array([1.0 + 2**-30])  # the same float32 as 1.0
    assert compare(a, np.array([1.0]), TIGHT, "float32").max_ulp == 0
    assert compare(a, np.array([1.0]), TIGHT, "float64").max_ulp == 2**22


def test_scalars_and_empty_arrays():
    assert compare(np.float64(2.0), np.float64(2.0), TIGHT, "float64").shape == "scalar"
    assert compare(np.zeros((0, 3)), np.zeros((0, 3)), TIGHT, "float64").verdict == AGREE
