"""Every executor gives the same rows: this process, local harness processes, a Dask cluster."""

import pytest

from comparisons import harness
from comparisons.registry import load_all
from comparisons.report.tables import results_frame
from comparisons.runner import run_with_progress

# One process sets up the module fixture (--dist loadgroup), not each of them.
pytestmark = pytest.mark.xdist_group("executors")

CONCEPTS = ("min_max_normalize", "standardize")
CONFIG = harness.RunConfig(frameworks=("torch",))


def rows_without_timing(result):
    return results_frame(result.records).drop(columns=list(harness.TIMING_COLUMNS)).to_csv(index=False)


@pytest.fixture(scope="module")
def local_rows():
    concepts = [load_all()[name] for name in CONCEPTS]
    return rows_without_timing(run_with_progress(concepts, ["float32"], [0, 1], CONFIG))


def test_local_processes_give_the_same_rows(local_rows):
    concepts = [load_all()[name] for name in CONCEPTS]
    assert rows_without_timing(run_with_progress(concepts, ["float32"], [0, 1], CONFIG, workers=2)) == local_rows


def test_a_dask_cluster_gives_the_same_rows(local_rows):
    import dask
    from distributed import LocalCluster

    concepts = [load_all()[name] for name in CONCEPTS]
    # A Dask worker is a daemon process by default, and daemons cannot start the witness workers.
    with dask.config.set({"distributed.worker.daemon": False}):
        with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True) as cluster:
            result = run_with_progress(concepts, ["float32"], [0, 1], CONFIG, scheduler=cluster.scheduler_address)
    assert rows_without_timing(result) == local_rows
