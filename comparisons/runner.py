"""Drive the harness over many units of work with a progress bar."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from comparisons import harness


def run_with_progress(concepts, dtypes, seeds, console) -> list[harness.Record]:
    """Run every (concept, dtype, seed); show a progress bar when the output is a terminal."""
    total = len(harness.units(concepts, dtypes, seeds))
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("comparing", total=total)

        def advance(name):
            bar.update(task, advance=1, description=name)

        return harness.run(concepts, dtypes, seeds, progress=advance)
