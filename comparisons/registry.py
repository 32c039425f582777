"""The catalog of concepts: what is compared, on which inputs, within which tolerance.

Every concept family lives in one module of ``comparisons/concepts/`` that builds
:class:`Concept` records and passes them to :func:`register`. :data:`REGISTRY` maps
concept names to concepts once every family module has been imported; the harness,
the tests and the reports read nothing else.

Framework implementations are referred to lazily (:func:`implementations`,
:class:`LazyFunction`) so that listing concepts, or running on a machine without a
framework, never imports one; :func:`register` checks every target exists by reading
its source file.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from comparisons.i18n import N_

Inputs = Mapping[str, np.ndarray]

FAMILIES = (
    "activations",
    "losses",
    "normalization",
    "broadcasting",
    "networks",
    "convolution",
    "recurrent",
    "attention",
    "optimizers",
    "layers",
    "init",
    "deployment",
)
"""The ``--family`` names, in the order the report lists them."""

DTYPES = ("float32", "float64")
"""Floating dtypes a run can use."""

FRAMEWORKS = ("torch", "tensorflow", "jax", "paddle")
"""Framework witnesses, in comparison order; each has a tree ``framework_impls/<tree>/``."""

TREES = {"torch": "torch_impl", "tensorflow": "tf_impl", "jax": "jax_impl", "paddle": "paddle_impl"}
"""Framework name -> the package under ``framework_impls/`` holding its versions."""


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
        reason=N_("float32 has a 24-bit mantissa (eps 1.2e-7); a few roundings in "
                  "different order give differences of a few ulp."),
    ),
    "float64": Tolerance(
        atol=1e-12,
        rtol=1e-10,
        reason=N_("float64 (eps 2.2e-16): only summation order differs between libraries."),
    ),
    "finite-diff": Tolerance(
        atol=1e-6,
        rtol=1e-5,
        reason=N_("central differences in float64 with step 1e-6 * max(1, |x|): truncation "
                  "error O(h^2) plus rounding error O(eps / h), about 1e-10 relative to the "
                  "function's scale, loosened for the curvature of steep functions."),
    ),
}
"""Used for every dtype (and the finite-difference witness) a concept does not override."""

ToleranceKey = str | tuple[str, str]
"""A dtype name (every pair), ``(dtype, witness)`` (only the pairs with that witness), or ``"finite-diff"``."""


@dataclass(frozen=True)
class Sample:
    """One named input case of a concept.

    Parameters
    ----------
    name : str
        Short, readable, unique within the concept (``"stride2-same-pad"``).
    inputs : mapping of str to ndarray, or callable
        The inputs of the forward function by name (every witness calls
        ``forward(**inputs, **params)``). Either fixed float64 arrays (edge cases such
        as ``x = [0, 20, -100]``) or a function of a ``np.random.Generator`` that
        draws them; the harness seeds that generator with
        ``[seed, crc32(concept), crc32(sample)]``. Floating inputs are drawn in
        float64 and cast once to the run's dtype; integer inputs (class indices)
        keep their dtype.
    params : mapping
        Keyword-only hyper-parameters passed unchanged to every implementation.
    skip : mapping of str to str
        Witnesses that do not apply to this sample, with the reason (for example
        ``{"finite-diff": "relu has no derivative at exactly 0"}``). These are the
        only skips a test accepts besides a framework that is not installed.
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


