"""generate -> send to witnesses -> compare -> Record rows.

For every concept, sample, dtype and seed: draw the inputs once in float64 from the
sample's seeded generator, cast them once to the run's dtype, run the NumPy reference
here, draw the upstream gradient ``dout`` from the same generator, queue every
framework's forward pass and pullback on its worker process, run the reference's
pullback and the finite-difference witness here meanwhile, then compare every pair of
witnesses on every quantity. Each ``start_*`` function does the first part and returns
a :class:`Pending` that does the rest, so a run starts samples ahead of the workers and
no worker waits for another.

A witness that raises, times out or whose worker dies becomes an ``error`` row with
its message; a framework that is not installed, a concept with no version in a
framework, or a sample's declared skip becomes a ``skipped`` row. Nothing stops the run.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from comparisons import finite_diff
from comparisons.agreement import AGREE, DISAGREE, ERROR, EXPECTED_DIVERGENCE, SKIPPED, Agreement, compare
from comparisons.limits import time_limit
from comparisons.registry import (
    DTYPE, DTYPES, FAMILIES, LOAD_ERRORS, SHAPE, VALUES, Concept, Divergence, Tolerance, concept_rng,
    framework_of, load_all, sample_rng,
)
from comparisons.witnesses import FRAMEWORKS, NUMPY, ONNX, gradient_name
from comparisons.witnesses.adapter import THREADS, NumpyAdapter
from comparisons.witnesses.pool import RemoteError, WitnessTimeout, WitnessUnavailable, WorkerDied, WorkerPool

NAIVE, FAITHFUL = "naive", "faithful"
"""The ``mapping`` column of a catalog entry's two rows (empty for every other row)."""


@dataclass(frozen=True)
class RunConfig:
    """What a run is asked to do, passed to every function that needs it.

    ``timeout`` bounds one witness on one phase of one sample; ``frameworks`` are the
    framework witnesses selected (``--framework``); NumPy and finite differences
    always run.
    """

    timeout: float = 120.0
    frameworks: tuple[str, ...] = tuple(FRAMEWORKS)


@dataclass
class Record:
    """One row of results.csv: one quantity compared between two witnesses."""

    concept: str
    family: str
    sample: str
    mapping: str
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

Curves = dict[str, dict[str, np.ndarray]]
"""Concept -> witness -> loss per training step."""


@dataclass
class RunResult:
    """What a run returns: its rows, and the loss curves of training concepts for the report."""

    records: list[Record] = field(default_factory=list)
    curves: Curves = field(default_factory=dict)

    def extend(self, other: "RunResult") -> None:
        self.records += other.records
        for concept, curves in other.curves.items():
            self.curves.setdefault(concept, curves)


class UsageError(ValueError):
    """A bad request from the user (unknown concept, bad dtype): exit code 2."""


@dataclass
class Outcome:
    """What one witness produced for one sample."""

    results: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    gradient_error: str = ""
    skipped: str = ""
    directions: Mapping[str, np.ndarray] | None = None
    replayed: Outcome | None = None
    """The reference run again on this witness's own draw of the concept's ``drawn_by_framework`` input."""


class Pending:
    """Work whose framework requests are queued: :meth:`done` once every reply is in; calling it finishes
    the work (waiting for the replies if need be) and returns its result."""

    def __init__(self, finish: Callable[[], Any], waits_on: Iterable = ()):
        self._finish, self._waits_on = finish, list(waits_on)

    def done(self) -> bool:
        return all(part.done() for part in self._waits_on)

    def __call__(self):
        return self._finish()


def _finished(value) -> Pending:
    return Pending(lambda: value)


def _message(error: BaseException) -> str:
    if isinstance(error, (WitnessTimeout, WorkerDied, RemoteError)):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())[:500]


def cast_inputs(raw: Mapping[str, np.ndarray], dtype: str) -> dict[str, np.ndarray]:
    """Cast floating inputs to the run's dtype once; integer inputs keep theirs."""
    return {k: v.astype(dtype) if np.issubdtype(v.dtype, np.floating) else v for k, v in raw.items()}


def framework_witnesses(config: RunConfig) -> list[str]:
    """The selected framework witnesses, in comparison order."""
    return [name for name in FRAMEWORKS if name != ONNX and name in config.frameworks]


