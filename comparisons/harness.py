"""generate -> convert -> run -> compare -> Record rows.

For every concept, sample, dtype and seed: draw the inputs once in float64 from the
sample's seeded generator, cast them once to the run's dtype, run every witness's
forward pass, draw the upstream gradient ``dout`` from the same generator, run every
pullback and the finite-difference witness, then compare every pair of witnesses on
every quantity. A witness that raises becomes an ``error`` row with its message; a
missing framework or implementation becomes a ``skipped`` row. Nothing stops the run.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable, Mapping

import numpy as np

from comparisons import finite_diff
from comparisons.agreement import AGREE, DISAGREE, ERROR, EXPECTED_DIVERGENCE, SKIPPED, Agreement, compare
from comparisons.backends import WITNESSES, FunctionWitness, Witness, gradient_name
from comparisons.limits import WitnessTimeout, time_limit
from comparisons.registry import (
    DTYPES, FAMILIES, LOAD_ERRORS, Concept, Divergence, Tolerance, concept_rng, load_all, sample_rng,
)

WITNESS_ORDER = (*WITNESSES, finite_diff.NAME)
"""Pairs are formed in this order (a concept's extra witnesses come before
finite-diff); the later witness of a pair is the side ``b``."""

TIME_LIMIT = 120.0
"""Seconds one witness may spend on one phase of one sample before it is an ``error: timeout`` row."""


@dataclass
class Record:
    """One row of results.csv: one quantity compared between two witnesses."""

    concept: str
    family: str
    sample: str
    dtype: str
    seed: int
    quantity: str
    witness_a: str
    witness_b: str
    shape: str
    max_abs: float
    max_rel: float
    max_ulp: float
    n_mismatch: int
    atol: float
    rtol: float
    margin: float
    verdict: str
    detail: str
    seconds_a: float = float("nan")
    seconds_b: float = float("nan")


COLUMNS = tuple(f.name for f in fields(Record))
TIMING_COLUMNS = ("seconds_a", "seconds_b")


class UsageError(ValueError):
    """A bad request from the user (unknown concept, bad dtype): exit code 2."""


@dataclass
class Outcome:
    """What one witness produced for one sample."""

    results: dict[str, np.ndarray]
    seconds: float = 0.0
    error: str = ""
    gradient_error: str = ""
    skipped: str = ""
    directions: Mapping[str, np.ndarray] | None = None


def _message(error: BaseException) -> str:
    if isinstance(error, WitnessTimeout):
        return f"timeout: {error}"
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:500]


def cast_inputs(raw: Mapping[str, np.ndarray], dtype: str) -> dict[str, np.ndarray]:
    """Cast floating inputs to the run's dtype once; integer inputs keep theirs."""
    return {k: v.astype(dtype) if np.issubdtype(v.dtype, np.floating) else v for k, v in raw.items()}


def witnesses_of(concept: Concept) -> dict[str, Witness]:
    """The implementation witnesses of a concept: numpy, torch, tensorflow, then its extras."""
    return {**WITNESSES, **{name: FunctionWitness(name) for name in concept.extra_witnesses}}


def witness_order(concept: Concept) -> tuple[str, ...]:
    """Every witness of a concept in pair order, finite-diff last."""
    return (*witnesses_of(concept), finite_diff.NAME)


def _why_skipped(concept: Concept, witness: str, sample_skip: Mapping[str, str]) -> str:
    if witness in sample_skip:
        return sample_skip[witness]
    if witness == finite_diff.NAME:
        return "" if concept.grad_wrt else "no gradients to check"
    if concept.implementation(witness) is None:
        return f"{concept.name} has no {witness} version"
    if witness in WITNESSES and not WITNESSES[witness].available():
        return WITNESSES[witness].unavailable_reason()
    return ""


def _guarded(function, *args):
    """Call ``function(*args)`` under the time limit: (result, exception or None, seconds)."""
    start = time.perf_counter()
    try:
        with time_limit(TIME_LIMIT):
            result = function(*args)
    except Exception as error:
        return None, error, time.perf_counter() - start
    return result, None, time.perf_counter() - start


