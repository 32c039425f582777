"""results.csv and summary.csv, written with pandas from the records and the roll-up."""

from __future__ import annotations

import pandas as pd

from comparisons.agreement import VERDICTS
from comparisons.harness import COLUMNS, Record
from comparisons.rollup import summary_rows

SUMMARY_COLUMNS = ["concept", "family", "witness_a", "witness_b", *VERDICTS, "max_margin", "verdict"]


def results_frame(records: list[Record]) -> pd.DataFrame:
    """One row per comparison, columns in the pinned order."""
    return pd.DataFrame([vars(r) for r in records], columns=list(COLUMNS))


def summary_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Per concept and witness pair: rows by verdict, the largest compared margin, the worst verdict."""
    return pd.DataFrame(summary_rows(results.to_dict("records")), columns=SUMMARY_COLUMNS)
