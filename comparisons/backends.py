"""Witness adapters: run one concept's implementation on NumPy inputs, return NumPy results.

Each witness turns the same NumPy arrays into its own tensors (``to_tensor``), runs
the concept's implementation, takes gradients of ``sum(out * dout)`` for the seeded
upstream gradient ``dout`` (``vjp``: the hand-written backward for NumPy,
``torch.autograd.grad`` or ``tf.GradientTape.gradient(output_gradients=...)`` for
the frameworks) and hands NumPy arrays back (``to_numpy``).

A run is split in two phases, :meth:`Witness.forward` and the pullback it returns,
because ``dout`` is drawn with the shape of the forward output.

Frameworks are imported on first use. A framework that cannot be imported makes
:meth:`Witness.available` false, and the harness records ``skipped`` rows for it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
from typing import Any, Callable, Mapping

import numpy as np

from comparisons.registry import Concept

Results = dict[str, np.ndarray]
Pullback = Callable[[np.ndarray], Results]

THREADS = 1
"""Intra-op threads for every framework in ``rosetta run``: results must not depend on the core count."""


def gradient_name(input_name: str) -> str:
    """Quantity name of the gradient with respect to an input: ``x`` -> ``dx``."""
    return f"d{input_name}"


def as_outputs(result: Any) -> dict[str, Any]:
    """Forward results as named quantities: a bare array is ``{"out": array}``."""
    return dict(result) if isinstance(result, Mapping) else {"out": result}


def as_gradients(grads: Any, grad_wrt: tuple[str, ...]) -> list[Any]:
    """Gradients as a list in ``grad_wrt`` order (a bare array stands for one)."""
    grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
    if len(grads) != len(grad_wrt):
        raise ValueError(f"backward returned {len(grads)} gradients for {len(grad_wrt)} inputs {grad_wrt}")
    return grads


@contextlib.contextmanager
def silenced_stderr():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up log ignores
    ``TF_CPP_MIN_LOG_LEVEL`` once the process has started."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Witness:
    """One way of computing a concept: ``numpy``, ``torch``, ``tensorflow``."""

    name = ""
    module = ""

    def __init__(self):
        self._framework = None
        self._import_error: str | None = None

    def _import(self):
        """Import and configure the framework; raise ImportError if it is missing."""
        raise NotImplementedError

    @property
    def framework(self):
        if self._framework is None and self._import_error is None:
            try:
                self._framework = self._import()
            except Exception as error:  # a broken install is as good as a missing one
                self._import_error = f"{self.module} cannot be imported: {type(error).__name__}: {error}"
        if self._framework is None:
            raise ImportError(self._import_error)
        return self._framework

    def available(self) -> bool:
        try:
            self.framework
        except ImportError:
            return False
        return True

    def unavailable_reason(self) -> str:
        return self._import_error or ""

    distributions: tuple[str, ...] = ()

    def version(self) -> str | None:
        """The installed version, read from package metadata without importing the framework."""
        for distribution in self.distributions:
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None

    def to_tensor(self, array: np.ndarray, requires_grad: bool = False):
        raise NotImplementedError

    def to_numpy(self, value) -> np.ndarray:
        raise NotImplementedError

    def forward(self, concept: Concept, inputs: Mapping[str, np.ndarray], params: Mapping) -> tuple[Results, Pullback]:
        """Run the forward pass; return its outputs and a function ``dout -> gradients``."""
        raise NotImplementedError


class NumpyWitness(Witness):
    """The hand-written reference: ``forward`` then ``backward(dout, cache)``."""

    name = module = "numpy"
    distributions = ("numpy",)

    def _import(self):
        return np

    def to_tensor(self, array, requires_grad=False):
        return np.array(array)

    def to_numpy(self, value):
        return np.asarray(value)

    def forward(self, concept, inputs, params):
        forward, backward = concept.reference
        out, cache = forward(*(self.to_tensor(v) for v in inputs.values()), **params)
        outputs = {k: self.to_numpy(v) for k, v in as_outputs(out).items()}

        def pullback(dout):
            grads = as_gradients(backward(dout, cache), concept.grad_wrt)
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(concept.grad_wrt, grads)}

        return outputs, pullback


class TorchWitness(Witness):
    """PyTorch built-ins, gradients from ``torch.autograd.grad``."""

    name = module = "torch"
    distributions = ("torch",)

    def _import(self):
        import torch

        torch.set_num_threads(THREADS)
        torch.use_deterministic_algorithms(True)
        return torch

    def to_tensor(self, array, requires_grad=False):
        tensor = self.framework.tensor(np.asarray(array))  # a copy: implementations cannot touch the inputs
        return tensor.requires_grad_(requires_grad and tensor.is_floating_point())

    def to_numpy(self, value):
        if isinstance(value, self.framework.Tensor):
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def vjp(self, out, tensors, dout):
        grads = self.framework.autograd.grad(out, tensors, grad_outputs=self.to_tensor(dout))
        return [self.to_numpy(g) for g in grads]

    def forward(self, concept, inputs, params):
        tensors = {k: self.to_tensor(v, requires_grad=k in concept.grad_wrt) for k, v in inputs.items()}
        outputs = as_outputs(concept.torch(*tensors.values(), **params))

        def pullback(dout):
            grads = self.vjp(outputs["out"], [tensors[k] for k in concept.grad_wrt], dout)
            return {gradient_name(k): g for k, g in zip(concept.grad_wrt, grads)}

        return {k: self.to_numpy(v) for k, v in outputs.items()}, pullback


class TensorflowWitness(Witness):
    """TensorFlow / Keras built-ins, gradients from ``tf.GradientTape``."""

    name = module = "tensorflow"
    distributions = ("tensorflow-cpu", "tensorflow")

    def _import(self):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        with silenced_stderr():
            import tensorflow as tf
        tf.get_logger().setLevel("ERROR")
        with contextlib.suppress(RuntimeError):  # already configured in this process
            tf.config.threading.set_intra_op_parallelism_threads(THREADS)
            tf.config.threading.set_inter_op_parallelism_threads(THREADS)
        tf.config.experimental.enable_op_determinism()
        return tf

    def to_tensor(self, array, requires_grad=False):
        return self.framework.constant(np.asarray(array))

    def to_numpy(self, value):
        if hasattr(value, "numpy"):
            return np.asarray(value.numpy())
        return np.asarray(value)

    def forward(self, concept, inputs, params):
        tf = self.framework
        tensors = {k: self.to_tensor(v) for k, v in inputs.items()}
        watched = [tensors[k] for k in concept.grad_wrt]
        # Training concepts (no grad_wrt) run their own tapes; record nothing for them.
        with tf.GradientTape(watch_accessed_variables=False) if watched else contextlib.nullcontext() as tape:
            for tensor in watched:
                tape.watch(tensor)
            outputs = as_outputs(concept.tensorflow(*tensors.values(), **params))

        def pullback(dout):
            grads = tape.gradient(outputs["out"], watched, output_gradients=self.to_tensor(dout))
            missing = [k for k, g in zip(concept.grad_wrt, grads) if g is None]
            if missing:
                raise ValueError(f"no gradient flows to {', '.join(missing)}")
            return {gradient_name(k): self.to_numpy(g) for k, g in zip(concept.grad_wrt, grads)}

        return {k: self.to_numpy(v) for k, v in outputs.items()}, pullback


class FunctionWitness(NumpyWitness):
    """A forward-only witness that takes and returns NumPy arrays (a concept's extra witness)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = self.module = name

    def forward(self, concept, inputs, params):
        outputs = as_outputs(concept.extra_witnesses[self.name](*inputs.values(), **params))

        def pullback(dout):
            raise ValueError(f"{self.name} computes no gradients")

        return {k: self.to_numpy(v) for k, v in outputs.items()}, pullback


WITNESSES: dict[str, Witness] = {w.name: w for w in (NumpyWitness(), TorchWitness(), TensorflowWitness())}
"""The implementation witnesses, in comparison order. ``finite-diff`` is in :mod:`comparisons.finite_diff`."""


def environment() -> dict[str, Any]:
    """Versions of Python and every framework, and the machine, for environment.json."""
    versions = {name: witness.version() for name, witness in WITNESSES.items()}
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": versions["torch"],
        "tensorflow": versions["tensorflow"],
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": THREADS,
    }
