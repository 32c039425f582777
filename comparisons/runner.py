"""Drive the harness over many units of work, in this process or in worker processes.

With ``workers > 1`` each concept (all its dtypes and seeds) is one task for a pool
of spawned processes, each importing its own frameworks. Rows are put back in
registry order, so the results do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from comparisons import harness


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory): the run cannot be completed."""


def run_concept_units(name: str, dtypes: list[str], seeds: list[int], time_limit: float) -> list[harness.Record]:
    """Every dtype and seed of one concept; runs inside a worker process."""
    harness.TIME_LIMIT = time_limit
    concept = harness.load_all()[name]
    return [r for d in dtypes for s in seeds for r in harness.run_concept(concept, d, s)]


def _progress_bar(console):
    columns = (TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console, transient=True, disable=console is None or not console.is_terminal)


def run_with_progress(concepts, dtypes, seeds, console=None, *, workers: int = 1) -> list[harness.Record]:
    """Run every (concept, dtype, seed), showing a progress bar on a terminal.

    Raises
    ------
    WorkerLost
        When a worker process dies; nothing is returned and no report is written.
    """
    concepts = list(concepts)
    with _progress_bar(console) as bar:
        if workers <= 1:
            task = bar.add_task("comparing", total=len(harness.units(concepts, dtypes, seeds)))
            return harness.run(concepts, dtypes, seeds, progress=lambda name: bar.update(task, advance=1, description=name))
        task = bar.add_task("comparing", total=len(concepts))
        by_concept: dict[str, list[harness.Record]] = {}
        context = multiprocessing.get_context("spawn")  # fork after importing torch or TF is unsafe
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = {
                    pool.submit(run_concept_units, c.name, list(dtypes), list(seeds), harness.TIME_LIMIT): c.name
                    for c in concepts
                }
                for future in as_completed(futures):
                    by_concept[futures[future]] = future.result()
                    bar.update(task, advance=1, description=futures[future])
        except BrokenProcessPool as error:
            raise WorkerLost(f"a worker process died ({error}); the previous report is left as it was") from None
        return [r for c in concepts for r in by_concept[c.name]]
