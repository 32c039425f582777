"""Shared fixtures: quiet TensorFlow, the registry loaded once."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest

from comparisons.registry import load_all


@pytest.fixture(scope="session")
def registry():
    return load_all()
