"""The summary table ``rosetta run`` prints: rows by verdict and the largest margin, per concept.

Figures come from :mod:`comparisons.rollup`, like summary.csv and the scoreboard.
Concept names are never cut: at 80 columns every row stays identifiable. Titles,
headers and the footer are in the run's language (``--lang``).
"""

from __future__ import annotations

from rich import box
from rich.table import Table

from comparisons.agreement import VERDICTS
from comparisons.i18n import N_, Language, language
from comparisons.rollup import by_concept, cell_of

STYLE = {"agree": "green", "disagree": "bold red", "error": "bold red", "expected-divergence": "yellow", "skipped": "dim"}
HEADERS = {
    "agree": N_("agree"),
    "disagree": N_("disagree"),
    "expected-divergence": N_("exp.div"),
    "error": N_("error"),
    "skipped": N_("skip"),
}
"""Short column headers, so that the longest concept name fits an 80-column terminal."""


def summary_table(records, lang: Language | None = None) -> Table:
    """One line per concept: its row counts by verdict and its largest compared margin."""
    _ = (lang or language()).gettext
    rows = [vars(r) for r in records]
    table = Table(title=_("Agreement by concept"), box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    table.add_column(_("concept"), no_wrap=True)
    for verdict in VERDICTS:
        table.add_column(_(HEADERS[verdict]), justify="right", style=STYLE[verdict], no_wrap=True)
    table.add_column(_("margin"), justify="right", no_wrap=True)
    for concept, cell in by_concept(rows).items():
        table.add_row(concept, *(str(cell.counts[v] or "") for v in VERDICTS), _margin(cell.max_margin))
    total = cell_of(rows)
    table.add_row(_("all"), *(str(total.counts[v] or "") for v in VERDICTS), "", style="bold")
    return table


def _margin(value: float) -> str:
    return "-" if value != value else f"{value:.2g}"


def print_summary(records, console, lang: Language | None = None) -> None:
    _ = (lang or language()).gettext
    console.print(summary_table(records, lang))
    console.print(_("margin: largest |a-b| / (atol + rtol|b|) over compared rows; 1 = tolerance"), style="dim")
