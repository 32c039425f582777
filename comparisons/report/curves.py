"""Loss curves of training concepts for the report.

results.csv holds metrics, not arrays: the harness returns the curves beside the
records (:class:`comparisons.harness.RunResult`, concept -> witness -> loss per step),
and the report plots those.
"""

from __future__ import annotations

import numpy as np


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
