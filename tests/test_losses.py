"""Cost family: reductions, gradients and edge values of the reference over every
sample, and the facts behind the cost entries of the divergence catalog."""

import math

import numpy as np
import pytest

from comparisons.harness import cast_inputs
from comparisons.registry import concept_rng, load_all, sample_rng
from reference import losses as ref

REGISTRY = load_all()
LOSSES = [c for c in REGISTRY.values() if c.family == "losses"]


def cases(dtypes=("float64",)):
    """(concept, sample, dtype) for every cost sample, as pytest params."""
    return [
        pytest.param(concept, sample, dtype, id=f"{concept.name}-{sample.name}-{dtype}")
        for concept in LOSSES
        for sample in concept.samples(concept_rng(0, concept.name))
        for dtype in dtypes
        if dtype in sample.dtypes
    ]


def draw(concept, sample, dtype):
    return cast_inputs(sample.draw(sample_rng(0, concept.name, sample.name)), dtype)


def loss_and_gradient(concept, inputs, reduction, dout=None):
    """The reference loss and its gradient for upstream ``dout`` (ones by default)."""
    out, cache = concept.reference[0](**inputs, reduction=reduction)
    dout = np.ones_like(out) if dout is None else dout
    return out, concept.reference[1](dout, cache)


@pytest.mark.parametrize("concept, sample, dtype", cases())
def test_sum_and_mean_reduce_the_elementwise_losses(concept, sample, dtype):
    inputs = draw(concept, sample, dtype)
    losses, dnone = loss_and_gradient(concept, inputs, "none")
    total, dsum = loss_and_gradient(concept, inputs, "sum")
    mean, dmean = loss_and_gradient(concept, inputs, "mean")
    np.testing.assert_allclose(total, losses.sum(), rtol=1e-12)
    np.testing.assert_allclose(mean, losses.mean(), rtol=1e-12)
    np.testing.assert_allclose(dsum, dnone, rtol=1e-12)
    np.testing.assert_allclose(dmean, dsum / losses.size, rtol=1e-12)


@pytest.mark.parametrize("concept, sample, dtype", cases(dtypes=("float32", "float64")))
def test_reference_keeps_dtype_and_stays_finite(concept, sample, dtype):
    inputs = draw(concept, sample, dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out, grad = loss_and_gradient(concept, inputs, sample.params.get("reduction", "mean"))
    first = next(iter(inputs.values()))
    assert out.dtype == first.dtype and grad.dtype == first.dtype
    assert grad.shape == first.shape
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))


def test_half_squared_error_is_half_the_mse():
    rng = np.random.default_rng(3)
    y_pred, y_true = rng.standard_normal((2, 5))
    for reduction in ("none", "mean", "sum"):
        inputs = {"y_pred": y_pred, "y_true": y_true}
        mse, dmse = loss_and_gradient(REGISTRY["mse"], inputs, reduction)
        half, dhalf = loss_and_gradient(REGISTRY["half_squared_error"], inputs, reduction)
        np.testing.assert_allclose(half, mse / 2, rtol=1e-15)
        np.testing.assert_allclose(dhalf, dmse / 2, rtol=1e-15)


def test_two_class_cross_entropy_is_bce_with_logits():
    """softmax over logits (0, z) is (1 - sigma(z), sigma(z)): class 1 is the positive one."""
    z = np.array([-30.0, -2.0, 0.0, 0.7, 25.0])
    target = np.array([1, 0, 1, 1, 0])
    logits = np.stack([np.zeros_like(z), z], axis=1)
    ce, _ = ref.cross_entropy_forward(logits, target, reduction="none")
    bce, _ = ref.binary_cross_entropy_with_logits_forward(z, target.astype(float), reduction="none")
    np.testing.assert_allclose(ce, bce, rtol=1e-13)


def test_cross_entropy_of_uniform_logits_is_log_of_the_class_count():
    logits = np.zeros((3, 10))
    loss, _ = ref.cross_entropy_forward(logits, np.array([0, 4, 9]))
    assert loss == pytest.approx(math.log(10), rel=1e-15)


def test_bce_at_keras_clip_bound_is_minus_log_1e7():
    loss, _ = ref.binary_cross_entropy_forward(np.array([1e-7]), np.array([1.0]), reduction="sum")
    assert loss == pytest.approx(7 * math.log(10), rel=1e-12)  # 16.118


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ref.mse_forward(np.zeros(3), np.zeros(4)), ValueError, "same shape"),
        (lambda: ref.binary_cross_entropy_forward(np.full(2, 0.5), np.zeros(3)), ValueError, "same shape"),
        (lambda: ref.cross_entropy_forward(np.zeros((2, 3)), np.array([0.0, 1.0])), TypeError, "integer class"),
        (lambda: ref.cross_entropy_forward(np.zeros((2, 3)), np.array([0, 3])), ValueError, r"\[0, 3\)"),
        (lambda: ref.mse_forward(np.zeros(2), np.zeros(2), reduction="avg"), ValueError, "reduction"),
    ],
    ids=["mse-shapes", "bce-shapes", "ce-float-targets", "ce-out-of-range", "bad-reduction"],
)
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# Facts of the installed frameworks that the catalog relies on.


def test_largest_clipped_losses():
    """bce-clipping: at p = 0, y = 1 Keras gives -log(1e-7) = 16.12 and torch 100."""
    import keras
    import torch
    p, y = np.array([0.0], dtype=np.float32), np.array([1.0], dtype=np.float32)
    assert float(keras.ops.binary_crossentropy(y, p)[0]) == pytest.approx(7 * math.log(10), rel=1e-5)
    torch_loss = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(y))
    assert float(torch_loss) == 100.0
    # On the other side the float32 clip bound 1 - 1e-7 is 1 - 2**-23: the largest loss is 15.94.
    assert float(keras.ops.binary_crossentropy(1 - y, 1 - p)[0]) == pytest.approx(23 * math.log(2), rel=1e-5)


def test_keras_uses_the_logits_behind_its_own_sigmoid():
    """bce-clipping: a keras.ops.sigmoid output carries its logits, and Keras's binary
    cross-entropy silently uses them (no clipping), unlike a tf.math.sigmoid output."""
    import keras
    import tensorflow as tf
    z, y = tf.constant([-100.0]), tf.constant([1.0])
    through_keras = float(keras.ops.binary_crossentropy(y, keras.ops.sigmoid(z))[0])
    through_tf = float(keras.ops.binary_crossentropy(y, tf.math.sigmoid(z))[0])
    assert through_keras == pytest.approx(100.0, rel=1e-6)
    assert through_tf == pytest.approx(7 * math.log(10), rel=1e-5)


def test_tf_l2_loss_is_half_the_sum_of_squares():
    """mse-half: tf.nn.l2_loss is sum / 2, the reference's half_squared_error with "sum"."""
    import tensorflow as tf
    diff = np.array([0.5, -1.0, 2.0])
    expected, _ = ref.half_squared_error_forward(diff, np.zeros(3), reduction="sum")
    assert float(tf.nn.l2_loss(tf.constant(diff))) == pytest.approx(expected, rel=1e-15)
    assert expected == pytest.approx((0.25 + 1 + 4) / 2)


def test_keras_mse_averages_the_last_axis_only():
    """Why the TF implementation reduces element-wise losses itself."""
    import keras
    y_pred, y_true = np.array([[1.0, 3.0], [0.0, 0.0]]), np.zeros((2, 2))
    per_row = keras.losses.mean_squared_error(y_true, y_pred)
    np.testing.assert_allclose(np.asarray(per_row), [5.0, 0.0])
