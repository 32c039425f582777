"""``rosetta show NAME``: the implementations side by side in the terminal.

The same view as a concept page of the HTML report: summary, math (as LaTeX
source), NumPy and every framework's version with the commented lines (the
conversions each framework needs) listed under each, and, when a run has written
``<out>/summary.csv``, the latest agreement figures per witness pair. On a terminal
too narrow for every column the versions follow one another.
"""

from __future__ import annotations

import csv
from pathlib import Path

from rich.console import Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from comparisons.registry import Concept
from comparisons.report.html import FRAMEWORK_LABELS, WITNESS_ORDER, shown_blocks
from comparisons.report.sources import CodeBlock, code_block
from comparisons.summary import STYLE

FIGURE_COLUMNS = ("agree", "disagree", "expected-divergence", "error", "skipped")
GRADIENT_BY = {"torch": "torch.autograd", "tensorflow": "tf.GradientTape", "jax": "jax.vjp", "paddle": "paddle.grad"}
COLUMN_WIDTH = 48
"""Narrowest readable code column: below this width per version, versions are stacked."""


def _panel(title: str, blocks: list[CodeBlock]) -> Panel:
    parts = []
    for block in blocks:
        if parts:
            parts.append(Text(""))
        if block.missing:
            parts.append(Text(block.missing, style="dim italic"))
            continue
        lines = {line for line, _ in block.notes}
        parts.append(Syntax(block.source.rstrip(), "python", word_wrap=True, highlight_lines=lines))
        for line, note in block.notes:
            parts.append(Text(f"  line {line}: {note}", style="yellow"))
    return Panel(Group(*parts), title=title, title_align="left")


def latest_figures(concept: str, results_dir: Path | None) -> list[dict] | None:
    """The rows of ``<results_dir>/summary.csv`` for ``concept``; ``None`` when there is no such file."""
    if results_dir is None:
        return None
    path = Path(results_dir) / "summary.csv"
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row.get("concept") == concept]


def figures_table(concept: str, rows: list[dict], source: Path) -> Table:
    """Agreement per witness pair: rows by verdict, the largest margin and the cell's verdict."""
    table = Table(title=f"latest agreement of {concept} ({source})", title_justify="left")
    table.add_column("pair")
    for column in FIGURE_COLUMNS:
        table.add_column(column, justify="right", style=STYLE[column])
    table.add_column("max margin", justify="right")
    table.add_column("verdict")
    def order(row):
        return tuple(WITNESS_ORDER.index(w) if w in WITNESS_ORDER else len(WITNESS_ORDER) for w in (row["witness_a"], row["witness_b"]))

    for row in sorted(rows, key=order):
        margin = row.get("max_margin", "")
        try:
            margin = f"{float(margin):.3g}"
        except ValueError:
            pass
        verdict = row.get("verdict", "")
        table.add_row(
            f"{row['witness_a']} ~ {row['witness_b']}",
            *(row.get(c, "") if row.get(c, "0") != "0" else "" for c in FIGURE_COLUMNS),
            margin,
            Text(verdict, style=STYLE.get(verdict, "")),
        )
    return table


def show_concept(concept: Concept, console, results_dir: Path | None = None) -> None:
    """Print the summary and math, NumPy and every framework in columns, then the latest figures."""
    console.print(f"[bold]{concept.name}[/] ({concept.family}): {concept.summary}", highlight=False)
    if concept.tutorial:
        console.print(f"[dim]tutorial idea:[/] {concept.tutorial}", highlight=False)
    for label, latex in (("forward", concept.forward_math), ("gradient", concept.backward_math)):
        if latex:
            console.print(Text.assemble((f"{label}: ", "dim"), latex))
    numpy_blocks = [code_block(title, f) for title, f in shown_blocks(concept, "numpy", "forward")]
    if concept.reference[1] is not None:
        numpy_blocks.append(code_block("backward", concept.reference[1]))
    panels = [_panel("NumPy (forward + hand-derived backward)", numpy_blocks)]
    for framework, label in FRAMEWORK_LABELS.items():
        missing = concept.no_version.get(framework, f"no {label} version")
        blocks = [code_block(title, f) for title, f in shown_blocks(concept, framework, "forward")]
        panels.append(_panel(f"{label} (gradient: {GRADIENT_BY[framework]})",
                             blocks or [code_block("forward", None, missing=missing)]))
    if console.width >= COLUMN_WIDTH * len(panels):
        grid = Table.grid(expand=True, padding=(0, 1))
        for _ in panels:
            grid.add_column(ratio=1)
        grid.add_row(*panels)
        console.print(grid)
    else:
        for panel in panels:
            console.print(panel)
    rows = latest_figures(concept.name, results_dir)
    if rows is None:
        where = f" in {results_dir}" if results_dir is not None else ""
        console.print(f"[dim]no run found{where}: `rosetta run --concept {concept.name}` adds the agreement figures[/]")
    elif not rows:
        console.print(f"[dim]{Path(results_dir) / 'summary.csv'} has no rows for {concept.name}[/]")
    else:
        console.print(figures_table(concept.name, rows, Path(results_dir) / "summary.csv"))
