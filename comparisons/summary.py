"""The summary table ``rosetta run`` prints: rows by verdict, per concept."""

from __future__ import annotations

from collections import Counter, defaultdict

from rich.table import Table

from comparisons.agreement import VERDICTS

STYLE = {"agree": "green", "disagree": "bold red", "error": "bold red", "expected-divergence": "yellow", "skipped": "dim"}


def print_summary(records, console) -> None:
    """Print one line per concept with its row counts by verdict and its largest margin."""
    counts: dict[str, Counter] = defaultdict(Counter)
    margins: dict[str, float] = defaultdict(float)
    for record in records:
        counts[record.concept][record.verdict] += 1
        if record.verdict == "agree":
            margins[record.concept] = max(margins[record.concept], record.margin)
    table = Table(title="Agreement by concept")
    table.add_column("concept")
    for verdict in VERDICTS:
        table.add_column(verdict, justify="right", style=STYLE[verdict])
    table.add_column("max margin (agree)", justify="right")
    for concept, counter in counts.items():
        table.add_row(concept, *(str(counter[v] or "") for v in VERDICTS), f"{margins[concept]:.3g}")
    total = Counter(r.verdict for r in records)
    table.add_row("all", *(str(total[v] or "") for v in VERDICTS), "", style="bold")
    console.print(table)
