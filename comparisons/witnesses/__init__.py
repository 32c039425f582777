"""Witnesses: the NumPy reference in the harness, every framework in a worker process of its own.

:data:`FRAMEWORKS` describes each framework witness: its adapter (the framework side,
:mod:`comparisons.witnesses.adapter`), the distribution that installs it, and whether a
missing install is an ``error`` (a dependency of Rosetta itself) or ``skipped`` (an
extra). :mod:`comparisons.witnesses.pool` starts and talks to the workers;
:mod:`comparisons.witnesses.protocol` is what they say to each other. Adding a
framework is one adapter module, one entry here and one tree under ``framework_impls/``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass

from comparisons.witnesses.adapter import as_gradients, as_outputs, gradient_name

__all__ = ["FRAMEWORKS", "NUMPY", "ONNX", "Framework", "as_gradients", "as_outputs", "environment", "gradient_name"]

NUMPY = "numpy"
ONNX = "onnx"
"""The worker of the concepts' extra, forward-only witnesses (ONNX Runtime and exporters)."""


@dataclass(frozen=True)
class Framework:
    """A witness that runs in its own worker process."""

    name: str
    adapter: str
    module: str
    distributions: tuple[str, ...]
    required: bool
    extra: str = ""

    def version(self) -> str | None:
        """The installed version, read from package metadata without importing the framework."""
        for distribution in self.distributions:
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None

    def missing_reason(self) -> str:
        """Why the framework cannot run, judged without importing it ("" when it looks installed)."""
        try:
            found = importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):  # a broken or half-removed install
            found = False
        if found:
            return ""
        install = f" (pip install 'rosetta[{self.extra}]')" if self.extra else ""
        return f"{self.module} is not installed{install}"

    def make_adapter(self):
        module, name = self.adapter.split(":")
        return getattr(importlib.import_module(module), name)()


FRAMEWORKS: dict[str, Framework] = {
    framework.name: framework
    for framework in (
        Framework("torch", "comparisons.witnesses.torch_adapter:TorchAdapter", "torch", ("torch",), required=True),
        Framework(
            "tensorflow", "comparisons.witnesses.tensorflow_adapter:TensorflowAdapter", "tensorflow",
            ("tensorflow-cpu", "tensorflow"), required=True,
        ),
        Framework("jax", "comparisons.witnesses.jax_adapter:JaxAdapter", "jax", ("jax",), required=False, extra="jax"),
        Framework(
            "paddle", "comparisons.witnesses.paddle_adapter:PaddleAdapter", "paddle", ("paddlepaddle",),
            required=False, extra="paddle",
        ),
        Framework(
            ONNX, "comparisons.witnesses.adapter:ArrayAdapter", "onnx", ("onnx",),
            required=False, extra="deployment",
        ),
    )
}
"""Framework witnesses in comparison order; ``onnx`` hosts the concepts' extra witnesses."""


def environment() -> dict:
    """Versions of Python, NumPy and every framework, and the machine, for environment.json."""
    import os
    import platform

    import numpy as np

    from comparisons.witnesses.adapter import THREADS

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        **{name: framework.version() for name, framework in FRAMEWORKS.items()},
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": THREADS,
    }
