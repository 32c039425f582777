"""Broadcasting family: the un-broadcast rule, shape errors, and hypothesis-drawn shape pairs
on which NumPy and every framework (PyTorch, TensorFlow, JAX, PaddlePaddle where installed)
agree on the output and both gradients, each framework in its witness worker."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from comparisons.agreement import AGREE
from comparisons.harness import RunConfig, cast_inputs, compare_outcomes, run_witnesses
from comparisons.registry import load_all, sample_rng
from comparisons.witnesses import FRAMEWORKS
from reference import broadcasting as ref

BROADCAST_CONCEPTS = ("broadcast_add", "broadcast_mul")

WITNESSES = ("numpy", *(name for name in ("torch", "tensorflow", "jax", "paddle")
                        if FRAMEWORKS[name].required or not FRAMEWORKS[name].missing_reason()))
"""The witnesses compared: NumPy, the required frameworks, and the optional ones that are installed."""

PAIRS = [(a, b) for i, a in enumerate(WITNESSES) for b in WITNESSES[i + 1:]]


def reference_run(concept, inputs, params):
    """Forward output and gradients of the reference for a standard normal dout."""
    forward, backward = concept.reference
    out, cache = forward(**inputs, **params)
    dout = np.random.default_rng(0).standard_normal(np.shape(out)).astype(out.dtype)
    return out, backward(dout, cache)


def samples_of(*names):
    """(concept, sample) parameters over every registered sample of the named concepts."""
    registry = load_all()
    return [
        pytest.param(registry[name], sample, id=f"{name}-{sample.name}")
        for name in names
        for sample in registry[name].samples(None)
    ]


@pytest.mark.parametrize("concept, sample", samples_of(*BROADCAST_CONCEPTS, "matmul"))
def test_output_and_gradient_shapes_follow_the_broadcast_rule(concept, sample):
    inputs = sample.draw(sample_rng(0, concept.name, sample.name))
    a, b = inputs["a"], inputs["b"]
    out, (da, db) = reference_run(concept, inputs, sample.params)
    if concept.name == "matmul":
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        rows = () if a.ndim == 1 else (a.shape[-2],)  # a 1-D operand's added axis is dropped from the result
        columns = () if b.ndim == 1 else (b.shape[-1],)
        assert out.shape == (*batch, *rows, *columns)
    else:
        assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    assert da.shape == a.shape and db.shape == b.shape


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BROADCAST_CONCEPTS)
def test_reference_preserves_dtype(registry, name, dtype):
    a, b = np.ones((3, 1), dtype), np.ones(4, dtype)
    out, grads = reference_run(registry[name], {"a": a, "b": b}, {})
    assert out.dtype == dtype and all(g.dtype == dtype for g in grads)


def test_rank1_pitfall_makes_a_table_not_a_vector():
    out, _ = ref.broadcast_add_forward(np.arange(5.0), np.arange(5.0).reshape(5, 1))
    assert out.shape == (5, 5)
    assert out[2, 3] == 2 + 3


def test_unbroadcast_of_a_scalar_is_the_total_sum():
    grad = np.arange(12.0).reshape(3, 4)
    assert ref.unbroadcast(grad, ()) == grad.sum()


def test_unbroadcast_keeps_size1_axes():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ref.unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None])


def test_product_gradient_is_the_other_operand_summed():
    a, b = np.arange(6.0).reshape(2, 3), np.array([10.0, 20.0, 30.0])
    _, cache = ref.broadcast_mul_forward(a, b)
    da, db = ref.broadcast_mul_backward(np.ones((2, 3)), cache)
    np.testing.assert_array_equal(da, np.broadcast_to(b, (2, 3)))
    np.testing.assert_array_equal(db, a.sum(axis=0))


def test_matmul_of_row_and_column_is_the_dot_product_not_the_elementwise_product():
    a, b = np.arange(1.0, 6.0).reshape(1, 5), np.arange(2.0, 7.0).reshape(5, 1)
    out, _ = ref.matmul_forward(a, b)
    assert out.shape == (1, 1) and out[0, 0] == np.sum(a.ravel() * b.ravel())
    assert (a * b).shape == (5, 5)


@pytest.mark.parametrize(
    "shape_a, shape_b, message",
    [((), (5, 2), "rank >= 1"), ((3, 4), (5, 2), "inner dimensions"), ((2, 3, 4), (3, 3, 2), "inner dimensions"),
     ((4,), (5,), "inner dimensions")],
)
def test_matmul_shape_errors_name_the_shapes(shape_a, shape_b, message):
    with pytest.raises(ValueError, match=message) as error:
        ref.matmul_forward(np.ones(shape_a), np.ones(shape_b))
    assert str(shape_a) in str(error.value)


def shape_pairs():
    return mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", BROADCAST_CONCEPTS)
def test_frameworks_agree_on_hypothesis_shape_pairs(registry, pool, name, dtype):
    """200 broadcastable shape pairs per concept: out, da and db agree across every witness."""
    concept = registry[name]

    @settings(max_examples=200 if dtype == "float64" else 50, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(shapes=shape_pairs(), seed=st.integers(0, 2**16))
    def check(shapes, seed):
        shape_a, shape_b = shapes.input_shapes
        rng = np.random.default_rng(seed)
        inputs = cast_inputs({"a": rng.standard_normal(shape_a), "b": rng.standard_normal(shape_b)}, dtype)
        skip = {"finite-diff": "not needed here: rosetta run checks the registered samples against it"}
        outcomes = run_witnesses(concept, skip, inputs, {}, rng, pool, RunConfig())
        for quantity in ("out", "da", "db"):
            for a, b in PAIRS:
                agreement = compare_outcomes(concept, a, b, quantity, outcomes, dtype)
                assert agreement.verdict == AGREE, f"{name} {shape_a} vs {shape_b}, {quantity} {a}/{b}: {agreement}"

    check()


def test_frameworks_agree_on_hypothesis_batched_matmul_shapes(registry, pool):
    """Batched products with broadcast batch axes: out, da and db agree across every witness."""
    concept = registry["matmul"]

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shapes=mutually_broadcastable_shapes(signature="(n,k),(k,m)->(n,m)", max_dims=2, max_side=4),
           seed=st.integers(0, 2**16))
    def check(shapes, seed):
        shape_a, shape_b = shapes.input_shapes
        rng = np.random.default_rng(seed)
        inputs = {"a": rng.standard_normal(shape_a), "b": rng.standard_normal(shape_b)}
        outcomes = run_witnesses(concept, {"finite-diff": "not needed here"}, inputs, {}, rng, pool, RunConfig())
        for quantity in ("out", "da", "db"):
            for a, b in PAIRS:
                agreement = compare_outcomes(concept, a, b, quantity, outcomes, "float64")
                assert agreement.verdict == AGREE, f"{shape_a} @ {shape_b}, {quantity} {a}/{b}: {agreement}"

    check()