def run_witnesses(concept: Concept, sample_skip: Mapping[str, str], inputs, params, rng) -> dict[str, Outcome]:
    """Run every witness on one set of inputs; draw ``dout`` from ``rng`` in between."""
    outcomes: dict[str, Outcome] = {}
    pullbacks = {}
    for name, witness in witnesses_of(concept).items():
        outcomes[name] = Outcome({}, skipped=_why_skipped(concept, name, sample_skip))
        if outcomes[name].skipped:
            continue
        result, error, outcomes[name].seconds = _guarded(witness.forward, concept, inputs, params)
        if isinstance(error, ModuleNotFoundError):  # an optional package (onnxruntime ...) is not installed
            outcomes[name].skipped = f"{error.name} is not installed"
        elif error:
            outcomes[name].error = _message(error)
        else:
            outcomes[name].results, pullbacks[name] = result

    fd = outcomes[finite_diff.NAME] = Outcome({}, skipped=_why_skipped(concept, finite_diff.NAME, sample_skip))
    if not concept.grad_wrt:
        return outcomes
    shapes = [np.shape(o.results["out"]) for o in outcomes.values() if "out" in o.results]
    if not shapes:
        fd.skipped = fd.skipped or "no witness produced a forward output to take gradients of"
        return outcomes
    dout = rng.standard_normal(shapes[0]).astype(inputs[concept.grad_wrt[0]].dtype)
    for name, pullback in pullbacks.items():
        if name in concept.extra_witnesses:
            continue
        grads, error, seconds = _guarded(pullback, dout)
        outcomes[name].seconds += seconds
        if error:  # the forward outputs stay comparable
            outcomes[name].gradient_error = _message(error)
        else:
            outcomes[name].results.update(grads)
    if not fd.skipped:
        result, error, fd.seconds = _guarded(finite_diff.gradients, concept, inputs, params, dout, rng)
        if error:
            fd.error = _message(error)
        else:
            fd.results, fd.directions = result
    return outcomes


def pair_tolerance(concept: Concept, dtype: str, witness_a: str, witness_b: str) -> Tolerance:
    """The dtype's tolerance, widened to the finite-difference one when that witness is in the pair."""
    tolerance = concept.tolerance_for(dtype)
    if finite_diff.NAME not in (witness_a, witness_b):
        return tolerance
    fd = concept.tolerance_for(finite_diff.NAME)
    return Tolerance(max(tolerance.atol, fd.atol), max(tolerance.rtol, fd.rtol), fd.reason)


def compare_outcomes(concept: Concept, a: str, b: str, quantity: str, outcomes, dtype: str) -> Agreement:
    """Compare one quantity between two witnesses, turning skips and errors into verdicts."""
    for side in (a, b):
        if outcomes[side].skipped:
            return Agreement(SKIPPED, "", detail=f"{side}: {outcomes[side].skipped}")
    is_gradient = quantity in {gradient_name(k) for k in concept.grad_wrt}
    for side in (a, b):
        error = outcomes[side].error or (outcomes[side].gradient_error if is_gradient else "")
        if error:
            return Agreement(ERROR, "", detail=f"{side}: {error}")
    for side in (a, b):
        if quantity not in outcomes[side].results:
            return Agreement(ERROR, "", detail=f"{side}: did not return {quantity}")
    value_a, value_b = outcomes[a].results[quantity], outcomes[b].results[quantity]
    directions = outcomes[b].directions or {}
    if quantity in directions:  # b is the finite-difference witness with projected gradients
        value_a = finite_diff.project(value_a, directions[quantity])
    tolerance = pair_tolerance(concept, dtype, a, b)
    return compare(value_a, value_b, tolerance, dtype, check_dtype=finite_diff.NAME not in (a, b))


def _record(concept, sample, dtype, seed, quantity, a, b, tolerance, agreement, seconds=(np.nan, np.nan)):
    return Record(
        concept=concept.name, family=concept.family, sample=sample, dtype=dtype, seed=seed, quantity=quantity,
        witness_a=a, witness_b=b, atol=tolerance.atol, rtol=tolerance.rtol, **asdict(agreement),
        seconds_a=seconds[0], seconds_b=seconds[1],
    )


