"""Loss curves of training concepts for the report.

results.csv holds metrics, not arrays. The harness attaches the curves to the first
record of each sample (an optional ``curves`` attribute: witness -> loss per step),
and the report plots those. For records without them (a report written from other
records), the report runs the witnesses once more on the concept's first sample, in
float64 with the run's first seed (the same seeded inputs as the run), within a total
time budget (:data:`TIME_BUDGET`) so the report stays fast; pages past the budget say
so instead of plotting.
"""

from __future__ import annotations

import numpy as np

from comparisons.registry import Concept, concept_rng, sample_rng

CURVE_QUANTITY = "loss"
TIME_BUDGET = 2.0
"""Seconds the report may spend re-running training concepts for their curves."""


def curves_from_records(records) -> dict[str, dict[str, np.ndarray]]:
    """Concept -> witness -> loss curve, from records that carry them (float64 preferred)."""
    found: dict[str, dict[str, np.ndarray]] = {}
    for record in sorted(records, key=lambda r: r.dtype != "float64"):
        curves = getattr(record, "curves", None)
        if curves and record.concept not in found:
            found[record.concept] = {k: np.asarray(v, dtype=float).ravel() for k, v in curves.items()}
    return found


def is_curve_shape(shape: str) -> bool:
    """``True`` for a results.csv shape of one axis longer than one (``"50"``)."""
    return isinstance(shape, str) and shape.isdigit() and int(shape) > 1


def training_curves(concept: Concept, seed: int, dtype: str = "float64") -> dict[str, np.ndarray]:
    """Witness -> the ``loss`` curve on the concept's first sample.

    Witnesses that are skipped, fail or return no ``loss`` are left out. Raises
    whatever drawing the samples raises (the caller reports it on the page).
    """
    from comparisons.harness import cast_inputs, run_witnesses

    sample = next(s for s in concept.samples(concept_rng(seed, concept.name)) if dtype in s.dtypes)
    rng = sample_rng(seed, concept.name, sample.name)
    inputs = cast_inputs(sample.draw(rng), dtype)
    outcomes = run_witnesses(concept, sample.skip, inputs, dict(sample.params), rng)
    return {
        name: np.asarray(outcome.results[CURVE_QUANTITY], dtype=float).ravel()
        for name, outcome in outcomes.items()
        if not outcome.skipped and not outcome.error and CURVE_QUANTITY in outcome.results
    }


def step_differences(curves: dict[str, np.ndarray], reference: str = "numpy") -> dict[str, np.ndarray]:
    """``|curve - reference curve|`` per step for every other witness ("torch - numpy")."""
    if reference not in curves:
        return {}
    base = curves[reference]
    return {
        f"|{name} - {reference}|": np.abs(curve - base)
        for name, curve in curves.items()
        if name != reference and curve.shape == base.shape
    }