def extra_witnesses(concept: Concept, config: RunConfig) -> list[str]:
    """The concept's extra witnesses, when ``onnx`` is selected."""
    return list(concept.extra_witnesses) if ONNX in config.frameworks else []


def witness_order(concept: Concept, config: RunConfig = RunConfig()) -> tuple[str, ...]:
    """Every witness of a concept in pair order: numpy, the frameworks, the extras, finite-diff."""
    return (NUMPY, *framework_witnesses(config), *extra_witnesses(concept, config), finite_diff.NAME)


def host_of(witness: str, concept: Concept | None = None) -> str:
    """The worker process a witness runs in: its framework's, or for an extra witness of ``concept``
    the one its function needs (:func:`worker_for`)."""
    if witness in FRAMEWORKS:
        return witness
    return worker_for(concept.extra_witnesses[witness]) if concept else ONNX


def worker_for(function) -> str:
    """The worker that runs a function outside any framework's witness: the framework's whose tree
    holds it (an export, which needs that framework anyway), else ``onnx``."""
    return framework_of(function) or ONNX


def _unavailable_kind(host: str, reason: str) -> str:
    """A framework Rosetta depends on must be there (``error``); an extra may be left out (``skipped``)."""
    return "error" if FRAMEWORKS[host].required else "skipped"


def _why_skipped(concept: Concept, witness: str, sample_skip: Mapping[str, str]) -> str:
    if witness in sample_skip:
        return sample_skip[witness]
    if witness == finite_diff.NAME:
        return "" if concept.grad_wrt else "no gradients to check"
    if witness in concept.no_version:
        return f"no {witness} version: {concept.no_version[witness]}"
    if concept.implementation(witness) is None:
        return f"{concept.name} has no {witness} version"
    return ""


def _failure(outcome: Outcome, error: BaseException, concept: Concept, *, gradient: bool = False) -> None:
    """Record why a witness failed: a missing optional package skips, anything else is an error."""
    missing = getattr(error, "missing_module", None) or getattr(error, "name", None)
    if isinstance(error, (RemoteError, ModuleNotFoundError)) and missing and missing.split(".")[0] in concept.optional_packages:
        outcome.skipped = f"{missing} is not installed"
    elif gradient:
        outcome.gradient_error = _message(error)
    else:
        outcome.error = _message(error)


def _guarded(function, *args, timeout: float):
    """Call ``function(*args)`` in this process under the time limit: (result, exception or None, seconds)."""
    start = time.perf_counter()
    try:
        with time_limit(timeout):
            result = function(*args)
    except Exception as error:  # noqa: BLE001 - every failure becomes a row
        return None, error, time.perf_counter() - start
    return result, None, time.perf_counter() - start


def _ask_later(pool: WorkerPool, concept: Concept, requests: Mapping[str, tuple], timeout: float) -> dict[str, Future]:
    """Queue each witness's request on its worker: witness -> future of (results, seconds, gradient error).

    Workers compute concurrently, each through its own queue. Witnesses sharing a
    worker (the extra witnesses) wait for each other.
    """
    return {witness: pool.worker(host_of(witness, concept)).later(request, timeout) for witness, request in requests.items()}


def _answer(future: Future, timeout: float) -> tuple:
    """(results, seconds, error, gradient error) of a queued request; an unavailable worker is its error."""
    try:
        results, seconds, gradient_error = future.result()
    except (WitnessTimeout, WorkerDied, RemoteError, WitnessUnavailable, OSError) as error:
        return {}, timeout if isinstance(error, WitnessTimeout) else 0.0, error, ""
    return results, seconds, None, gradient_error


def _take_answers(concept: Concept, outcomes: Mapping[str, Outcome], futures: Mapping[str, Future], timeout: float) -> None:
    for witness, future in futures.items():
        results, seconds, error, gradient_error = _answer(future, timeout)
        outcome = outcomes[witness]
        outcome.results, outcome.seconds, outcome.gradient_error = dict(results), seconds, gradient_error
        if isinstance(error, WitnessUnavailable):
            host = host_of(witness, concept)
            if _unavailable_kind(host, str(error)) == "skipped":
                outcome.skipped = str(error)
            else:
                outcome.error = str(error)
        elif error:
            _failure(outcome, error, concept)