def quantities_of(concept: Concept, outcomes: Mapping[str, Outcome]) -> list[str]:
    """Forward outputs (the reference's first, in its order) then the gradients."""
    gradients = [gradient_name(k) for k in concept.grad_wrt]
    names: list[str] = []
    for outcome in outcomes.values():
        names += [q for q in outcome.results if q not in names and q not in gradients]
    return (names or ["out"]) + gradients


def run_sample(concept: Concept, sample, dtype: str, seed: int) -> list[Record]:
    """All comparisons of one sample of one concept in one dtype and seed."""
    rng = sample_rng(seed, concept.name, sample.name)
    try:
        inputs = cast_inputs(sample.draw(rng), dtype)
    except Exception as error:
        agreement = Agreement(ERROR, "", detail=f"drawing the inputs failed: {_message(error)}")
        return [_record(concept, sample.name, dtype, seed, "inputs", "numpy", "numpy", concept.tolerance_for(dtype), agreement)]
    outcomes = run_witnesses(concept, sample.skip, inputs, dict(sample.params), rng)
    gradients = {gradient_name(k) for k in concept.grad_wrt}
    pairs = list(itertools.combinations(witness_order(concept), 2))
    records = []
    for quantity in quantities_of(concept, outcomes):
        for a, b in pairs:
            if quantity in gradients and not {a, b}.isdisjoint(concept.extra_witnesses):
                continue  # extra witnesses are forward-only
            if finite_diff.NAME in (a, b) and quantity not in gradients:
                continue
            agreement = compare_outcomes(concept, a, b, quantity, outcomes, dtype)
            tolerance = pair_tolerance(concept, dtype, a, b)
            seconds = (outcomes[a].seconds, outcomes[b].seconds)
            records.append(_record(concept, sample.name, dtype, seed, quantity, a, b, tolerance, agreement, seconds))
    curves = loss_curves(outcomes)
    if curves and records:
        records[0].curves = curves  # for the report's plots, so it need not train again; not a CSV column
    return records


def loss_curves(outcomes: Mapping[str, Outcome]) -> dict[str, np.ndarray]:
    """Witness -> its ``loss`` output when that is a training curve (one value per step, more than one)."""
    curves = {}
    for name, outcome in outcomes.items():
        loss = outcome.results.get("loss") if not (outcome.skipped or outcome.error) else None
        if loss is not None and np.ndim(loss) == 1 and np.size(loss) > 1:
            curves[name] = np.asarray(loss, dtype=float)
    return curves


def check_divergence(concept: Concept, divergence: Divergence, seed: int) -> list[Record]:
    """Two rows: the naive mapping (expected to disagree) and the faithful one (to agree)."""
    rng = sample_rng(seed, concept.name, divergence.id)
    dtype = divergence.dtype
    tolerance = concept.tolerance_for(dtype)
    a, b = divergence.frameworks
    missing = [w for w in (a, b) if w in WITNESSES and not WITNESSES[w].available()]
    records = []
    for mapping, function in (("naive", divergence.naive), ("faithful", divergence.faithful)):
        sample = f"{divergence.id} ({mapping})"
        if missing:
            agreement = Agreement(SKIPPED, "", detail=WITNESSES[missing[0]].unavailable_reason())
        else:
            try:
                inputs = cast_inputs(divergence.sample.draw(rng), dtype)
                with time_limit(TIME_LIMIT):
                    value_a, value_b = function(*inputs.values(), **divergence.sample.params)
                value_a, value_b = (WITNESSES[w].to_numpy(v) for w, v in ((a, value_a), (b, value_b)))
                agreement = compare(value_a, value_b, tolerance, dtype)
            except Exception as error:
                agreement = Agreement(ERROR, "", detail=f"{mapping} mapping: {_message(error)}")
        if mapping == "naive" and agreement.verdict == DISAGREE:
            agreement = Agreement(**{**asdict(agreement), "verdict": EXPECTED_DIVERGENCE})
        elif mapping == "naive" and agreement.verdict == AGREE:
            agreement = Agreement(
                **{**asdict(agreement), "verdict": DISAGREE,
                   "detail": f"catalog entry {divergence.id} expects the naive mapping to differ, but it agrees"}
            )
        records.append(_record(concept, sample, dtype, seed, divergence.quantity, a, b, tolerance, agreement))
    return records