class LazyFunction:
    """A function named by ``"package.module:function"``, imported on first call.

    Keeps ``import comparisons`` free of every framework: a framework is imported only
    in the worker process of its witness. Pickles as its target, so a harness can
    name a function to a worker without importing it.
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

    def __getstate__(self):
        return {"target": self.target, "_function": None}

    def __eq__(self, other):
        return isinstance(other, LazyFunction) and other.target == self.target

    def __hash__(self):
        return hash(self.target)

    def __repr__(self) -> str:
        return f"LazyFunction({self.target!r})"


def implementation(framework: str, target: str) -> LazyFunction:
    """``implementation("torch", "activations.sigmoid")`` -> ``framework_impls.torch_impl.activations:sigmoid``."""
    module, function = target.rsplit(".", 1)
    return LazyFunction(f"framework_impls.{TREES[framework]}.{module}:{function}")


def framework_of(function: Callable) -> str | None:
    """The framework whose tree under ``framework_impls/`` holds ``function`` (a :class:`LazyFunction`), if any."""
    module = getattr(function, "target", "").split(":")[0]
    return next((framework for framework, tree in TREES.items() if module.startswith(f"framework_impls.{tree}.")), None)


def implementations(target: str, *, frameworks: Iterable[str] = FRAMEWORKS) -> dict[str, LazyFunction]:
    """The same ``"module.function"`` in every framework tree named (all of them by default)."""
    return {framework: implementation(framework, target) for framework in frameworks}


@dataclass(frozen=True)
class Side:
    """One side of a catalog mapping: a function that one witness runs on the entry's sample.

    ``function(**inputs, **params)`` runs in the harness for ``numpy`` and in the
    witness's worker process for a framework (then it is a :class:`LazyFunction`
    into that framework's tree). With ``gradient_of`` set, the witness returns the
    gradient of ``sum(out)`` with respect to that input, taken by its autograd.
    """

    witness: str
    function: Callable
    params: Mapping[str, Any] = field(default_factory=dict)
    gradient_of: str | None = None


VALUES, DTYPE, SHAPE = "values", "dtype", "shape"


@dataclass(frozen=True)
class Difference:
    """What a naive mapping gets wrong, so that the catalog test can check exactly that.

    ``kind`` is ``"values"`` (same shape and dtype, different numbers), ``"dtype"``
    or ``"shape"``. For values, ``at`` lists the flat positions that must differ
    (exactly those; ``None`` means somewhere) and ``at_least`` the smallest largest
    absolute difference that counts as the documented one.
    """

    kind: str = VALUES
    at: tuple[int, ...] | None = None
    at_least: float = 0.0


@dataclass(frozen=True)
class Divergence:
    """A real difference in framework conventions, tested both ways.

    ``naive`` and ``faithful`` are pairs of :class:`Side`: the two witnesses' ways of
    computing the same thing on :attr:`sample` cast to :attr:`dtype`. The naive pair
    must differ as :attr:`shows` says on the installed versions (or the catalog entry
    is out of date) and the faithful pair must agree.
    """

    id: str
    differs: str
    naive: tuple[Side, Side]
    faithful: tuple[Side, Side]
    naive_mapping: str
    faithful_mapping: str
    source: str
    sample: Sample
    dtype: str = "float32"
    quantity: str = "out"
    shows: Difference = Difference()

    @property
    def frameworks(self) -> tuple[str, str]:
        """The two witnesses of the naive mapping (the faithful one uses the same two or a reference)."""
        return self.naive[0].witness, self.naive[1].witness


@dataclass(frozen=True)
class Concept:
    """One piece of math, written once by hand and once per framework, with its samples.

    The reference pair follows the cs231n contract: ``forward(**inputs, **params)``
    returns ``(out, cache)`` and ``backward(dout, cache)`` returns one gradient per
    :attr:`grad_wrt` entry, in that order (a bare array when there is one). ``out``
    is an array, or a dict of named arrays whose ``"out"`` entry is the one the
    gradients flow from. :attr:`implementations` maps a framework name to its version
    (a :class:`LazyFunction` into ``framework_impls/<tree>/``), which takes the same
    inputs as framework tensors and returns the forward output only; gradients come
    from the framework's autograd, driven by its witness adapter. A framework with no
    honest version is named in :attr:`no_version` with the reason.

    ``tolerance`` overrides :data:`DEFAULT_TOLERANCE` by dtype for every pair, or by
    ``(dtype, witness)`` for the pairs with that witness only. ``forward_math`` and
    ``backward_math`` are LaTeX for the report; ``benchmarks`` yields the (larger)
    samples ``rosetta bench`` times; ``bench_floor``, given a benchmark sample's
    inputs and parameters, returns a callable that runs only the matrix products of
    the NumPy reference. ``extra_witnesses`` are forward-only witnesses of this
    concept alone (ONNX Runtime, the ONNX reference evaluator), selected with the
    ``onnx`` witness: one in a framework's tree (ONNX Runtime on that framework's
    export) runs in that framework's worker and takes its tensors, the others take and
    return NumPy arrays in the ``onnx`` worker; ``optional_packages`` are the packages whose
    absence makes a row ``skipped`` rather than ``error``. ``shown`` is the code a reader
    sees for a witness where the function that runs only drives it (an optimiser's
    trajectory runs a loop; the reader wants the update rule and the optimiser's
    construction): witness -> functions, in reading order.

    ``drawn_by_framework`` names an input that each framework draws itself with its
    own random generator instead of receiving it (dropout's keep-mask): a framework's
    version takes the other inputs and returns its draw among its outputs, the
    reference runs again on that draw for the NumPy / framework pair, and two
    frameworks, whose generators differ, are not compared with each other.
    """

    name: str
    family: str
    summary: str
    samples: Callable[[np.random.Generator], Iterable[Sample]]
    reference: tuple[Callable, Callable | None]
    implementations: Mapping[str, Callable] = field(default_factory=dict)
    grad_wrt: tuple[str, ...] = ()
    tolerance: Mapping[ToleranceKey, Tolerance] = field(default_factory=dict)
    divergences: tuple[Divergence, ...] = ()
    tutorial: str = ""
    forward_math: str = ""
    backward_math: str = ""
    benchmarks: Callable[[np.random.Generator], Iterable[Sample]] | None = None
    bench_floor: Callable[[Inputs, Mapping], Callable[[], object]] | None = None
    extra_witnesses: Mapping[str, Callable] = field(default_factory=dict)
    no_version: Mapping[str, str] = field(default_factory=dict)
    optional_packages: tuple[str, ...] = ()
    shown: Mapping[str, tuple[Callable, ...]] = field(default_factory=dict)
    drawn_by_framework: str = ""

    def tolerance_for(self, dtype: str, pair: Iterable[str] = ()) -> Tolerance:
        """The tolerance of a dtype (or ``"finite-diff"``) for a pair of witnesses.

        A ``(dtype, witness)`` entry covers only the pairs with that witness (the
        widest applies when both sides have one); otherwise the concept's dtype entry,
        otherwise the default.
        """
        specific = [self.tolerance[(dtype, w)] for w in pair if (dtype, w) in self.tolerance]
        if specific:
            return max(specific, key=lambda t: (t.atol, t.rtol))
        return self.tolerance.get(dtype, DEFAULT_TOLERANCE[dtype])

    def code_for(self, witness: str) -> tuple[Callable, ...]:
        """What the report and ``rosetta show`` display for a witness (empty when it has no version)."""
        if witness in self.shown:
            return tuple(self.shown[witness])
        function = self.implementation(witness)
        return () if function is None else (function,)

    def implementation(self, witness: str) -> Callable | None:
        """The callable a witness runs: the reference forward, a framework's version, or an extra witness."""
        if witness == "numpy":
            return self.reference[0]
        return {**self.implementations, **self.extra_witnesses}.get(witness)


@functools.lru_cache(maxsize=None)
def _top_level_definitions(module_name: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """(source text, name -> first and last line of each function and class defined at the top of a module),
    read without importing it, and parsed once however many of its functions are shown."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise OSError(f"no source file for {module_name}")
    with open(spec.origin, encoding="utf-8") as handle:
        text = handle.read()
    return text, {
        node.name: (min([node.lineno, *(d.lineno for d in node.decorator_list)]), node.end_lineno)
        for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def source_of(function: Callable) -> str:
    """Source text of an implementation.

    A :class:`LazyFunction` is read from its module's file without importing it, so
    the report can show TensorFlow code without paying for (or needing) TensorFlow.
    """
    if not isinstance(function, LazyFunction):
        return inspect.getsource(function)
    module_name, function_name = function.target.split(":")
    text, definitions = _top_level_definitions(module_name)
    if function_name not in definitions:
        raise OSError(f"{function_name} is not defined at the top of {module_name}")
    first, last = definitions[function_name]
    return "".join(text.splitlines(keepends=True)[first - 1 : last])


def check_target(function: Callable, owner: str) -> None:
    """Raise ValueError when a :class:`LazyFunction` names a module or function that does not exist."""
    if not isinstance(function, LazyFunction):
        return
    module_name, function_name = function.target.split(":")
    try:
        _, names = _top_level_definitions(module_name)
    except (OSError, ImportError, SyntaxError) as error:
        raise ValueError(f"{owner}: {function.target} cannot be read: {error}") from None
    if function_name not in names:
        raise ValueError(f"{owner}: {function.target} does not exist ({function_name} is not defined in {module_name})")


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
    """Add concepts to :data:`REGISTRY` after checking them.

    Names are unique, families known, frameworks known, and every implementation
    target (and catalog side) exists in its source file: a misspelt target fails here,
    at load time, not as an error row.
    """
    for concept in concepts:
        owner = f"concept {concept.name!r}"
        if concept.name in REGISTRY:
            raise ValueError(f"{owner} is registered twice")
        if concept.family not in FAMILIES:
            raise ValueError(f"{owner} has unknown family {concept.family!r}")
        unknown = set(concept.implementations) | set(concept.no_version)
        unknown -= set(FRAMEWORKS)
        if unknown:
            raise ValueError(f"{owner} names unknown frameworks {sorted(unknown)}; frameworks: {', '.join(FRAMEWORKS)}")
        both = set(concept.implementations) & set(concept.no_version)
        if both:
            raise ValueError(f"{owner} has a version and a reason for none for {sorted(both)}")
        shown = [f for functions in concept.shown.values() for f in functions]
        for function in (*concept.implementations.values(), *concept.extra_witnesses.values(), *shown):
            check_target(function, owner)
        for divergence in concept.divergences:
            for side in (*divergence.naive, *divergence.faithful):
                check_target(side.function, f"{owner}, catalog entry {divergence.id!r}")
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