def run_witnesses(
    concept: Concept, sample_skip: Mapping[str, str], inputs, params, rng, pool: WorkerPool, config: RunConfig
) -> dict[str, Outcome]:
    """Run every witness on one set of inputs; draw ``dout`` from ``rng`` after the forward pass."""
    return start_witnesses(concept, sample_skip, inputs, params, rng, pool, config)()


def start_witnesses(
    concept: Concept, sample_skip: Mapping[str, str], inputs, params, rng, pool: WorkerPool, config: RunConfig
) -> Pending:
    """Start every witness on one set of inputs; the :class:`Pending` returned waits for them and gives the outcomes.

    With gradients, the reference runs first, here; its output's shape gives ``dout``
    (drawn from ``rng``), so each framework computes its outputs and gradients in one
    request, queued on its worker. Without, the frameworks' requests are queued first.
    The reference's gradients and the finite differences are computed here meanwhile.
    Only when the reference has no output does ``dout`` wait for the frameworks'
    forward passes, and their pullbacks follow in a second request.
    """
    witnesses = witness_order(concept, config)
    outcomes = {name: Outcome(skipped=_why_skipped(concept, name, sample_skip)) for name in witnesses}
    remote = [w for w in witnesses if w not in (NUMPY, finite_diff.NAME) and not outcomes[w].skipped]
    for witness in remote:  # not installed: known without starting the worker
        host = host_of(witness, concept)
        reason = FRAMEWORKS[host].missing_reason()
        if reason and _unavailable_kind(host, reason) == "skipped":
            outcomes[witness].skipped = reason
        elif reason:
            outcomes[witness].error = reason
    remote = [w for w in remote if not (outcomes[w].skipped or outcomes[w].error)]
    gradients_of = {w: concept.grad_wrt if w in FRAMEWORKS else () for w in remote}

    # A framework draws the concept's drawn_by_framework input itself, so it is not sent.
    sent = {name: value for name, value in inputs.items() if name != concept.drawn_by_framework}

    def ask_frameworks(dout):
        requests = {
            w: ("forward", w, concept.implementation(w), sent, params, gradients_of[w], dout if gradients_of[w] else None)
            for w in remote
        }
        return _ask_later(pool, concept, requests, config.timeout)

    # Without gradients nothing waits for the reference's output: the frameworks start first.
    futures = {} if concept.grad_wrt else ask_frameworks(None)
    numpy, numpy_pullback = outcomes[NUMPY], None
    if not numpy.skipped:
        numpy_pullback = _reference_forward(concept, inputs, params, numpy, config.timeout)

    def draw_dout(shape):
        return rng.standard_normal(shape).astype(inputs[concept.grad_wrt[0]].dtype)

    dout = draw_dout(np.shape(numpy.results["out"])) if concept.grad_wrt and "out" in numpy.results else None
    if concept.grad_wrt:
        futures = ask_frameworks(dout)
    fd = outcomes[finite_diff.NAME]

    def reference_gradients(dout):
        if numpy_pullback is not None:
            _reference_pullback(concept, numpy_pullback, dout, numpy, config.timeout)
        if not fd.skipped:
            result, error, fd.seconds = _guarded(finite_diff.gradients, concept, inputs, params, dout, rng, timeout=config.timeout)
            if error:
                fd.error = _message(error)
            else:
                fd.results, fd.directions = result

    def finish(dout=dout) -> dict[str, Outcome]:
        _take_answers(concept, outcomes, futures, config.timeout)
        if concept.grad_wrt and dout is None:  # the reference gave no output: take the shape from a framework
            shapes = [np.shape(o.results["out"]) for o in outcomes.values() if "out" in o.results]
            if not shapes:
                fd.skipped = fd.skipped or "no witness produced a forward output to take gradients of"
                return outcomes
            dout = draw_dout(shapes[0])
            pending = [w for w in remote if gradients_of[w] and not (outcomes[w].error or outcomes[w].skipped)]
            pullbacks = _ask_later(pool, concept, {w: ("pullback", w, dout) for w in pending}, config.timeout)
            for witness, future in pullbacks.items():
                grads, seconds, error, _ = _answer(future, config.timeout)
                outcomes[witness].seconds += seconds
                if error:  # the forward outputs stay comparable
                    _failure(outcomes[witness], error, concept, gradient=True)
                else:
                    outcomes[witness].results.update(grads)
            reference_gradients(dout)
        _replay_on_draws(concept, inputs, params, outcomes, dout, config.timeout)
        return outcomes

    if concept.grad_wrt and dout is None:
        # Each worker keeps only its latest pullback: nothing may be queued before the second
        # request. The forward requests are waited for here, so they may not be held back either.
        with pool.apart():
            return _finished(finish())
    if concept.grad_wrt:
        reference_gradients(dout)
    return Pending(finish, futures.values())


