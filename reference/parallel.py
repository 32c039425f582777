"""Memory-bound NumPy passes (copies, additions) split over threads.

NumPy releases the GIL inside a copy or a ufunc on large arrays, so slices of one pass can
run in parallel threads. The number of threads follows the BLAS limit in effect: what
``threadpoolctl.threadpool_limits(n)`` sets (``rosetta bench`` times at 1 and 2 threads this
way), or OpenBLAS's own default (the number of cores, or ``OPENBLAS_NUM_THREADS``). So a
limit on the matrix products limits these passes too, and one thread runs everything in the
caller's thread, exactly as plain NumPy would.

Helpers only run on cores the BLAS leaves free: after each product OpenBLAS's worker threads
spin for a while before they sleep, so a copy thread on their core has to take it from a
spinning worker. On a 2-core machine at a BLAS limit of 2 the copies therefore stay in the
caller's thread.
"""

import os
from concurrent.futures import ThreadPoolExecutor

_blas = None
_pool = None


def blas_threads():
    """Threads the BLAS may use now (threadpoolctl's view of it); 1 when that cannot be read."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return 1
        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
    return max([1] + [library.get_num_threads() or 1 for library in _blas])


def cores():
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def thread_count():
    """Threads for a split pass: the BLAS limit, but only the caller plus the cores the BLAS leaves free."""
    limit = blas_threads()
    return max(1, min(limit, 1 + cores() - limit))


def chunks(length, parts):
    """``parts`` consecutive slices covering ``range(length)``, as equal as possible (none empty)."""
    parts = max(1, min(parts, length))
    bounds = [length * k // parts for k in range(parts + 1)]
    return [slice(start, stop) for start, stop in zip(bounds, bounds[1:])]


def run_split(length, task, min_length=2):
    """Call ``task(part)`` for slices ``part`` covering ``range(length)``, one per thread.

    The first slice runs in the calling thread; the call returns when all are done (and
    re-raises the first error). ``task`` must only touch its own slice of every array.
    """
    parts = chunks(length, thread_count() if length >= min_length else 1)
    if len(parts) == 1:
        task(parts[0])
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="reference")
    futures = [_pool.submit(task, part) for part in parts[1:]]
    task(parts[0])
    for future in futures:
        future.result()
