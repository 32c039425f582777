"""The catalog of concepts: what is compared, on which inputs, within which tolerance.

Every concept family lives in one module of ``comparisons/concepts/`` that builds
:class:`Concept` records and passes them to :func:`register`. :data:`REGISTRY` maps
concept names to concepts once every family module has been imported; the harness,
the tests and the reports read nothing else.

Framework implementations are referred to lazily (:func:`torch_impl`,
:func:`tf_impl`) so that listing concepts, or running on a machine without
TensorFlow, never imports a framework.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

Inputs = Mapping[str, np.ndarray]

FAMILIES = (
    "activations",
    "losses",
    "normalization",
    "broadcasting",
    "networks",
    "convolution",
    "optimizers",
    "layers",
    "init",
    "deployment",
)
"""The ``--family`` names, in the order the report lists them."""

DTYPES = ("float32", "float64")
"""Floating dtypes a run can use."""


@dataclass(frozen=True)
class Tolerance:
    """Allowed difference ``|a - b| <= atol + rtol * |b|``, with the reason it is this wide."""

    atol: float
    rtol: float
    reason: str


DEFAULT_TOLERANCE: Mapping[str, Tolerance] = {
    "float32": Tolerance(
        atol=1e-6,
        rtol=1e-5,
        reason="float32 has a 24-bit mantissa (eps 1.2e-7); a few roundings in "
        "different order give differences of a few ulp.",
    ),
    "float64": Tolerance(
        atol=1e-12,
        rtol=1e-10,
        reason="float64 (eps 2.2e-16): only summation order differs between libraries.",
    ),
    "finite-diff": Tolerance(
        atol=1e-6,
        rtol=1e-5,
        reason="central differences in float64 with step 1e-6 * max(1, |x|): truncation "
        "error O(h^2) plus rounding error O(eps / h), about 1e-10 relative to the "
        "function's scale, loosened for the curvature of steep functions.",
    ),
}
"""Used for every dtype (and the finite-difference witness) a concept does not override."""


@dataclass(frozen=True)
class Sample:
    """One named input case of a concept.

    Parameters
    ----------
    name : str
        Short, readable, unique within the concept (``"stride2-same-pad"``).
    inputs : mapping of str to ndarray, or callable
        The positional inputs of the forward function, in call order. Either fixed
        float64 arrays (edge cases such as ``x = [0, 20, -100]``) or a function of a
        ``np.random.Generator`` that draws them; the harness seeds that generator
        with ``[seed, crc32(concept), crc32(sample)]``. Floating inputs are drawn in
        float64 and cast once to the run's dtype; integer inputs (class indices)
        keep their dtype.
    params : mapping
        Keyword-only hyper-parameters passed unchanged to every implementation.
    skip : mapping of str to str
        Witnesses that do not apply to this sample, with the reason (for example
        ``{"finite-diff": "relu has no derivative at exactly 0"}``).
    dtypes : tuple of str
        The run dtypes this sample is meant for (edge cases that only overflow in
        float32 can restrict themselves).
    note : str
        What the sample shows, for the report.
    """

    name: str
    inputs: Inputs | Callable[[np.random.Generator], Inputs]
    params: Mapping[str, Any] = field(default_factory=dict)
    skip: Mapping[str, str] = field(default_factory=dict)
    dtypes: tuple[str, ...] = DTYPES
    note: str = ""

    def draw(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """The float64 (or integer) inputs of this sample, drawn from ``rng`` when random."""
        inputs = self.inputs(rng) if callable(self.inputs) else self.inputs
        return {name: np.asarray(value) for name, value in inputs.items()}


@dataclass(frozen=True)
class Divergence:
    """A real difference in framework conventions, tested both ways.

    ``naive`` and ``faithful`` are called like implementations,
    ``naive(*inputs, **params)``, on :attr:`sample` cast to :attr:`dtype`, and each
    returns a pair of arrays ``(a, b)`` computed by ``frameworks[0]`` and
    ``frameworks[1]``. The naive pair must disagree on the installed versions (or the
    catalog entry is out of date) and the faithful pair must agree.
    """

    id: str
    frameworks: tuple[str, str]
    differs: str
    naive: Callable[..., tuple[Any, Any]]
    faithful: Callable[..., tuple[Any, Any]]
    naive_mapping: str
    faithful_mapping: str
    source: str
    sample: Sample
    dtype: str = "float32"
    quantity: str = "out"


@dataclass(frozen=True)
class Concept:
    """One piece of math, written three times, with the samples it is checked on.

    The reference pair follows the cs231n contract: ``forward(*inputs, **params)``
    returns ``(out, cache)`` and ``backward(dout, cache)`` returns one gradient per
    :attr:`grad_wrt` entry, in that order (a bare array when there is one). ``out``
    is an array, or a dict of named arrays whose ``"out"`` entry is the one the
    gradients flow from. The torch and tensorflow callables take the same inputs as
    framework tensors and return the forward output only; their gradients come from
    autograd, driven by :mod:`comparisons.backends`.

    ``forward_math`` and ``backward_math`` are LaTeX for the report; ``benchmarks``
    yields the (larger) samples ``rosetta bench`` times, when they differ from the
    checked ones; ``bench_floor``, given a benchmark sample's inputs and parameters,
    returns a callable that runs only the matrix products of the NumPy reference, so
    that the bench shows how much of the NumPy time is BLAS. ``extra_witnesses`` are
    forward-only witnesses of this concept alone (ONNX Runtime, the ONNX reference
    evaluator): called with the NumPy inputs, they return NumPy outputs.
    """

    name: str
    family: str
    summary: str
    samples: Callable[[np.random.Generator], Iterable[Sample]]
    reference: tuple[Callable, Callable | None]
    torch: Callable | None
    tensorflow: Callable | None
    grad_wrt: tuple[str, ...]
    tolerance: Mapping[str, Tolerance] = field(default_factory=dict)
    divergences: tuple[Divergence, ...] = ()
    seeds_tutorial: str = ""
    forward_math: str = ""
    backward_math: str = ""
    benchmarks: Callable[[np.random.Generator], Iterable[Sample]] | None = None
    bench_floor: Callable[[Inputs, Mapping], Callable[[], object]] | None = None
    extra_witnesses: Mapping[str, Callable] = field(default_factory=dict)

    def tolerance_for(self, key: str) -> Tolerance:
        """The tolerance for a dtype name or ``"finite-diff"``, falling back to the default."""
        return self.tolerance.get(key, DEFAULT_TOLERANCE[key])

    def implementation(self, witness: str) -> Callable | None:
        """The callable a witness runs: the reference forward, or a framework function."""
        if witness == "numpy":
            return self.reference[0]
        return {"torch": self.torch, "tensorflow": self.tensorflow, **self.extra_witnesses}.get(witness)


class LazyFunction:
    """A framework function imported on first use (``"package.module:function"``).

    Keeps ``import comparisons`` free of torch and TensorFlow: a framework is imported
    only when a witness of it actually runs.
    """

    def __init__(self, target: str):
        self.target = target
        self._function: Callable | None = None

    def resolve(self) -> Callable:
        """Import the module and return the function itself."""
        if self._function is None:
            module_name, function_name = self.target.split(":")
            self._function = getattr(importlib.import_module(module_name), function_name)
        return self._function

    def __call__(self, *args, **kwargs):
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LazyFunction({self.target!r})"


def torch_impl(target: str) -> LazyFunction:
    """``torch_impl("activations.sigmoid")`` -> ``framework_impls.torch_impl.activations.sigmoid``."""
    module, function = target.rsplit(".", 1)
    return LazyFunction(f"framework_impls.torch_impl.{module}:{function}")


def tf_impl(target: str) -> LazyFunction:
    """``tf_impl("activations.sigmoid")`` -> ``framework_impls.tf_impl.activations.sigmoid``."""
    module, function = target.rsplit(".", 1)
    return LazyFunction(f"framework_impls.tf_impl.{module}:{function}")


def source_of(function: Callable) -> str:
    """Source text of an implementation.

    A :class:`LazyFunction` is read from its module's file without importing it, so
    the report can show TensorFlow code without paying for (or needing) TensorFlow.
    """
    if not isinstance(function, LazyFunction):
        return inspect.getsource(function)
    module_name, function_name = function.target.split(":")
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise OSError(f"no source file for {module_name}")
    with open(spec.origin, encoding="utf-8") as handle:
        text = handle.read()
    lines = text.splitlines(keepends=True)
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == function_name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "".join(lines[first - 1 : node.end_lineno])
    raise OSError(f"{function_name} is not defined at the top of {module_name}")


def crc32(text: str) -> int:
    """A stable 32-bit hash of a name (Python's ``hash()`` is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def sample_rng(seed: int, concept: str, sample: str) -> np.random.Generator:
    """The generator that draws one sample's inputs and its upstream gradient."""
    return np.random.default_rng([seed, crc32(concept), crc32(sample)])


def concept_rng(seed: int, concept: str) -> np.random.Generator:
    """The generator handed to a concept's ``samples`` function (shape sweeps)."""
    return np.random.default_rng([seed, crc32(concept)])


REGISTRY: dict[str, Concept] = {}
"""Concept name -> Concept, filled by :func:`load_all` from ``comparisons/concepts/``."""


def register(*concepts: Concept) -> None:
    """Add concepts to :data:`REGISTRY`; names are unique and families known."""
    for concept in concepts:
        if concept.name in REGISTRY:
            raise ValueError(f"concept {concept.name!r} is registered twice")
        if concept.family not in FAMILIES:
            raise ValueError(f"concept {concept.name!r} has unknown family {concept.family!r}")
        REGISTRY[concept.name] = concept


LOAD_ERRORS: dict[str, str] = {}
"""Module name -> why it could not be imported: a broken family module must not stop a run."""


def load_all() -> dict[str, Concept]:
    """Import every module of ``comparisons.concepts`` once and return the registry.

    A module that raises is left out (its concepts registered before the failure stay)
    and recorded in :data:`LOAD_ERRORS`; ``rosetta run`` turns each into an error row.
    """
    from comparisons import concepts

    for module in sorted(pkgutil.iter_modules(concepts.__path__), key=lambda m: m.name):
        if module.name in LOAD_ERRORS:
            continue
        try:
            importlib.import_module(f"comparisons.concepts.{module.name}")
        except Exception as error:  # noqa: BLE001 - any failure in a family module becomes a row
            LOAD_ERRORS[module.name] = f"{type(error).__name__}: {error}"
    return REGISTRY


def divergences() -> list[tuple[Concept, Divergence]]:
    """Every divergence in the catalog, with the concept it belongs to."""
    return [(c, d) for c in load_all().values() for d in c.divergences]
