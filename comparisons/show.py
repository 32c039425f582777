"""``rosetta show NAME``: the implementations side by side in the terminal.

The same view as a concept page of the HTML report: summary, math (as LaTeX
source), NumPy and every framework's version with the commented lines (the
conversions each framework needs) listed under each, and, when a run has written
``<out>/summary.csv``, the latest agreement figures per witness pair. On a terminal
too narrow for every column the versions follow one another. Every text is in the
language of ``--lang`` (code, identifiers and math stay as they are); at 80 columns
no two rows of the figures print the same (the pair is never cut).
"""

from __future__ import annotations

import csv
from pathlib import Path

from rich import box
from rich.console import Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from comparisons.i18n import Language, language
from comparisons.registry import Concept
from comparisons.report.html import FAMILY_LABELS, FRAMEWORK_LABELS, WITNESS_ORDER, shown_blocks
from comparisons.report.sources import CodeBlock, code_block
from comparisons.summary import HEADERS, STYLE

FIGURE_COLUMNS = ("agree", "disagree", "expected-divergence", "error", "skipped")
GRADIENT_BY = {"torch": "torch.autograd", "tensorflow": "tf.GradientTape", "jax": "jax.vjp", "paddle": "paddle.grad"}
PAIR_WIDTH = len("tensorflow ~ finite-diff")
"""The longest pair of the standard witnesses: the figures' pair column is never narrower."""
COLUMN_WIDTH = 48
"""Narrowest readable code column: below this width per version, versions are stacked."""


def _panel(title: str, blocks: list[CodeBlock], lang: Language) -> Panel:
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
            label = lang.gettext("line {line}").format(line=line)
            parts.append(Text(f"  {label}: {note}", style="yellow"))
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


def figures_table(concept: str, rows: list[dict], source: Path, lang: Language | None = None) -> Table:
    """Agreement per witness pair: rows by verdict, the largest margin and the cell's verdict.

    The pair column is never cut or wrapped, so each row stays identifiable at 80 columns;
    the verdict columns use the summary's short headers.
    """
    lang = lang or language()
    _ = lang.gettext
    table = Table(title=_("latest agreement of {concept} ({source})").format(concept=concept, source=source),
                  title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=0)
    # Never cut: a pair of the five frameworks and finite-diff keeps its line; a longer extra
    # witness's name (ONNX exports) folds onto a second line rather than lose its end.
    table.add_column(_("pair"), overflow="fold", min_width=PAIR_WIDTH)
    for column in FIGURE_COLUMNS:
        table.add_column(_(HEADERS[column]), justify="right", style=STYLE[column], no_wrap=True)
    table.add_column(_("margin"), justify="right", no_wrap=True)
    table.add_column(_("verdict"), no_wrap=True)

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
            Text(_(HEADERS.get(verdict, verdict)), style=STYLE.get(verdict, "")),
        )
    return table


def show_concept(concept: Concept, console, results_dir: Path | None = None, lang: Language | None = None) -> None:
    """Print the summary and math, NumPy and every framework in columns, then the latest figures."""
    lang = lang or language()
    _ = lang.gettext
    family = _(FAMILY_LABELS.get(concept.family, concept.family))
    console.print(Text.assemble((concept.name, "bold"), _(" ({family}): ").format(family=family), _(concept.summary)))
    if concept.tutorial:
        console.print(Text(_("tutorial idea: {idea}").format(idea=_(concept.tutorial))))
    for label, latex in ((_("forward"), concept.forward_math), (_("gradient"), concept.backward_math)):
        if latex:
            console.print(Text.assemble((_("{label}: ").format(label=label), "dim"), latex))
    numpy_blocks = [code_block(title, f) for title, f in shown_blocks(concept, "numpy", _("forward"))]
    if concept.reference[1] is not None:
        numpy_blocks.append(code_block(_("backward"), concept.reference[1]))
    panels = [_panel(_("NumPy (forward + hand-derived backward)"), numpy_blocks, lang)]
    for framework, label in FRAMEWORK_LABELS.items():
        if framework in concept.no_version:
            missing = _(concept.no_version[framework])
        else:
            missing = _("no {framework} version").format(framework=label)
        blocks = [code_block(title, f) for title, f in shown_blocks(concept, framework, _("forward"))]
        title = _("{framework} (gradient: {autograd})").format(framework=label, autograd=GRADIENT_BY[framework])
        panels.append(_panel(title, blocks or [code_block(_("forward"), None, missing=missing)], lang))
    if console.width >= COLUMN_WIDTH * len(panels):
        grid = Table.grid(expand=True, padding=(0, 1))
        for _panel_ in panels:
            grid.add_column(ratio=1)
        grid.add_row(*panels)
        console.print(grid)
    else:
        for panel in panels:
            console.print(panel)
    rows = latest_figures(concept.name, results_dir)
    if rows is None:
        if results_dir is not None:
            where = _("no run found in {folder}").format(folder=results_dir)
        else:
            where = _("no run found")
        hint = _("{where}: `rosetta run --concept {name}` adds the agreement figures").format(where=where, name=concept.name)
        console.print(Text(hint, style="dim"))
    elif not rows:
        console.print(Text(_("{path} has no rows for {name}").format(path=Path(results_dir) / "summary.csv", name=concept.name),
                           style="dim"))
    else:
        console.print(figures_table(concept.name, rows, Path(results_dir) / "summary.csv", lang))
