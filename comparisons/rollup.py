"""The one roll-up of result rows: per concept and witness pair, and per concept.

summary.csv, the report's scoreboard and the terminal table all read these cells, so
they always show the same numbers. A cell's verdict is the worst of its rows; its
margin is the largest over the rows that were compared (``agree`` or ``disagree``).
Catalog rows (``mapping`` naive / faithful) are counted apart: a naive mapping is
meant to differ, and its margin says nothing about the pair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from comparisons.agreement import VERDICTS

WORST_FIRST = ("error", "disagree", "expected-divergence", "agree", "skipped")
"""Verdicts from the one a cell shows first to the one it shows last."""

Row = Mapping[str, object]


@dataclass(frozen=True)
class Cell:
    """Row counts by verdict, the worst verdict and the largest compared margin of a group of rows."""

    counts: Mapping[str, int] = field(default_factory=dict)
    max_margin: float = math.nan

    @property
    def verdict(self) -> str:
        return next((v for v in WORST_FIRST if self.counts.get(v)), "skipped")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def cell_of(rows: Iterable[Row]) -> Cell:
    counts = dict.fromkeys(VERDICTS, 0)
    margins = []
    for row in rows:
        counts[row["verdict"]] += 1
        margin = float(row["margin"])
        if row["verdict"] in ("agree", "disagree") and not math.isnan(margin):
            margins.append(margin)
    return Cell(counts, max(margins, default=math.nan))


def is_catalog(row: Row) -> bool:
    """A row of a catalog entry (its naive or faithful mapping)."""
    return bool(row.get("mapping")) and row["mapping"] == row["mapping"]  # NaN from an empty CSV cell is not a mapping


def _grouped(rows: Iterable[Row], key) -> dict:
    groups: dict = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def by_pair(rows: Iterable[Row]) -> dict[tuple[str, str, str], Cell]:
    """(concept, witness_a, witness_b) -> cell, over the ordinary (non-catalog) rows, in order of appearance."""
    groups = _grouped((r for r in rows if not is_catalog(r)), lambda r: (r["concept"], r["witness_a"], r["witness_b"]))
    return {key: cell_of(group) for key, group in groups.items()}


def by_pair_and_dtype(rows: Iterable[Row]) -> dict[tuple[str, str, str, str], Cell]:
    """(concept, witness_a, witness_b, dtype) -> cell, over the ordinary rows."""
    groups = _grouped(
        (r for r in rows if not is_catalog(r)), lambda r: (r["concept"], r["witness_a"], r["witness_b"], r["dtype"])
    )
    return {key: cell_of(group) for key, group in groups.items()}


def catalog_by_concept(rows: Iterable[Row]) -> dict[str, Cell]:
    """concept -> cell of its catalog rows."""
    return {key: cell_of(group) for key, group in _grouped((r for r in rows if is_catalog(r)), lambda r: r["concept"]).items()}


def by_concept(rows: Iterable[Row]) -> dict[str, Cell]:
    """concept -> the pair cells added up (counts summed, the largest margin), catalog rows counted in."""
    rows = list(rows)
    totals: dict[str, dict] = {}
    for (concept, _, _), cell in by_pair(rows).items():
        total = totals.setdefault(concept, {"counts": dict.fromkeys(VERDICTS, 0), "margins": []})
        for verdict, n in cell.counts.items():
            total["counts"][verdict] += n
        total["margins"].append(cell.max_margin)
    for concept, cell in catalog_by_concept(rows).items():
        total = totals.setdefault(concept, {"counts": dict.fromkeys(VERDICTS, 0), "margins": []})
        for verdict, n in cell.counts.items():
            total["counts"][verdict] += n
    return {
        concept: Cell(total["counts"], max((m for m in total["margins"] if not math.isnan(m)), default=math.nan))
        for concept, total in totals.items()
    }


def summary_rows(rows: Iterable[Row]) -> list[dict]:
    """summary.csv: one row per concept and witness pair (and one ``catalog`` row per concept with entries)."""
    rows = list(rows)
    family = {r["concept"]: r["family"] for r in rows}
    table = [
        {"concept": c, "family": family[c], "witness_a": a, "witness_b": b, **cell.counts,
         "max_margin": cell.max_margin, "verdict": cell.verdict}
        for (c, a, b), cell in by_pair(rows).items()
    ]
    table += [
        {"concept": c, "family": family[c], "witness_a": "catalog", "witness_b": "", **cell.counts,
         "max_margin": math.nan, "verdict": cell.verdict}
        for c, cell in catalog_by_concept(rows).items()
    ]
    return table