def _replay_on_draws(concept: Concept, inputs, params, outcomes: Mapping[str, Outcome], dout, timeout: float) -> None:
    """Run the reference again on each framework's own draw of ``concept.drawn_by_framework``.

    The replay uses the same ``dout``, so the framework's gradients compare with it too.
    """
    name = concept.drawn_by_framework
    if not name:
        return
    for witness, outcome in outcomes.items():
        if witness not in FRAMEWORKS or outcome.skipped or outcome.error:
            continue
        if name not in outcome.results:
            outcome.error = f"did not return the {name} it drew"
            continue
        drawn = {**inputs, name: np.asarray(outcome.results[name]).astype(inputs[name].dtype)}
        replay = outcome.replayed = Outcome()
        pullback = _reference_forward(concept, drawn, params, replay, timeout)
        if pullback is not None and dout is not None:
            _reference_pullback(concept, pullback, dout, replay, timeout)


def _reference_forward(concept: Concept, inputs, params, outcome: Outcome, timeout: float):
    """Run the NumPy reference's forward pass into ``outcome``; its pullback, or None (no gradients, or it failed)."""
    result, error, seconds = _guarded(
        NumpyAdapter().forward, concept.reference, inputs, params, concept.grad_wrt, timeout=timeout
    )
    outcome.seconds += seconds
    if error:
        _failure(outcome, error, concept)
        return None
    outcome.results, pullback = result
    return pullback


def _reference_pullback(concept: Concept, pullback, dout, outcome: Outcome, timeout: float) -> None:
    """Add the reference's gradients of ``sum(out * dout)`` to ``outcome`` (or its gradient error)."""
    grads, error, seconds = _guarded(pullback, dout, timeout=timeout)
    outcome.seconds += seconds
    if error:
        _failure(outcome, error, concept, gradient=True)
    else:
        outcome.results.update(grads)


def pair_tolerance(concept: Concept, dtype: str, witness_a: str, witness_b: str) -> Tolerance:
    """The pair's tolerance, widened to the finite-difference one when that witness is in the pair."""
    tolerance = concept.tolerance_for(dtype, (witness_a, witness_b))
    if finite_diff.NAME not in (witness_a, witness_b):
        return tolerance
    fd = concept.tolerance_for(finite_diff.NAME)
    return Tolerance(max(tolerance.atol, fd.atol), max(tolerance.rtol, fd.rtol), fd.reason)


def compare_outcomes(concept: Concept, a: str, b: str, quantity: str, outcomes, dtype: str) -> Agreement:
    """Compare one quantity between two witnesses, turning skips and errors into verdicts.

    Against a framework that drew its own input, the reference is its replay on that draw.
    """
    if a == NUMPY and outcomes[b].replayed is not None:
        outcomes = {a: outcomes[b].replayed, b: outcomes[b]}
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


def _record(concept, sample, dtype, seed, quantity, a, b, tolerance, agreement, seconds=(np.nan, np.nan), mapping=""):
    return Record(
        concept=concept.name, family=concept.family, sample=sample, mapping=mapping, dtype=dtype, seed=seed,
        quantity=quantity, witness_a=a, witness_b=b, atol=tolerance.atol, rtol=tolerance.rtol, **vars(agreement),
        seconds_a=seconds[0], seconds_b=seconds[1],
    )


def quantities_of(concept: Concept, outcomes: Mapping[str, Outcome]) -> list[str]:
    """Forward outputs (the reference's first, in its order) then the gradients."""
    gradients = [gradient_name(k) for k in concept.grad_wrt]
    names: list[str] = []
    for outcome in outcomes.values():
        names += [q for q in outcome.results if q not in names and q not in gradients and q != concept.drawn_by_framework]
    return (names or ["out"]) + gradients


