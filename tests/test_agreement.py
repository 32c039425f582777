"""Every registered concept, sample, dtype and witness pair must agree on every quantity.

Generated from the REGISTRY (PyTorch OpInfo style): test ids read
``concept-sample-dtype-witnessA~witnessB``; each test checks every quantity the pair is
compared on (every forward quantity a witness returns: ``out``, running statistics,
training trajectories ...; and each gradient) and a failure names the quantities that
differ. Each (concept, sample, dtype) is run once per process and its rows are shared by
its tests; the tests of one concept form one xdist group, so
``pytest -n 2 --dist loadgroup`` runs each sample once.

A test skips only for a reason its sample or concept declares (``Sample.skip``,
``Concept.no_version``) or for an optional framework that is not installed; any other
skipped row fails, so a stray import that makes a witness vanish turns the suite red.
"""

import pytest

from comparisons import harness
from comparisons.agreement import AGREE, SKIPPED
from comparisons.registry import FAMILIES, LOAD_ERRORS, concept_rng, load_all
from comparisons.witnesses import FRAMEWORKS, gradient_name

SEED = 0
_ROWS: dict[tuple, list] = {}


def rows_of(pool, concept_name, sample_name, dtype):
    """The rows of one sample in one dtype; the first call runs every sample of the concept.

    All of a concept's samples are queued at once, as one batch per worker like a run's,
    so the framework workers of this process compute while the reference and the
    comparisons run here.
    """
    key = (concept_name, sample_name, dtype)
    if key not in _ROWS:
        concept = load_all()[concept_name]
        with pool.together():
            started = {
                (concept_name, sample.name, each): harness.start_sample(concept, sample, each, SEED, pool)
                for sample in concept.samples(concept_rng(SEED, concept_name))
                for each in sample.dtypes
            }
        _ROWS.update({started_key: pending().records for started_key, pending in started.items()})
    return _ROWS[key]


def compared_quantities(concept) -> dict[tuple[str, str], list[str]]:
    """Each witness pair of a concept and what it is compared on: ``outputs`` and each gradient."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for quantity in ["outputs", *(gradient_name(k) for k in concept.grad_wrt)]:
        for pair in harness.compared_pairs(concept, "out" if quantity == "outputs" else quantity):
            pairs.setdefault(pair, []).append(quantity)
    return pairs


def cases():
    for concept in load_all().values():
        pairs = compared_quantities(concept)
        for sample in concept.samples(concept_rng(SEED, concept.name)):
            for dtype in sample.dtypes:
                for a, b in pairs:
                    yield pytest.param(
                        concept.name, sample.name, dtype, a, b,
                        id=f"{concept.name}-{sample.name}-{dtype}-{a}~{b}",
                        marks=pytest.mark.xdist_group(concept.name),
                    )


def declared_skip(concept, sample, witness) -> str:
    """Why a witness may be skipped on this sample, or "" when it must run."""
    if witness in sample.skip:
        return sample.skip[witness]
    if witness in concept.no_version:
        return concept.no_version[witness]
    if witness in FRAMEWORKS and not FRAMEWORKS[witness].required:
        return FRAMEWORKS[witness].missing_reason()
    return ""


def test_every_concept_module_loads_and_every_family_has_concepts():
    registry = load_all()
    assert not LOAD_ERRORS, f"concept modules failed to load: {LOAD_ERRORS}"
    empty = [family for family in FAMILIES if not any(c.family == family for c in registry.values())]
    assert not empty, f"families without concepts: {empty}"


@pytest.mark.parametrize("concept_name, sample_name, dtype, witness_a, witness_b", cases())
def test_witnesses_agree(pool, concept_name, sample_name, dtype, witness_a, witness_b):
    concept = load_all()[concept_name]
    sample = next(s for s in concept.samples(concept_rng(SEED, concept_name)) if s.name == sample_name)
    gradients = {gradient_name(k) for k in concept.grad_wrt}
    rows = [r for r in rows_of(pool, concept_name, sample_name, dtype) if (r.witness_a, r.witness_b) == (witness_a, witness_b)]
    for quantity in compared_quantities(concept)[(witness_a, witness_b)]:
        assert any(r.quantity == quantity or (quantity == "outputs" and r.quantity not in gradients) for r in rows), (
            f"no comparison of {quantity} between {witness_a} and {witness_b}"
        )
    skipped = [r for r in rows if r.verdict == SKIPPED]
    if skipped:
        reasons = [declared_skip(concept, sample, w) for w in (witness_a, witness_b)]
        reasons = [r for r in reasons if r]
        assert reasons, f"{witness_a} ~ {witness_b} skipped for an undeclared reason: {skipped[0].detail}"
        pytest.skip(reasons[0])
    failures = [
        f"{concept_name} [{sample_name}, {dtype}] {witness_a} ~ {witness_b} on {r.quantity}: "
        f"{r.verdict}, margin {r.margin:.3g} (atol {r.atol:g}, rtol {r.rtol:g}): {r.detail}"
        for r in rows if r.verdict != AGREE
    ]
    assert not failures, "\n".join(failures)
