"""Shared fixtures: quiet TensorFlow, the registry loaded once, one set of witness workers per test process."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest
from hypothesis import settings

from comparisons.registry import load_all
from comparisons.witnesses.pool import WorkerPool


@pytest.fixture(scope="session")
def registry():
    return load_all()


@pytest.fixture(scope="session")
def pool():
    """The framework worker processes of this test process, started on first use."""
    with WorkerPool() as workers:
        yield workers


# Hypothesis draws the same examples on every run, so CI passes or fails on the code,
# not on the draw; `pytest --hypothesis-profile=explore` draws fresh examples.
settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile("default")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Refuse to run when ``--dist loadgroup`` would not group (pytest 9.2 with pytest-xdist 3.8).

    Ungrouped, every process runs the samples of a concept again and the module fixtures
    that build reports: the suite still passes, in twice the time.
    """
    result = yield
    # pytest-xdist marks a worker's items when the run was started with --dist loadgroup
    if config.getoption("loadgroup", False) and any(
        item.get_closest_marker("xdist_group") and "@" not in item.nodeid for item in items
    ):
        raise pytest.UsageError("pytest-xdist does not group tests with this pytest; install with -c constraints.txt")
    return result
