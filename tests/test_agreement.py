"""Every registered concept, sample, dtype, witness pair and quantity must agree.

Generated from the REGISTRY (PyTorch OpInfo style): test ids read
``concept-sample-dtype-witnessA~witnessB-quantity``. Each (concept, sample, dtype)
is run once per process and its rows are shared by its tests; the tests of one
concept form one xdist group, so ``pytest -n 2 --dist loadgroup`` runs each sample once.
"""

import functools
import itertools

import pytest

from comparisons import finite_diff, harness
from comparisons.agreement import AGREE, ERROR, SKIPPED
from comparisons.backends import gradient_name
from comparisons.registry import concept_rng, load_all

SEED = 0


@functools.lru_cache(maxsize=None)
def rows_of(concept_name, sample_name, dtype):
    concept = load_all()[concept_name]
    sample = next(s for s in concept.samples(concept_rng(SEED, concept_name)) if s.name == sample_name)
    return harness.run_sample(concept, sample, dtype, SEED)


def cases():
    for concept in load_all().values():
        if concept.grad_wrt:
            quantities = ["out", *(gradient_name(k) for k in concept.grad_wrt)]
        else:
            quantities = ["outputs"]  # training runs: every named output, in one test
        for sample in concept.samples(concept_rng(SEED, concept.name)):
            for dtype, (a, b), quantity in itertools.product(
                sample.dtypes, itertools.combinations(harness.witness_order(concept), 2), quantities
            ):
                if finite_diff.NAME in (a, b) and not quantity.startswith("d"):
                    continue
                if quantity.startswith("d") and not {a, b}.isdisjoint(concept.extra_witnesses):
                    continue
                yield pytest.param(
                    concept.name, sample.name, dtype, a, b, quantity,
                    id=f"{concept.name}-{sample.name}-{dtype}-{a}~{b}-{quantity}",
                    marks=pytest.mark.xdist_group(concept.name),
                )


@pytest.mark.parametrize("concept_name, sample_name, dtype, witness_a, witness_b, quantity", cases())
def test_witnesses_agree(concept_name, sample_name, dtype, witness_a, witness_b, quantity):
    rows = [
        r for r in rows_of(concept_name, sample_name, dtype)
        if (r.witness_a, r.witness_b) == (witness_a, witness_b) and quantity in (r.quantity, "outputs")
        and not r.sample.endswith(")")
    ]
    assert rows, f"no comparison of {quantity} between {witness_a} and {witness_b}"
    if all(r.verdict == SKIPPED for r in rows):
        pytest.skip(rows[0].detail)
    failures = [
        f"{concept_name} [{sample_name}, {dtype}] {witness_a} ~ {witness_b} on {r.quantity}: "
        f"{r.verdict}, margin {r.margin:.3g} (atol {r.atol:g}, rtol {r.rtol:g}): {r.detail}"
        for r in rows if r.verdict not in (AGREE, SKIPPED)
    ]
    assert not failures, "\n".join(failures)
    assert all(r.verdict != ERROR for r in rows)
