"""results.csv and summary.csv, written with pandas from the records."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from comparisons.agreement import VERDICTS
from comparisons.harness import COLUMNS, Record

PAIR_COLUMNS = ["concept", "family", "witness_a", "witness_b"]


def results_frame(records: list[Record]) -> pd.DataFrame:
    """One row per comparison, columns in the pinned order."""
    return pd.DataFrame([asdict(r) for r in records], columns=list(COLUMNS))


def summary_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Per concept and witness pair: rows by verdict, the largest margin, the worst verdict."""
    counts = pd.crosstab([results[c] for c in PAIR_COLUMNS], results["verdict"])
    counts = counts.reindex(columns=list(VERDICTS), fill_value=0)
    summary = counts.reset_index()
    summary.columns.name = None
    margins = results.groupby(PAIR_COLUMNS, sort=False)["margin"].max().rename("max_margin").reset_index()
    summary = summary.merge(margins, on=PAIR_COLUMNS, how="left")
    summary["verdict"] = summary.apply(worst_verdict, axis=1)
    return summary


def worst_verdict(row) -> str:
    """The verdict a scoreboard cell shows: the worst of its rows."""
    for verdict in ("error", "disagree", "expected-divergence", "agree", "skipped"):
        if row[verdict]:
            return verdict
    return "skipped"