def run_concept(concept: Concept, dtype: str, seed: int) -> list[Record]:
    """Every sample of a concept in one dtype and seed, plus its divergences in their dtype."""
    records = []
    try:
        samples = list(concept.samples(concept_rng(seed, concept.name)))
    except Exception as error:
        agreement = Agreement(ERROR, "", detail=f"generating samples failed: {_message(error)}")
        return [_record(concept, "samples", dtype, seed, "inputs", "numpy", "numpy", concept.tolerance_for(dtype), agreement)]
    for sample in samples:
        if dtype in sample.dtypes:
            records += run_sample(concept, sample, dtype, seed)
    for divergence in concept.divergences:
        if divergence.dtype == dtype:
            records += check_divergence(concept, divergence, seed)
    return records


def select(concepts: Iterable[str] = (), families: Iterable[str] = ()) -> list[Concept]:
    """Concepts named, plus those of the families named; all of them when neither is given.

    A family whose module failed to load is accepted (it has no concepts; see
    :func:`load_error_records`).
    """
    registry = load_all()
    concepts, families = list(concepts), list(families)
    unknown = [name for name in concepts if name not in registry]
    if unknown:
        broken = f"; modules that failed to load: {', '.join(LOAD_ERRORS)}" if LOAD_ERRORS else ""
        raise UsageError(f"unknown concept {unknown[0]!r} (see `rosetta list`){broken}")
    known_families = {c.family for c in registry.values()} | set(LOAD_ERRORS)
    unknown = [name for name in families if name not in known_families]
    if unknown:
        raise UsageError(f"unknown family {unknown[0]!r}; families: {', '.join(sorted(known_families))}")
    if not concepts and not families:
        return list(registry.values())
    return [c for c in registry.values() if c.name in concepts or c.family in families]


def load_error_records(families: Iterable[str] | None = None) -> list[Record]:
    """An ``error`` row for each concept module that failed to import.

    All of them for ``None`` (a run of everything), else those named in ``families``.
    """
    return [
        Record(
            concept=module, family=module if module in FAMILIES else "", sample="(module)", dtype="", seed=0,
            quantity="import", witness_a="numpy", witness_b="-", atol=np.nan, rtol=np.nan,
            **asdict(Agreement(ERROR, "", detail=f"comparisons.concepts.{module} failed to load: {reason}")),
        )
        for module, reason in LOAD_ERRORS.items()
        if families is None or module in families
    ]


def check_dtypes(dtypes: Iterable[str]) -> list[str]:
    dtypes = list(dtypes) or list(DTYPES)
    bad = [d for d in dtypes if d not in DTYPES]
    if bad:
        raise UsageError(f"unknown dtype {bad[0]!r}; choose from {', '.join(DTYPES)}")
    return dtypes


def units(concepts: Iterable[Concept], dtypes: Iterable[str], seeds: Iterable[int]) -> list[tuple[str, str, int]]:
    """The units of work, (concept name, dtype, seed), in the order their rows appear."""
    return [(c.name, d, s) for c in concepts for d in dtypes for s in seeds]


def run(
    concepts: Iterable[Concept],
    dtypes: Iterable[str] = DTYPES,
    seeds: Iterable[int] = (0,),
    progress: Callable[[str], None] | None = None,
) -> list[Record]:
    """Run every unit of work in this process; ``progress`` is told each unit's concept."""
    registry = load_all()
    records = []
    for name, dtype, seed in units(concepts, check_dtypes(dtypes), list(seeds)):
        records += run_concept(registry[name], dtype, seed)
        if progress:
            progress(name)
    return records
