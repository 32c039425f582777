"""Requests queued on a witness worker (``WorkerProcess.later``), sent together (``WorkerPool.together``),
and units started ahead (``harness.Pending``)."""

import dataclasses
import threading

import numpy as np
import pytest

from comparisons import harness
from comparisons.agreement import AGREE, ERROR, SKIPPED
from comparisons.registry import LazyFunction, Sample, concept_rng, load_all
from comparisons.witnesses import FRAMEWORKS, ONNX
from comparisons.witnesses.pool import WorkerDied, WorkerPool, _Job, _Jobs
from comparisons.witnesses.protocol import keeps_state, pack


def test_a_queued_request_carries_its_arrays_as_they_were_when_queued(pool):
    x = np.arange(6, dtype=np.float64)
    futures = [pool.worker("torch").later(("call", LazyFunction("torch:neg"), {"input": x}, {}, None), 120) for _ in range(3)]
    x[:] = 100.0  # the harness goes on using its arrays while the requests wait
    for future in futures:
        np.testing.assert_array_equal(future.result()[0]["out"], -np.arange(6.0))


def test_pack_copies_the_array_buffers():
    x = np.ones(4)
    parts = pack(("forward", x))
    x[:] = 0.0
    assert any(part == np.ones(4).tobytes() for part in parts[1:])


def test_a_concept_started_ahead_gives_the_rows_of_one_run_alone(pool):
    concept = load_all()["sigmoid"]
    started = [harness.start_concept(concept, dtype, 0, pool) for dtype in ("float32", "float64")]
    ahead = [record for unit in started for record in unit().records]
    alone = [record for dtype in ("float32", "float64") for record in harness.run_concept(concept, dtype, 0, pool).records]
    strip = [(r.sample, r.dtype, r.quantity, r.witness_a, r.witness_b, r.verdict, r.max_abs) for r in ahead]
    assert strip == [(r.sample, r.dtype, r.quantity, r.witness_a, r.witness_b, r.verdict, r.max_abs) for r in alone]
    assert all(unit.done() for unit in started)


def rows(records):
    return [(r.sample, r.quantity, r.witness_a, r.witness_b, r.verdict, r.max_abs) for r in records]


def test_a_concepts_samples_sent_together_give_the_rows_of_each_sample_alone(pool):
    """JAX runs a concept's samples as one compiled program: the same numbers as one program each."""
    concept = load_all()["softmax"]
    samples = [s for s in concept.samples(concept_rng(0, "softmax")) if "float64" in s.dtypes]
    assert len(samples) > 2
    together = harness.run_concept(dataclasses.replace(concept, divergences=()), "float64", 0, pool).records
    alone = [r for sample in samples for r in harness.run_sample(concept, sample, "float64", 0, pool).records]
    assert rows(together) == rows(alone)
    assert {r.verdict for r in together if "jax" in (r.witness_a, r.witness_b)} <= {AGREE, SKIPPED}


def test_a_failing_sample_in_a_batch_fails_alone(pool):
    """When the batch cannot run as one program, each request is answered on its own."""
    concept = load_all()["sigmoid"]
    three, four = (Sample(f"{n}-rows", lambda rng, n=n: {"x": rng.standard_normal((n, 2))}) for n in (3, 4))
    planted = dataclasses.replace(
        concept, samples=lambda rng: [three, four], divergences=(),
        implementations={**concept.implementations, "jax": LazyFunction("planted:jax_sigmoid_but_raises_on_three_rows")},
    )
    records = harness.run_concept(planted, "float64", 0, pool, harness.RunConfig(frameworks=("jax",))).records
    jax_rows = {r.sample: r.verdict for r in records if "jax" in (r.witness_a, r.witness_b)}
    assert jax_rows == {"3-rows": ERROR, "4-rows": AGREE}


def reference_that_raises(x):
    raise ValueError("planted reference failure")


