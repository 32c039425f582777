"""Activation family: properties of the reference over every sample, and the facts
behind the activation entries of the divergence catalog on the installed versions."""

import inspect
import math

import numpy as np
import pytest

from comparisons.harness import cast_inputs
from comparisons.registry import concept_rng, load_all, sample_rng
from reference import activations as ref

REGISTRY = load_all()
ACTIVATIONS = [c for c in REGISTRY.values() if c.family == "activations"]


def cases(names=None, dtypes=("float32", "float64")):
    """(concept, sample, dtype) for every activation sample, as pytest params."""
    params = []
    for concept in ACTIVATIONS:
        if names and concept.name not in names:
            continue
        for sample in concept.samples(concept_rng(0, concept.name)):
            for dtype in dtypes:
                if dtype in sample.dtypes:
                    params.append(pytest.param(concept, sample, dtype, id=f"{concept.name}-{sample.name}-{dtype}"))
    return params


def run_reference(concept, sample, dtype):
    rng = sample_rng(0, concept.name, sample.name)
    inputs = cast_inputs(sample.draw(rng), dtype)
    out, cache = concept.reference[0](**inputs, **sample.params)
    dout = rng.standard_normal(np.shape(out)).astype(dtype)
    return inputs["x"], out, dout, concept.reference[1](dout, cache)


@pytest.mark.parametrize("concept, sample, dtype", cases())
def test_reference_keeps_shape_and_dtype_and_never_overflows(concept, sample, dtype):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        x, out, _, dx = run_reference(concept, sample, dtype)
    for name, value in (("out", out), ("dx", dx)):
        assert value.shape == x.shape, f"{name} shape {value.shape} != {x.shape}"
        assert value.dtype == np.dtype(dtype), f"{name} is {value.dtype}, expected {dtype}"
        assert np.all(np.isfinite(value)), f"{name} is not finite: {value}"


@pytest.mark.parametrize("concept, sample, dtype", cases({"softmax", "log_softmax"}))
def test_probabilities_sum_to_one_along_the_axis(concept, sample, dtype):
    x, out, _, _ = run_reference(concept, sample, dtype)
    if out.size == 0:
        assert out.shape == x.shape  # empty samples: torch's empty result, no probabilities to add up
        return
    probabilities = np.exp(out.astype(np.float64)) if concept.name == "log_softmax" else out
    sums = np.sum(probabilities, axis=sample.params.get("axis", -1))
    np.testing.assert_allclose(sums, 1.0, rtol=1e-6 if dtype == "float32" else 1e-14)


@pytest.mark.parametrize("concept, sample, dtype", cases({"softmax", "log_softmax"}))
def test_softmax_gradient_is_orthogonal_to_constant_shifts(concept, sample, dtype):
    """softmax(x + c) = softmax(x), so the gradient sums to 0 along the axis."""
    _, _, _, dx = run_reference(concept, sample, dtype)
    sums = np.sum(dx.astype(np.float64), axis=sample.params.get("axis", -1))
    np.testing.assert_allclose(sums, 0.0, atol=1e-5 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("concept, sample, dtype", cases({"sigmoid", "softplus", "tanh"}, dtypes=("float64",)))
def test_symmetry_identities(concept, sample, dtype):
    """sigma(x) + sigma(-x) = 1, softplus(x) - softplus(-x) = x, tanh(-x) = -tanh(x)."""
    if "threshold" in sample.params:
        return  # x itself above the threshold: the identity holds for the smooth softplus only
    x, out, _, _ = run_reference(concept, sample, dtype)
    mirrored, _ = concept.reference[0](x=-x, **sample.params)  # the same beta
    expected = {"sigmoid": 1.0 - mirrored, "softplus": x + mirrored, "tanh": -mirrored}[concept.name]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


PHI_MINUS_3 = 0.0013498980316301  # standard normal table: Phi(-3)
U_MINUS_3 = math.sqrt(2 / math.pi) * (-3 + 0.044715 * -27)  # the tanh form's argument at x = -3


@pytest.mark.parametrize(
    "approximate, expected",
    # DIVERGENCES.md quotes -0.00404951 and -0.00363752; the true values are these.
    [("none", -3 * PHI_MINUS_3), ("tanh", -1.5 * (1 + math.tanh(U_MINUS_3)))],
)
def test_gelu_at_minus_three(approximate, expected):
    out, _ = ref.gelu_forward(np.array([-3.0]), approximate=approximate)
    assert out[0] == pytest.approx(expected, rel=1e-12)
    assert out[0] == pytest.approx({"none": -0.00404969, "tanh": -0.00363739}[approximate], abs=5e-9)


def test_gelu_exact_is_x_times_the_normal_cdf():
    x = np.linspace(-8, 8, 33)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])  # 1 + erf(...) would cancel for x << 0
    out, _ = ref.gelu_forward(x)
    np.testing.assert_allclose(out, x * cdf, rtol=1e-12, atol=1e-300)


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        ref.gelu_forward(np.zeros(2), approximate="fast")


