"""``rosetta show NAME``: the three implementations side by side in the terminal."""

from __future__ import annotations

from pathlib import Path

from rich.columns import Columns
from rich.panel import Panel
from rich.syntax import Syntax

from comparisons.registry import Concept, source_of


def _panel(title: str, functions) -> Panel:
    code = "\n\n".join(source_of(f) for f in functions if f is not None) or "# no implementation"
    return Panel(Syntax(code, "python", word_wrap=True), title=title)


def show_concept(concept: Concept, console, results_dir: Path | None = None) -> None:
    """Print the summary, then NumPy, PyTorch and TensorFlow in three columns."""
    console.print(f"[bold]{concept.name}[/] ({concept.family}): {concept.summary}")
    panels = [
        _panel("NumPy (hand-derived)", concept.reference),
        _panel("PyTorch", [concept.torch]),
        _panel("TensorFlow", [concept.tensorflow]),
    ]
    console.print(Columns(panels, equal=True, expand=True))
