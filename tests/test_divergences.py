"""Every divergence catalog entry, both ways, on the installed framework versions.

The naive mapping must differ exactly as the entry's ``shows`` says (or the entry is
out of date: the frameworks changed) and the faithful mapping must agree, both judged by
:func:`comparisons.harness.check_divergence` with real witness workers. Planted entries
check that no other difference is accepted in place of the documented one.
"""

import dataclasses
import pathlib
import subprocess
import sys

import pytest

from comparisons.agreement import AGREE, DISAGREE, EXPECTED_DIVERGENCE, SKIPPED
from comparisons.harness import FAITHFUL, NAIVE, check_divergence
from comparisons.divergences import convolution as convolution_catalog
from comparisons.registry import DTYPE, SHAPE, TREES, VALUES, Difference, LazyFunction, divergences

WITNESSES = {"numpy", "torch", "tensorflow", "jax", "paddle"}
"""The witnesses a catalog side may use: NumPy and every framework tree."""

CONCEPTS = pathlib.Path(__file__).resolve().parent.parent / "comparisons" / "concepts"


def catalog():
    return [pytest.param(c, d, id=f"{c.name}-{d.id}") for c, d in divergences()]


def entry(divergence_id, concept=None):
    """(concept, divergence) of one catalog entry by id (and concept, for ids used twice)."""
    (found,) = [(c, d) for c, d in divergences() if d.id == divergence_id and concept in (None, c.name)]
    return found


def rows(concept, divergence, pool):
    """The naive and the faithful row of an entry, skipped when a framework is not installed."""
    records = check_divergence(concept, divergence, 0, pool)
    assert [r.mapping for r in records] == [NAIVE, FAITHFUL]
    for record in records:
        if record.verdict == SKIPPED:
            pytest.skip(record.detail)
    return records


@pytest.mark.parametrize("concept, divergence", catalog())
def test_naive_mapping_differs_as_shown_and_faithful_mapping_agrees(concept, divergence, pool):
    naive, faithful = rows(concept, divergence, pool)
    assert naive.verdict == EXPECTED_DIVERGENCE, f"{divergence.id}, naive mapping: {naive.verdict}: {naive.detail}"
    assert faithful.verdict == AGREE, f"{divergence.id}, faithful mapping: {faithful.verdict}: {faithful.detail}"
    assert (naive.witness_a, naive.witness_b) == divergence.frameworks
    if divergence.shows.kind == VALUES:
        assert naive.max_abs >= divergence.shows.at_least


@pytest.mark.parametrize("concept, divergence", catalog())
def test_divergence_is_documented(concept, divergence):
    for field in ("differs", "naive_mapping", "faithful_mapping", "source"):
        assert getattr(divergence, field).strip(), f"{divergence.id} has no {field}"
    naive = [side.witness for side in divergence.naive]
    faithful = [side.witness for side in divergence.faithful]
    assert set(naive) | set(faithful) <= WITNESSES
    assert len(divergence.naive) == len(divergence.faithful) == 2
    # the same two witnesses, or the faithful mapping computes one side with NumPy
    assert all(f in (n, "numpy") for n, f in zip(naive, faithful)), f"{divergence.id}: {naive} then {faithful}"
    assert divergence.shows.kind in (VALUES, DTYPE, SHAPE)
    assert divergence.shows.at_least >= 0
    if divergence.shows.at is not None:
        assert list(divergence.shows.at) == sorted(set(divergence.shows.at)), "flat positions, ascending, once each"


@pytest.mark.parametrize("concept, divergence", catalog())
def test_sides_run_where_their_witness_lives(concept, divergence):
    """A framework side names a function of its own tree; a NumPy side is plain code of the catalog."""
    for side in (*divergence.naive, *divergence.faithful):
        if side.witness == "numpy":
            assert not isinstance(side.function, LazyFunction)
            assert side.function.__module__.startswith("comparisons.divergences."), side.function
            assert side.gradient_of is None, "NumPy sides compute their gradients by hand"
        else:
            assert isinstance(side.function, LazyFunction)
            assert side.function.target.startswith(f"framework_impls.{TREES[side.witness]}."), side.function


