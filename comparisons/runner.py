"""Drive the harness over many units of work: here, in local processes, or on a Dask cluster.

Each concept (all its dtypes and seeds) is one task. ``workers == 1`` runs the tasks in
this process; ``workers > 1`` in a pool of spawned harness processes; a scheduler
address sends the same tasks to a Dask distributed cluster. Every harness process has
its own witness workers. Rows are put back in registry order, so the results do not
depend on the executor.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator

from comparisons import harness
from comparisons.progress import progress_bar


class WorkerLost(RuntimeError):
    """A harness process died (killed, out of memory): the run cannot be completed."""


@functools.cache
def process_pool() -> harness.WorkerPool:
    """This harness process's witness workers, started once and kept for every task it runs."""
    pool = harness.WorkerPool()
    atexit.register(pool.close)
    return pool


def run_concept_units(name: str, dtypes: list[str], seeds: list[int], config: harness.RunConfig) -> harness.RunResult:
    """Every dtype and seed of one concept, with this process's witness workers (one task)."""
    concept = harness.load_all()[name]
    result = harness.RunResult()
    with harness.reference_threads():
        pending = [harness.start_concept(concept, dtype, seed, process_pool(), config) for dtype in dtypes for seed in seeds]
        for finish in pending:
            result.extend(finish())
    return result


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    """Local harness processes, or a Dask cluster's workers (the client is closed afterwards)."""
    if scheduler:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client, client.get_executor() as executor:
            yield executor
        return
    context = multiprocessing.get_context("spawn")  # fork after importing a framework is unsafe
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as executor:
        yield executor


def run_with_progress(
    concepts, dtypes, seeds, config: harness.RunConfig = harness.RunConfig(), console=None, *,
    workers: int = 1, scheduler: str | None = None, pool: harness.WorkerPool | None = None,
    concept_done: Callable[[str, harness.RunResult], None] | None = None,
) -> harness.RunResult:
    """Run every (concept, dtype, seed), showing a progress bar on a terminal.

    In this process (``workers`` 1, no scheduler) the run uses ``pool``'s witness workers
    when it is given, and leaves them running. ``concept_done`` is given each concept's
    name and rows as soon as they are all in.

    Raises
    ------
    WorkerLost
        When a harness process dies; nothing is returned and no report is written.
    """
    concepts, dtypes, seeds = list(concepts), list(dtypes), list(seeds)
    with progress_bar(console) as bar:
        if workers <= 1 and not scheduler:
            task = bar.add_task("comparing", total=len(harness.units(concepts, dtypes, seeds)))
            return harness.run(
                concepts, dtypes, seeds, config, progress=lambda name: bar.update(task, advance=1, description=name),
                pool=pool, concept_done=concept_done,
            )
        task = bar.add_task("comparing", total=len(concepts))
        by_concept: dict[str, harness.RunResult] = {}
        try:
            with _executor(workers, scheduler) as executor:
                futures = {executor.submit(run_concept_units, c.name, dtypes, seeds, config): c.name for c in concepts}
                for future in as_completed(futures):
                    name = futures[future]
                    by_concept[name] = future.result()
                    bar.update(task, advance=1, description=name)
                    if concept_done:
                        concept_done(name, by_concept[name])
        except BrokenProcessPool as error:
            raise WorkerLost(f"a harness process died ({error}); the previous report is left as it was") from None
        result = harness.RunResult()
        for concept in concepts:
            result.extend(by_concept[concept.name])
        return result
