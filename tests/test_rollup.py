"""summary.csv, the scoreboard and the terminal table show the same numbers: one roll-up feeds them."""

import io
import math
from dataclasses import asdict

import pytest
from rich.console import Console

from comparisons import harness
from comparisons.agreement import VERDICTS
from comparisons.report.html import scoreboard
from comparisons.report.tables import results_frame, summary_frame
from comparisons.rollup import by_concept, by_pair, is_catalog
from comparisons.summary import summary_table

# One process sets up the module fixture (--dist loadgroup), not each of them.
pytestmark = pytest.mark.xdist_group("rollup")

CONCEPTS = ("gelu", "batch_norm")  # both have catalog entries whose naive rows differ by far more than any tolerance


@pytest.fixture(scope="module")
def rows(registry, pool):
    records = []
    for name in CONCEPTS:
        records += harness.run_concept(registry[name], "float32", 0, pool).records
    assert any(r.mapping == "naive" and r.verdict == "expected-divergence" for r in records)
    return [asdict(r) for r in records]


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_summary_csv_is_the_roll_up_and_ignores_catalog_rows(rows):
    summary = summary_frame(results_frame([harness.Record(**r) for r in rows]))
    cells = by_pair(rows)
    pairs = summary[summary.witness_a != "catalog"]
    assert len(pairs) == len(cells)
    for row in pairs.itertuples():
        cell = cells[(row.concept, row.witness_a, row.witness_b)]
        assert same(row.max_margin, cell.max_margin)
        assert {v: getattr(row, v.replace("-", "_")) for v in VERDICTS if v != "expected-divergence"} == \
            {v: cell.counts[v] for v in VERDICTS if v != "expected-divergence"}
        compared = [r["margin"] for r in rows if not is_catalog(r) and (r["concept"], r["witness_a"], r["witness_b"])
                    == (row.concept, row.witness_a, row.witness_b) and r["verdict"] in ("agree", "disagree")]
        assert same(row.max_margin, max(compared, default=math.nan))  # never a naive mapping's margin


def test_the_scoreboard_shows_the_roll_up_cells(rows):
    board = scoreboard(rows)
    for key, cell in by_pair(rows).items():
        assert board[key]["all"].counts == cell.counts
        assert same(board[key]["all"].max_margin, cell.max_margin)


def test_the_terminal_table_shows_the_roll_up_per_concept(rows):
    buffer = io.StringIO()
    Console(file=buffer, width=80, color_system=None).print(summary_table([harness.Record(**r) for r in rows]))
    lines = {line.split()[0]: line.split()[1:] for line in buffer.getvalue().splitlines() if line.strip()}
    for concept, cell in by_concept(rows).items():
        printed = lines[concept]
        assert printed[-1] == f"{cell.max_margin:.2g}"
        assert [int(n) for n in printed[:-1]] == [cell.counts[v] for v in VERDICTS if cell.counts[v]]
        summed = sum(1 for r in rows if r["concept"] == concept)
        assert cell.total == summed
