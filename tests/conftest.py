"""Shared fixtures: quiet TensorFlow, the registry loaded once, one set of witness workers per test process."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest

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
