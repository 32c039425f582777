"""Error metrics and verdicts for one comparison of two witnesses on one quantity.

Checks run in order: shape, then dtype, then values. Values agree element-wise when
``|a - b| <= atol + rtol * |b|``; the comparison agrees when every element does and
NaNs sit at the same positions. ``b`` is the trusted side of the pair (the later
witness in ``numpy, torch, tensorflow, finite-diff``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from comparisons.registry import Tolerance

AGREE = "agree"
DISAGREE = "disagree"
EXPECTED_DIVERGENCE = "expected-divergence"
ERROR = "error"
SKIPPED = "skipped"
VERDICTS = (AGREE, DISAGREE, EXPECTED_DIVERGENCE, ERROR, SKIPPED)

_UINT_OF = {np.dtype("float16"): np.uint16, np.dtype("float32"): np.uint32, np.dtype("float64"): np.uint64}


@dataclass(frozen=True)
class Agreement:
    """Metrics of one comparison; NaN where a metric does not apply (shape mismatch)."""

    verdict: str
    shape: str
    max_abs: float = float("nan")
    max_rel: float = float("nan")
    max_ulp: float = float("nan")
    n_mismatch: int = 0
    margin: float = float("nan")
    detail: str = ""


def ulp_distance(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Number of representable ``dtype`` values between a and b, element-wise.

    The bit pattern of a float is its sign and an integer magnitude that grows
    with the value, one step per representable number, so the distance is the
    difference of magnitudes on one side of zero and their sum across it.
    """
    dtype = np.dtype(dtype)
    uint = _UINT_OF[dtype]
    bits = np.iinfo(uint).bits

    def sign_and_magnitude(x):
        raw = np.array(x, dtype=dtype).view(uint).astype(np.uint64)
        return raw >> np.uint64(bits - 1), raw & np.uint64((1 << (bits - 1)) - 1)

    sign_a, magnitude_a = sign_and_magnitude(a)
    sign_b, magnitude_b = sign_and_magnitude(b)
    same_side = np.abs(magnitude_a.astype(np.int64) - magnitude_b.astype(np.int64)).astype(np.uint64)
    # On opposite sides of zero the distance is the sum of both magnitudes (< 2**64).
    distance = np.where(sign_a == sign_b, same_side, magnitude_a + magnitude_b)
    return distance.astype(np.float64)


def _format(value) -> str:
    return np.format_float_positional(value, precision=9, unique=True, trim="-") if np.isfinite(value) else str(value)


def compare(a, b, tolerance: Tolerance, dtype: str, *, check_dtype: bool = True) -> Agreement:
    """Compare two results of the same quantity.

    Parameters
    ----------
    a, b : array_like
        The two witnesses' results; ``b`` is the side relative errors are taken against.
    tolerance : Tolerance
    dtype : str
        The run's dtype: ulp distances are counted in it.
    check_dtype : bool
        False when one side is computed in float64 on purpose (finite differences).

    Returns
    -------
    Agreement
        ``margin = max(|a - b| / (atol + rtol * |b|))``; the pair agrees when
        ``margin <= 1``, there is no mismatch, and NaNs coincide.
    """
    a, b = np.asarray(a), np.asarray(b)
    shape = "x".join(map(str, a.shape)) or "scalar"
    if a.shape != b.shape:
        return Agreement(DISAGREE, shape, detail=f"shape mismatch: {a.shape} vs {b.shape}")
    if check_dtype and a.dtype != b.dtype:
        return Agreement(DISAGREE, shape, detail=f"dtype mismatch: {a.dtype} vs {b.dtype}")
    if a.size == 0:
        return Agreement(AGREE, shape, 0.0, 0.0, 0.0, 0, 0.0)

    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    nan_a, nan_b = np.isnan(a64), np.isnan(b64)
    nan_mismatch = nan_a != nan_b
    both_valued = ~(nan_a | nan_b)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # Equal values (infinities of the same sign included) differ by exactly 0.
        diff = np.where(a64 == b64, 0.0, np.abs(a64 - b64))
        diff = np.where(both_valued, diff, 0.0)
        allowed = tolerance.atol + tolerance.rtol * np.abs(b64)
        ratio = np.where(diff == 0, 0.0, diff / allowed)
        ratio = np.where(np.isinf(diff), np.inf, ratio)  # inf vs -inf: inf / inf would be NaN
        rel = np.where(diff == 0, 0.0, diff / np.abs(b64))
    ulp = ulp_distance(np.where(both_valued, a64, 0), np.where(both_valued, b64, 0), np.dtype(dtype))
    mismatch = (ratio > 1) | nan_mismatch
    n_mismatch = int(mismatch.sum())
    agreement = Agreement(
        verdict=AGREE if n_mismatch == 0 else DISAGREE,
        shape=shape,
        max_abs=float(diff.max()),
        max_rel=float(rel.max()),
        max_ulp=float(ulp.max()),
        n_mismatch=n_mismatch,
        margin=float(ratio.max()),
    )
    if n_mismatch == 0:
        return agreement
    worst = np.unravel_index(int(np.argmax(np.where(nan_mismatch, np.inf, ratio))), a.shape)
    where = ", ".join(map(str, worst))
    detail = (
        f"mismatched {n_mismatch} / {a.size}; worst at ({where}): "
        f"{_format(a64[worst])} vs {_format(b64[worst])}"
    )
    if nan_mismatch.any():
        detail += f"; NaN positions differ at {int(nan_mismatch.sum())} elements"
    return Agreement(**{**agreement.__dict__, "detail": detail})