def compared_pairs(concept: Concept, quantity: str, config: RunConfig = RunConfig()) -> list[tuple[str, str]]:
    """The witness pairs that compare one quantity.

    Extra witnesses have no gradients, finite-diff only gradients, and a framework that
    draws its own input (``drawn_by_framework``) compares with the reference alone.
    """
    gradients = {gradient_name(k) for k in concept.grad_wrt}
    extras = set(concept.extra_witnesses)
    return [
        (a, b) for a, b in itertools.combinations(witness_order(concept, config), 2)
        if not (quantity in gradients and {a, b} & extras)
        and not (finite_diff.NAME in (a, b) and quantity not in gradients)
        and not (concept.drawn_by_framework and NUMPY not in (a, b) and {a, b} & set(FRAMEWORKS))
    ]


def run_sample(concept: Concept, sample, dtype: str, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()) -> RunResult:
    """All comparisons of one sample of one concept in one dtype and seed."""
    return start_sample(concept, sample, dtype, seed, pool, config)()


def start_sample(
    concept: Concept, sample, dtype: str, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()
) -> Pending:
    """Start :func:`run_sample`: the :class:`Pending` returned waits for the witnesses and compares."""
    rng = sample_rng(seed, concept.name, sample.name)
    try:
        inputs = cast_inputs(sample.draw(rng), dtype)
    except Exception as error:  # noqa: BLE001
        agreement = Agreement(ERROR, "", detail=f"drawing the inputs failed: {_message(error)}")
        return _finished(RunResult([_record(concept, sample.name, dtype, seed, "inputs", NUMPY, NUMPY, concept.tolerance_for(dtype), agreement)]))
    pending = start_witnesses(concept, sample.skip, inputs, dict(sample.params), rng, pool, config)

    def finish() -> RunResult:
        outcomes = pending()
        records = []
        for quantity in quantities_of(concept, outcomes):
            for a, b in compared_pairs(concept, quantity, config):
                agreement = compare_outcomes(concept, a, b, quantity, outcomes, dtype)
                tolerance = pair_tolerance(concept, dtype, a, b)
                seconds = (outcomes[a].seconds, outcomes[b].seconds)
                records.append(_record(concept, sample.name, dtype, seed, quantity, a, b, tolerance, agreement, seconds))
        curves = loss_curves(outcomes)
        return RunResult(records, {concept.name: curves} if curves else {})

    return Pending(finish, [pending])


def loss_curves(outcomes: Mapping[str, Outcome]) -> dict[str, np.ndarray]:
    """Witness -> its ``loss`` output when that is a training curve (one value per step, more than one)."""
    curves = {}
    for name, outcome in outcomes.items():
        loss = outcome.results.get("loss") if not (outcome.skipped or outcome.error) else None
        if loss is not None and np.ndim(loss) == 1 and np.size(loss) > 1:
            curves[name] = np.asarray(loss, dtype=float)
    return curves


def _start_side(side, inputs, params, pool: WorkerPool, config: RunConfig) -> Pending:
    """Start one side of a catalog mapping (NumPy here, now; a framework queued on its worker); call for its value."""
    params = {**params, **side.params}
    if side.witness == NUMPY:
        try:
            with time_limit(config.timeout):
                value = np.asarray(side.function(**inputs, **params))
        except Exception as error:  # noqa: BLE001 - raised again when the value is asked for
            failure = error

            def fail():
                raise failure

            return Pending(fail)
        return _finished(value)
    future = pool.worker(host_of(side.witness)).later(
        ("call", side.function, inputs, params, side.gradient_of), config.timeout
    )
    return Pending(lambda: future.result()[0]["out"], [future])


def naive_verdict(divergence: Divergence, agreement: Agreement, a: np.ndarray, b: np.ndarray, tolerance: Tolerance) -> Agreement:
    """The naive row's verdict: ``expected-divergence`` only when it differs the way the entry says.

    A shape or dtype mismatch does not stand in for a difference in values, nor the
    other way round; for values the difference must be at least ``shows.at_least``
    and, where ``shows.at`` is given, exactly at those flat positions.
    """
    shows = divergence.shows

    def unexpected(expected: str) -> Agreement:
        got = agreement.detail or "agreement"
        return replace(agreement, verdict=DISAGREE, detail=f"catalog entry {divergence.id} expects {expected}; got {got}")

    if agreement.verdict == AGREE:
        return unexpected(f"the naive mapping to differ in {shows.kind}")
    if agreement.verdict != DISAGREE:
        return agreement
    found = SHAPE if a.shape != b.shape else DTYPE if a.dtype != b.dtype else VALUES
    if found != shows.kind:
        return unexpected(f"a difference in {shows.kind}, not in {found}")
    if found == VALUES:
        if agreement.max_abs < shows.at_least:
            return unexpected(f"a difference of at least {shows.at_least:g}")
        a64, b64 = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
        with np.errstate(invalid="ignore"):
            beyond = ~(np.abs(a64 - b64) <= tolerance.atol + tolerance.rtol * np.abs(b64))
        beyond &= ~(np.isnan(a64) & np.isnan(b64)) & (a64 != b64)
        positions = tuple(int(i) for i in np.flatnonzero(beyond))
        if shows.at is not None and positions != tuple(shows.at):
            return unexpected(f"differences exactly at flat positions {list(shows.at)}, not {list(positions)}")
    return replace(agreement, verdict=EXPECTED_DIVERGENCE)