def test_catalog_modules_import_no_framework():
    code = (
        "import sys, pkgutil, importlib, comparisons.divergences as d\n"
        "for m in pkgutil.iter_modules(d.__path__): importlib.import_module(f'comparisons.divergences.{m.name}')\n"
        "print(sorted(f for f in ('torch', 'tensorflow', 'keras', 'jax', 'paddle') if f in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_concept_modules_only_attach_entries():
    """Entries are defined in comparisons/divergences/, never in a concept module."""
    for path in CONCEPTS.glob("*.py"):
        assert "Divergence(" not in path.read_text(encoding="utf-8"), path.name
    assert not (CONCEPTS / "convolution_divergences.py").exists()


# Planted bugs: differences that are not the documented one must be reported `disagree`.


@pytest.mark.parametrize(
    "divergence_id",
    ["relu-grad-at-zero", "gelu-default", "dot-vs-matmul", "maxpool-ties", "leaky-relu-grad-at-zero",
     "paddle-softmax-clip", "flax-conv-padding", "jax-x64"],
)
def test_naive_mapping_replaced_by_the_faithful_one_disagrees(divergence_id, pool):
    concept, divergence = entry(divergence_id)
    planted = dataclasses.replace(divergence, naive=divergence.faithful)
    naive, _ = rows(concept, planted, pool)
    assert naive.verdict == DISAGREE
    assert f"catalog entry {divergence_id} expects the naive mapping to differ" in naive.detail


def test_naive_mapping_that_differs_only_in_dtype_does_not_show_values(pool):
    concept, divergence = entry("float-defaults", "gelu")  # NumPy float64 against torch float32, same numbers
    planted = dataclasses.replace(divergence, shows=Difference(VALUES))
    naive, faithful = rows(concept, planted, pool)
    assert naive.verdict == DISAGREE
    assert "expects a difference in values, not in dtype" in naive.detail
    assert faithful.verdict == AGREE


@pytest.mark.parametrize(
    "divergence_id, shows, expected",
    [
        ("dot-vs-matmul", Difference(VALUES), "a difference in values, not in shape"),
        ("relu-grad-at-zero", Difference(DTYPE), "a difference in dtype, not in values"),
        ("relu-grad-at-zero", Difference(VALUES, at=(0,), at_least=0.3), "exactly at flat positions [0], not [1]"),
        ("relu-grad-at-zero", Difference(VALUES, at=(1,), at_least=2.0), "a difference of at least 2"),
    ],
    ids=["shape-for-values", "values-for-dtype", "wrong-position", "too-small"],
)
def test_naive_mapping_that_differs_otherwise_than_shown_disagrees(divergence_id, shows, expected, pool):
    concept, divergence = entry(divergence_id)
    naive, _ = rows(concept, dataclasses.replace(divergence, shows=shows), pool)
    assert naive.verdict == DISAGREE
    assert expected in naive.detail


def test_jax_x64_entry_differs_in_dtype_not_values(pool):
    concept, divergence = entry("jax-x64")  # float32 against float64: the numbers agree to float32 precision
    naive, faithful = rows(concept, dataclasses.replace(divergence, shows=Difference(VALUES)), pool)
    assert naive.verdict == DISAGREE
    assert "expects a difference in values, not in dtype" in naive.detail
    assert faithful.verdict == AGREE


def test_catalog_rows_are_judged_without_a_witness_tolerance(registry, pool):
    """avg_pool2d's ("float64", "paddle") tolerance covers Paddle's float32 scale, the very difference an entry documents."""
    concept = registry["avg_pool2d"]
    tolerance = concept.tolerance[("float64", "paddle")]
    divergence = convolution_catalog.PADDLE_AVGPOOL_FLOAT32_SCALE
    assert divergence in concept.divergences
    naive, faithful = rows(concept, divergence, pool)
    assert naive.verdict == EXPECTED_DIVERGENCE, naive.detail
    assert faithful.verdict == AGREE, faithful.detail
    assert naive.max_abs <= tolerance.atol + tolerance.rtol * 1.0  # the pair's tolerance would have hidden it
