"""reference.parallel (passes split over threads) and reference.scratch (reused buffers)."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from reference import parallel
from reference.scratch import release, scratch


@pytest.mark.parametrize("length, parts", [(10, 3), (2, 2), (1, 4), (7, 1), (3, 8)])
def test_chunks_cover_the_range_in_order_without_empty_parts(length, parts):
    pieces = parallel.chunks(length, parts)
    assert [i for piece in pieces for i in range(length)[piece]] == list(range(length))
    assert all(piece.stop > piece.start for piece in pieces) and len(pieces) == min(parts, length)


@pytest.mark.parametrize("threads", [1, 2])
def test_blas_threads_follow_the_limit(threads):
    with threadpool_limits(threads):
        assert parallel.blas_threads() == threads


@pytest.mark.parametrize("limit, cores, expected", [(1, 16, 1), (2, 16, 2), (2, 2, 1), (4, 5, 2), (8, 4, 1)])
def test_helpers_run_only_on_cores_the_blas_leaves_free(monkeypatch, limit, cores, expected):
    monkeypatch.setattr(parallel, "blas_threads", lambda: limit)
    monkeypatch.setattr(parallel, "cores", lambda: cores)
    assert parallel.thread_count() == expected


def test_run_split_covers_every_index_once_and_uses_the_threads(monkeypatch):
    seen, names = np.zeros(50, dtype=int), set()

    def task(part):
        seen[part] += 1
        names.add(threading.current_thread().name)

    monkeypatch.setattr(parallel, "cores", lambda: 4)  # two free cores, whatever this machine has
    with threadpool_limits(2):
        parallel.run_split(50, task)
    assert (seen == 1).all() and len(names) == 2
    with threadpool_limits(1):
        names.clear()
        parallel.run_split(50, task)
    assert names == {threading.current_thread().name}  # one thread: the caller's, no pool


def test_run_split_raises_a_workers_error(monkeypatch):
    def task(part):
        if part.start > 0:
            raise RuntimeError("worker failed")

    monkeypatch.setattr(parallel, "thread_count", lambda: 2)
    with pytest.raises(RuntimeError, match="worker failed"):
        parallel.run_split(10, task)


def test_scratch_reuses_memory_per_role_and_dtype_and_grows():
    release()
    a = scratch("t", (3, 4), np.float32)
    b = scratch("t", (2, 6), np.float32)
    assert np.shares_memory(a, b) and b.shape == (2, 6)
    assert not np.shares_memory(a, scratch("other", (3, 4), np.float32))
    assert not np.shares_memory(a, scratch("t", (3, 4), np.float64))
    big = scratch("t", (100,), np.float32)
    assert big.shape == (100,) and not np.shares_memory(a, big)  # grown: a new buffer
    release()


def test_scratch_is_per_thread():
    mine = scratch("per-thread", (8,), np.float64)
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(scratch("per-thread", (8,), np.float64)))
    worker.start()
    worker.join()
    assert not np.shares_memory(mine, theirs[0])
