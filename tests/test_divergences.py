"""Every divergence catalog entry, both ways, on the installed framework versions.

The naive mapping must disagree (or the entry is out of date: the frameworks changed)
and the faithful mapping must agree.
"""

import pytest

from comparisons.agreement import AGREE, EXPECTED_DIVERGENCE, SKIPPED
from comparisons.harness import check_divergence
from comparisons.registry import divergences


def catalog():
    return [pytest.param(c, d, id=f"{c.name}-{d.id}") for c, d in divergences()]


@pytest.mark.parametrize("concept, divergence", catalog())
def test_naive_mapping_disagrees_and_faithful_mapping_agrees(concept, divergence):
    naive, faithful = check_divergence(concept, divergence, seed=0)
    if SKIPPED in (naive.verdict, faithful.verdict):
        pytest.skip(naive.detail or faithful.detail)
    assert naive.verdict == EXPECTED_DIVERGENCE, f"{divergence.id}, naive mapping: {naive.verdict}: {naive.detail}"
    assert faithful.verdict == AGREE, f"{divergence.id}, faithful mapping: {faithful.verdict}: {faithful.detail}"


@pytest.mark.parametrize("concept, divergence", catalog())
def test_divergence_is_documented(concept, divergence):
    for field in ("differs", "naive_mapping", "faithful_mapping", "source"):
        assert getattr(divergence, field).strip(), f"{divergence.id} has no {field}"
    assert set(divergence.frameworks) <= {"numpy", "torch", "tensorflow"}