def test_a_sample_without_a_reference_output_in_a_batch_is_answered(pool):
    """Its gradients wait for a framework's output shape: a request still held would never come back."""
    concept = load_all()["sigmoid"]
    three, four = (Sample(f"{n}-rows", lambda rng, n=n: {"x": rng.standard_normal((n, 2))}) for n in (3, 4))
    planted = dataclasses.replace(
        concept, samples=lambda rng: [three, four], divergences=(),
        reference=(reference_that_raises, concept.reference[1]),
    )
    config = harness.RunConfig(frameworks=("torch", "jax"))
    finished = []
    run = threading.Thread(target=lambda: finished.append(harness.run_concept(planted, "float64", 0, pool, config)), daemon=True)
    run.start()
    run.join(120)
    assert finished, "the run waited for a held request"
    records = finished[0].records
    assert {r.verdict for r in records if "numpy" in (r.witness_a, r.witness_b)} == {ERROR}
    assert {(r.sample, r.quantity, r.verdict) for r in records if (r.witness_a, r.witness_b) == ("torch", "jax")} == {
        (sample, quantity, AGREE) for sample in ("3-rows", "4-rows") for quantity in ("out", "dx")
    }


def test_a_worker_lost_in_a_batch_answers_the_rest_from_a_fresh_one():
    neg, exits = LazyFunction("torch:neg"), LazyFunction("planted:exits")
    with WorkerPool() as pool:
        with pool.together():
            futures = [
                pool.worker("torch").later(("call", function, {name: np.ones(2)}, {}, None), 120)
                for function, name in ((neg, "input"), (exits, "x"), (neg, "input"))
            ]
        np.testing.assert_array_equal(futures[0].result()[0]["out"], -np.ones(2))
        with pytest.raises(WorkerDied):
            futures[1].result()
        np.testing.assert_array_equal(futures[2].result()[0]["out"], -np.ones(2))
        assert pool.worker("torch").starts == 2


def test_each_framework_is_imported_in_its_own_worker_only(pool):
    """TensorFlow would import jax (its TFLite utilities do when jax is installed): the worker blocks it.
    The onnx worker imports none: the exports run in the exporting framework's worker."""
    names = ("torch", "tensorflow", "jax", "paddle")
    request = ("call", LazyFunction("planted:frameworks_imported"), {"x": np.zeros(1)}, {"names": names}, None)
    deployment = load_all()["onnx_inference"]
    harness.run_concept(deployment, "float32", 0, pool)  # every witness of the exports has run
    for worker in (*names, ONNX):
        if not FRAMEWORKS[worker].required and FRAMEWORKS[worker].missing_reason():
            continue  # an optional framework that is not installed has no worker to look into
        imported = pool.worker(worker).later(request, 120).result()[0]["out"]
        assert [n for n, there in zip(names, imported) if there] == ([worker] if worker in names else [])


def test_a_long_queue_gets_a_helper_while_a_core_is_idle():
    """With cores to spare, a second worker of the framework takes requests from the first one's queue;
    each answer still goes to its own request."""
    slow = LazyFunction("planted:answers_slowly")
    with WorkerPool(cores=2) as pool:
        futures = [pool.worker(ONNX).later(("call", slow, {"x": np.array([i])}, {"seconds": 0.2}, None), 120) for i in range(40)]
        answers = [future.result()[0]["out"] for future in futures]
        assert [int(index) for index, _ in answers] == list(range(40))
        assert len({pid for _, pid in answers}) == 2
        assert pool.helpers[ONNX].starts == 1


def test_without_cores_to_share_a_queue_keeps_its_one_worker():
    slow = LazyFunction("planted:answers_slowly")
    with WorkerPool() as pool:
        futures = [pool.worker(ONNX).later(("call", slow, {"x": np.array([i])}, {"seconds": 0.05}, None), 120) for i in range(40)]
        assert len({future.result()[0]["out"][1] for future in futures}) == 1
        assert not pool.helpers


def test_a_helper_never_takes_a_request_that_keeps_a_pullback_or_asks_for_one():
    x, dout = np.ones(2), np.ones(2)
    assert keeps_state(("forward", "torch", None, {"x": x}, {}, ("x",), None))
    assert keeps_state(("pullback", "torch", dout))
    assert not keeps_state(("forward", "torch", None, {"x": x}, {}, ("x",), dout))
    assert not keeps_state(("forward", "torch", None, {"x": x}, {}, (), None))
    assert not keeps_state(("call", None, {"x": x}, {}, None))
    jobs = _Jobs()
    stays, moves = _Job(lambda worker: None, [], movable=False), _Job(lambda worker: None, [], movable=True)
    jobs.put(stays)
    jobs.put(moves)
    assert jobs.take(movable_only=True) is moves  # a helper passes over the one that must stay
    assert jobs.take(movable_only=True) is None
    assert jobs.take(movable_only=False) is stays
