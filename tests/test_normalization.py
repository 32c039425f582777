"""Normalisation family: the reference against scikit-learn's scalers, invariances of
its gradient, and the documented result for constant columns on every side."""

import numpy as np
import pytest

from comparisons.harness import cast_inputs
from comparisons.registry import concept_rng, load_all, sample_rng
from comparisons.witnesses import FRAMEWORKS
from comparisons.witnesses.adapter import NumpyAdapter

REGISTRY = load_all()
NORMALIZATION = [c for c in REGISTRY.values() if c.name in ("min_max_normalize", "standardize")]
"""The column scalers; l2_normalize (rows to unit length) has its own tests below and in test_loss_parity.py."""


def cases(dtypes=("float64",), axis0_tables=False):
    """(concept, sample, dtype) for every normalisation sample, as pytest params."""
    params = []
    for concept in NORMALIZATION:
        for sample in concept.samples(concept_rng(0, concept.name)):
            if axis0_tables and (sample.params.get("axis", 0) != 0 or sample.name == "vector"):
                continue
            for dtype in dtypes:
                params.append(pytest.param(concept, sample, dtype, id=f"{concept.name}-{sample.name}-{dtype}"))
    return params


def draw(concept, sample, dtype):
    rng = sample_rng(0, concept.name, sample.name)
    return cast_inputs(sample.draw(rng), dtype)["x"], rng


@pytest.mark.parametrize("concept, sample, dtype", cases(axis0_tables=True))
def test_reference_matches_scikit_learn(concept, sample, dtype):
    """MinMaxScaler and StandardScaler (population std, zero scale replaced by 1)."""
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    x, _ = draw(concept, sample, dtype)
    scaler = {"min_max_normalize": preprocessing.MinMaxScaler, "standardize": preprocessing.StandardScaler}
    table = x.reshape(len(x), -1)
    expected = scaler[concept.name]().fit_transform(table).reshape(x.shape)
    out, _ = concept.reference[0](x=x, **sample.params)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("concept, sample, dtype", cases(dtypes=("float32", "float64")))
def test_scaled_columns_and_dtype(concept, sample, dtype):
    x, _ = draw(concept, sample, dtype)
    axis = sample.params.get("axis", 0)
    out, _ = concept.reference[0](x=x, **sample.params)
    assert out.dtype == x.dtype and out.shape == x.shape
    constant = np.ptp(x, axis=axis, keepdims=True) == 0
    out = out.astype(np.float64)
    tol = 1e-5 if dtype == "float32" else 1e-12
    if concept.name == "min_max_normalize":
        expected_low, expected_high = np.where(constant, 0, 0), np.where(constant, 0, 1)
        np.testing.assert_allclose(out.min(axis=axis, keepdims=True), expected_low, atol=tol)
        np.testing.assert_allclose(out.max(axis=axis, keepdims=True), expected_high, atol=tol)
    else:
        np.testing.assert_allclose(out.mean(axis=axis, keepdims=True), 0, atol=tol)
        np.testing.assert_allclose(out.var(axis=axis, keepdims=True), np.where(constant, 0, 1), atol=tol)


@pytest.mark.parametrize("concept, sample, dtype", cases())
def test_gradient_is_blind_to_shift_and_scale(concept, sample, dtype):
    """out(a x + c) = out(x) for a > 0: per column, sum(dx) = 0 and sum(x dx) = 0."""
    x, rng = draw(concept, sample, dtype)
    axis = sample.params.get("axis", 0)
    out, cache = concept.reference[0](x=x, **sample.params)
    dx = concept.reference[1](rng.standard_normal(out.shape), cache)
    np.testing.assert_allclose(np.sum(dx, axis=axis), 0, atol=1e-12)
    np.testing.assert_allclose(np.sum(x * dx, axis=axis), 0, atol=1e-11)


def forward_and_gradient(concept, witness, inputs, dout, pool):
    """A witness's outputs and gradients of ``sum(out * dout)``: the reference here, a framework in its worker."""
    if witness == "numpy":
        outputs, pullback = NumpyAdapter().forward(concept.reference, inputs, {}, concept.grad_wrt)
        return {**outputs, **pullback(dout)}
    framework = FRAMEWORKS[witness]
    if not framework.required and framework.missing_reason():
        pytest.skip(framework.missing_reason())  # an optional framework that is not installed
    worker = pool.worker(witness)
    assert worker.available(), worker.unavailable
    request = ("forward", concept.name, concept.implementation(witness), inputs, {}, concept.grad_wrt, dout)
    results, _, gradient_error = worker.ask(request, 120)
    assert not gradient_error, gradient_error
    return results


@pytest.mark.parametrize("witness", ["numpy", "torch", "tensorflow", "jax", "paddle"])
@pytest.mark.parametrize("concept", NORMALIZATION, ids=lambda c: c.name)
def test_constant_column_becomes_zero_with_a_finite_gradient_everywhere(concept, witness, pool):
    x = np.array([[1.0, 2.5], [3.0, 2.5], [-2.0, 2.5]])
    dout = np.array([[0.3, 1.0], [-1.2, 2.0], [0.5, -0.5]])
    results = forward_and_gradient(concept, witness, {"x": x}, dout, pool)
    dx = results["dx"]
    np.testing.assert_array_equal(results["out"][:, 1], 0.0)
    np.testing.assert_allclose(dx[:, 1], dout[:, 1] - dout[:, 1].mean(), rtol=1e-12)


@pytest.mark.parametrize("concept", NORMALIZATION, ids=lambda c: c.name)
def test_tied_extremes_share_the_gradient(concept):
    """Gradients of a min or max split evenly among ties, as torch.amin and tf.reduce_min do."""
    x = np.array([[0.0], [0.0], [4.0], [2.0]])
    out, cache = concept.reference[0](x=x)
    dx = concept.reference[1](np.array([[0.0], [0.0], [0.0], [1.0]]), cache)
    assert dx[0, 0] == pytest.approx(dx[1, 0])


L2 = REGISTRY["l2_normalize"]


@pytest.mark.parametrize(
    "sample", list(L2.samples(concept_rng(0, L2.name))), ids=lambda s: s.name
)
def test_l2_normalize_gives_unit_vectors_and_a_gradient_orthogonal_to_them(sample):
    x, _ = draw(L2, sample, "float64")
    axis, eps = sample.params.get("axis", 1), sample.params.get("eps", 1e-12)
    out, cache = L2.reference[0](x=x, **sample.params)
    norm = np.linalg.norm(x, axis=axis, keepdims=True)
    lengths = np.linalg.norm(out, axis=axis, keepdims=True)
    np.testing.assert_allclose(lengths, np.where(norm >= eps, 1, norm / eps), rtol=1e-12)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    dx = L2.reference[1](dout, cache)
    # Where the norm is divided by, moving x along itself leaves x / ||x|| unchanged: dx . x = 0.
    along_x = np.sum(dx * x, axis=axis, keepdims=True)
    np.testing.assert_allclose(np.where(norm >= eps, along_x, 0), 0, atol=1e-9)