@pytest.mark.parametrize("function", [ref.relu_forward, ref.leaky_relu_forward])
def test_derivative_at_zero_is_the_left_one(function):
    out, cache = function(np.array([0.0]), **({} if function is ref.relu_forward else {"negative_slope": 0.2}))
    dx = (ref.relu_backward if function is ref.relu_forward else ref.leaky_relu_backward)(np.ones(1), cache)
    assert dx[0] == (0.0 if function is ref.relu_forward else 0.2)


# Facts of the installed frameworks that the catalog and the tolerances rely on.


def test_default_slopes_of_leaky_relu():
    """leaky-relu-default-slope: torch 0.01, tf.nn 0.2, Keras 3 layer 0.3 (and keras.ops 0.2)."""
    import keras
    import tensorflow as tf
    import torch.nn.functional as torch_functional
    assert inspect.signature(torch_functional.leaky_relu).parameters["negative_slope"].default == 0.01
    assert inspect.signature(tf.nn.leaky_relu).parameters["alpha"].default == 0.2
    assert keras.layers.LeakyReLU().negative_slope == 0.3
    assert inspect.signature(keras.ops.leaky_relu).parameters["negative_slope"].default == 0.2


def test_default_gelu_forms():
    """gelu-default: torch and tf.nn exact, keras.ops tanh-approximate."""
    import keras
    import tensorflow as tf
    import torch.nn.functional as torch_functional
    import torch

    x = np.array([-3.0], dtype=np.float32)
    exact, approximate = ref.gelu_forward(x)[0][0], ref.gelu_forward(x, approximate="tanh")[0][0]
    assert abs(exact - approximate) > 4e-4  # the two forms differ by 10% at x = -3
    # float32 1 + tanh(u) and 1 + erf(u) cancel at x = -3: a few 1e-7 absolute.
    assert float(keras.ops.gelu(x)[0]) == pytest.approx(approximate, abs=1e-6)
    assert float(tf.nn.gelu(x)[0]) == pytest.approx(exact, abs=1e-6)
    assert float(torch_functional.gelu(torch.tensor(x))[0]) == pytest.approx(exact, abs=1e-6)


def test_relu_gradient_at_zero_in_tensorflow():
    """relu-grad-at-zero: the record checks torch; TensorFlow also takes 0."""
    import tensorflow as tf
    x = tf.constant([0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.relu(x)
    assert tape.gradient(y, x).numpy()[0] == 0.0


def test_tensorflow_float64_leaky_relu_uses_a_float32_slope():
    """Why leaky_relu's float64 tolerance is 1e-7: the op's alpha attribute is a float32."""
    import tensorflow as tf
    x = np.array([-1.0])
    out = tf.nn.leaky_relu(tf.constant(x), alpha=0.01).numpy()
    assert out[0] == -float(np.float32(0.01))
    assert out[0] != -0.01


def test_tensorflow_float64_gelu_rounds_its_constant_to_float32():
    """Why gelu's float64 tolerance is 2e-6: tf.nn.gelu's 1/sqrt(2) goes through float32."""
    import tensorflow as tf
    from scipy import special

    x = np.array([-3.0])
    c32 = float(np.float32(math.sqrt(0.5)))
    out = tf.nn.gelu(tf.constant(x)).numpy()[0]
    assert out == pytest.approx(0.5 * x[0] * special.erfc(-x[0] * c32), rel=1e-14)
    assert abs(out / ref.gelu_forward(x)[0][0] - 1) > 1e-9


def test_numpy_scalar_promotes_float32_but_python_float_does_not():
    """float-defaults (NEP 50, NumPy >= 2)."""
    x = np.ones(3, dtype=np.float32)
    assert np.array([0.5]).dtype == np.float64
    assert (x * np.sqrt(2.0)).dtype == np.float64
    assert (x * math.sqrt(2.0)).dtype == np.float32


def test_frameworks_default_to_float32():
    """float-defaults: torch tensors and Keras layers are float32 unless told otherwise."""
    import torch
    import keras
    assert torch.tensor([0.5]).dtype == torch.float32
    assert keras.config.floatx() == "float32"


def test_tensorflow_float32_tanh_saturates_early():
    """Why gelu's float32 tolerance is 2e-5: TF's float32 tanh is exactly -1 from u = -7.9,
    where the true value, rounded to float32, is still above -1."""
    import tensorflow as tf
    u = np.array([-8.0], dtype=np.float32)
    assert tf.math.tanh(u).numpy()[0] == -1.0
    assert np.float32(np.tanh(u.astype(np.float64)))[0] > -1.0
