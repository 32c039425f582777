"""The one progress bar of Rosetta: transient, on the console, silent when it is not a terminal."""

from __future__ import annotations

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def progress_bar(console) -> Progress:
    """A bar that disappears when done; disabled when ``console`` is None or not a terminal."""
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True, disable=console is None or not console.is_terminal)
