"""Requests queued on a witness worker (``WorkerProcess.later``) and units started ahead (``harness.Pending``)."""

import numpy as np

from comparisons import harness
from comparisons.registry import LazyFunction, load_all
from comparisons.witnesses.protocol import pack


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