def check_divergence(concept: Concept, divergence: Divergence, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()) -> list[Record]:
    """Two rows: the naive mapping (expected to differ as the entry says) and the faithful one (to agree)."""
    return start_divergence(concept, divergence, seed, pool, config)()


def start_divergence(
    concept: Concept, divergence: Divergence, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()
) -> Pending:
    """Start :func:`check_divergence`: both mappings' sides are queued; the :class:`Pending` returned judges them."""
    rng = sample_rng(seed, concept.name, divergence.id)
    dtype = divergence.dtype
    inputs = cast_inputs(divergence.sample.draw(rng), dtype)
    started = []
    for mapping, sides in ((NAIVE, divergence.naive), (FAITHFUL, divergence.faithful)):
        a, b = (side.witness for side in sides)
        if any(w != NUMPY and host_of(w) not in config.frameworks for w in (a, b)):
            continue  # a deselected witness: no row, and no worker started for it
        missing = [(w, FRAMEWORKS[host_of(w)].missing_reason()) for w in (a, b) if w != NUMPY]
        missing = [(_unavailable_kind(host_of(w), reason), reason) for w, reason in missing if reason]
        values = None if missing else [_start_side(side, inputs, dict(divergence.sample.params), pool, config) for side in sides]
        started.append((mapping, a, b, missing, values))

    def finish() -> list[Record]:
        records = []
        for mapping, a, b, missing, values in started:
            # The dtype's tolerance, never a witness's own: that one exists because of differences such
            # as the one an entry documents, and would hide it.
            tolerance = concept.tolerance_for(dtype)
            unavailable = missing or _unavailable_sides(values, (a, b))
            if unavailable:
                agreement = Agreement(unavailable[0][0], "", detail=unavailable[0][1])
            else:
                try:
                    value_a, value_b = (value() for value in values)
                    agreement = compare(value_a, value_b, tolerance, dtype)
                    if mapping == NAIVE:
                        agreement = naive_verdict(divergence, agreement, value_a, value_b, tolerance)
                except Exception as error:  # noqa: BLE001
                    agreement = Agreement(ERROR, "", detail=f"{mapping} mapping: {_message(error)}")
            records.append(_record(concept, divergence.id, dtype, seed, divergence.quantity, a, b, tolerance, agreement, mapping=mapping))
        return records

    return Pending(finish, [value for *_, values in started for value in values or ()])


def _unavailable_sides(values, witnesses) -> list[tuple[str, str]]:
    """("skipped" or "error", why) for each side whose worker could not start its framework."""
    found = []
    for value, witness in zip(values, witnesses):
        try:
            value()
        except WitnessUnavailable as error:
            found.append((_unavailable_kind(host_of(witness), str(error)), str(error)))
        except Exception:  # noqa: BLE001 - judged with the values
            pass
    return found


def run_concept(concept: Concept, dtype: str, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()) -> RunResult:
    """Every sample of a concept in one dtype and seed, plus its catalog entries in their dtype."""
    return start_concept(concept, dtype, seed, pool, config)()


