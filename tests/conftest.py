"""Shared fixtures: quiet TensorFlow, a registry loaded once, small planted concepts."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest

from comparisons.registry import load_all

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def registry():
    return load_all()


def rosetta_command(*args):
    """The command line that runs ``rosetta`` with this interpreter."""
    return [sys.executable, "-m", "comparisons", *args]