def start_concept(
    concept: Concept, dtype: str, seed: int, pool: WorkerPool, config: RunConfig = RunConfig()
) -> Pending:
    """Start :func:`run_concept`: every sample's witnesses are queued, the reference's work done here.

    The :class:`Pending` returned waits for the workers and compares. Starting the next
    concepts before finishing this one keeps every worker busy.
    """
    try:
        samples = list(concept.samples(concept_rng(seed, concept.name)))
    except Exception as error:  # noqa: BLE001
        agreement = Agreement(ERROR, "", detail=f"generating samples failed: {_message(error)}")
        return _finished(RunResult([_record(concept, "samples", dtype, seed, "inputs", NUMPY, NUMPY, concept.tolerance_for(dtype), agreement)]))
    with pool.together():  # JAX runs a concept's samples as one program
        pending = [start_sample(concept, sample, dtype, seed, pool, config) for sample in samples if dtype in sample.dtypes]
    divergences = [
        start_divergence(concept, divergence, seed, pool, config)
        for divergence in concept.divergences if divergence.dtype == dtype
    ]

    def finish() -> RunResult:
        result = RunResult()
        for sample in pending:
            result.extend(sample())
        for divergence in divergences:
            result.records += divergence()
        return result

    return Pending(finish, [*pending, *divergences])


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
    known_families = set(FAMILIES) | set(LOAD_ERRORS)
    unknown = [name for name in families if name not in known_families]
    if unknown:
        raise UsageError(f"unknown family {unknown[0]!r}; families: {', '.join(FAMILIES)}")
    if not concepts and not families:
        return list(registry.values())
    return [c for c in registry.values() if c.name in concepts or c.family in families]


def check_frameworks(names: Iterable[str]) -> tuple[str, ...]:
    """The ``--framework`` selection, in comparison order (all of them when none is named)."""
    names = list(names)
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise UsageError(f"unknown framework {unknown[0]!r}; frameworks: {', '.join(FRAMEWORKS)}")
    return tuple(n for n in FRAMEWORKS if not names or n in names)


def load_error_records(families: Iterable[str] | None = None) -> list[Record]:
    """An ``error`` row for each concept module that failed to import.

    All of them for ``None`` (a run of everything), else those named in ``families``.
    """
    return [
        Record(
            concept=module, family=module if module in FAMILIES else "", sample="(module)", mapping="", dtype="",
            seed=0, quantity="import", witness_a=NUMPY, witness_b="-", atol=np.nan, rtol=np.nan,
            **vars(Agreement(ERROR, "", detail=f"comparisons.concepts.{module} failed to load: {reason}")),
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


def reference_threads():
    """BLAS threads of the NumPy reference and the finite differences while a run lasts: :data:`THREADS`.

    Like every framework's intra-op pool, and for the same reason (results must not depend on
    the core count); it also keeps OpenBLAS's threads, which spin while they wait, off the cores
    the workers need: with two of them the NumPy LeNet took 13 s of a full run instead of 3.
    A context manager; the previous limits come back on exit.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=THREADS, user_api="blas")


def run(
    concepts: Iterable[Concept],
    dtypes: Iterable[str] = DTYPES,
    seeds: Iterable[int] = (0,),
    config: RunConfig = RunConfig(),
    progress: Callable[[str], None] | None = None,
    pool: WorkerPool | None = None,
    concept_done: Callable[[str, RunResult], None] | None = None,
) -> RunResult:
    """Run every unit of work with this process's witness workers; ``progress`` is told each unit's concept.

    ``pool`` holds the workers when the caller has more for them to do (they are left
    running); by default the run starts its own and stops them at the end.
    ``concept_done`` is given each concept's name and rows as soon as they are all in.
    """
    registry = load_all()
    result = RunResult()
    todo = units(concepts, check_dtypes(dtypes), list(seeds))
    units_left = Counter(name for name, _, _ in todo)
    of_concept: dict[str, RunResult] = {}
    with (contextlib.nullcontext(pool) if pool else WorkerPool()) as pool, reference_threads():
        # Units are started ahead (the workers' queues fill while the NumPy side is computed here) and
        # finished in order, each as soon as its replies are in.
        pending: deque[tuple[str, Pending]] = deque()

        def finish_next():
            name, unit = pending.popleft()
            done = unit()
            result.extend(done)
            if progress:
                progress(name)
            if concept_done:
                of_concept.setdefault(name, RunResult()).extend(done)
                units_left[name] -= 1
                if not units_left[name]:
                    concept_done(name, of_concept.pop(name))

        for name, dtype, seed in todo:
            pending.append((name, start_concept(registry[name], dtype, seed, pool, config)))
            while pending and pending[0][1].done():
                finish_next()
        while pending:
            finish_next()
    return result
