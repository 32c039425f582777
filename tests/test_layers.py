"""Layers family: batch norm, dropout and L2 regularisation edge cases and properties."""

import numpy as np
import pytest

from comparisons.concepts import layers as concepts
from comparisons.divergences import layers as catalog
from comparisons.registry import Sample
from comparisons.witnesses import FRAMEWORKS
from reference import layers as ref
from reference import regularization as reg


def _bn_samples(training):
    return [s for s in concepts.batch_norm_samples(None) if s.params.get("training", True) == training]


@pytest.mark.parametrize("sample", _bn_samples(True), ids=lambda s: s.name)
def test_training_output_is_normalised_per_channel(sample):
    inputs = sample.draw(np.random.default_rng(0))
    inputs["gamma"], inputs["beta"] = np.ones_like(inputs["gamma"]), np.zeros_like(inputs["beta"])
    out, _ = ref.batch_norm_forward(**inputs, **sample.params)
    axes = (0, *range(2, out["out"].ndim))  # all but the channel axis of (N, C, *)
    assert np.allclose(out["out"].mean(axis=axes), 0, atol=1e-10)
    var = inputs["x"].var(axis=axes)
    assert np.allclose(out["out"].var(axis=axes), var / (var + sample.params["eps"]))


@pytest.mark.parametrize("sample", _bn_samples(True), ids=lambda s: s.name)
def test_running_variance_uses_the_unbiased_estimate(sample):
    inputs = sample.draw(np.random.default_rng(0))
    out, _ = ref.batch_norm_forward(**inputs, **sample.params)
    x, m = inputs["x"], sample.params["momentum"]
    axes = (0, *range(2, x.ndim))
    expected = (1 - m) * inputs["running_var"] + m * x.var(axis=axes, ddof=1)
    assert np.allclose(out["running_var"], expected)


@pytest.mark.parametrize("sample", _bn_samples(False), ids=lambda s: s.name)
def test_eval_mode_keeps_running_statistics(sample):
    inputs = sample.draw(np.random.default_rng(0))
    out, _ = ref.batch_norm_forward(**inputs, **sample.params)
    assert np.array_equal(out["running_mean"], inputs["running_mean"])
    assert np.array_equal(out["running_var"], inputs["running_var"])


def test_training_gradient_sums_to_zero_per_channel():
    """y does not change when a constant is added to a channel, so dx sums to 0 there."""
    inputs = concepts.batch_norm_inputs((2, 3, 2, 2))(np.random.default_rng(3))
    _, cache = ref.batch_norm_forward(**inputs)
    dx, _, _ = ref.batch_norm_backward(np.random.default_rng(4).standard_normal((2, 3, 2, 2)), cache)
    assert np.allclose(dx.sum(axis=(0, 2, 3)), 0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_preserves_dtype(dtype):
    inputs = {k: v.astype(dtype) for k, v in concepts.batch_norm_inputs((4, 2))(np.random.default_rng(0)).items()}
    out, cache = ref.batch_norm_forward(**inputs)
    assert all(v.dtype == dtype for v in out.values())
    assert all(g.dtype == dtype for g in ref.batch_norm_backward(np.ones((4, 2), dtype), cache))


def test_batch_norm_rejects_1d_input():
    x = np.zeros(3)
    with pytest.raises(ValueError, match=r"^x must have shape \(N, C, \*\)"):
        ref.batch_norm_forward(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))


@pytest.mark.parametrize("sample", list(concepts.dropout_samples(None)), ids=lambda s: s.name)
def test_dropout_keeps_the_expected_value(sample):
    """Averaged over many masks with P(drop) = p, inverted dropout is the identity."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 5))
    p = sample.params["p"]
    masks = (rng.uniform(size=(20000, 4, 5)) >= p).astype(float)
    assert np.allclose(ref.dropout_forward(x, masks, p=p)[0].mean(axis=0), x, atol=0.05 * np.abs(x).max() + 0.05)


def test_dropout_rejects_p_of_one():
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        ref.dropout_forward(np.ones(3), np.ones(3), p=1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_preserves_dtype(dtype):
    out, cache = ref.dropout_forward(np.ones(3, dtype), np.array([1, 0, 1], dtype), p=0.2)
    assert out.dtype == dtype and ref.dropout_backward(np.ones(3, dtype), cache).dtype == dtype


@pytest.mark.parametrize("framework", ["torch", "tensorflow", "jax", "paddle"])
@pytest.mark.parametrize("p", [0.25, 0.5])
def test_each_built_in_dropout_draws_a_keep_mask_at_rate_one_minus_p(framework, p, registry, pool):
    """The mask a framework's dropout returns is binary, keeps about 1 - p of the units, and is the one it applied.

    The agreement rows compare the reference on this mask; a built-in that ignored p (or
    returned a mask it did not use) would still agree there, so the draw is checked here.
    """
    spec = FRAMEWORKS[framework]
    if not spec.required and spec.missing_reason():
        pytest.skip(spec.missing_reason())  # an optional framework that is not installed
    concept = registry["dropout"]
    x = np.random.default_rng(0).uniform(0.5, 2.0, (200, 100))
    request = ("forward", concept.name, concept.implementation(framework), {"x": x}, {"p": p}, (), None)
    results, _, _ = pool.worker(framework).ask(request, 120)
    mask, out = results["mask"], results["out"]
    assert set(np.unique(mask)) == {0.0, 1.0}
    assert abs(mask.mean() - (1 - p)) < 0.02  # 20,000 draws: the standard deviation is at most 0.0035
    assert np.allclose(out, x * mask / (1 - p))


def test_l2_penalty_gradient_is_lambda_w():
    w = np.array([1.0, -2.0, 0.5])
    out, cache = reg.l2_penalty_forward(w, lam=0.3)
    assert out == pytest.approx(0.15 * np.sum(w**2))
    assert np.allclose(reg.l2_penalty_backward(1.0, cache), 0.3 * w)


def test_weight_decay_shrinks_towards_zero_without_gradient():
    theta, _ = reg.sgd_weight_decay_trajectory(np.ones(2), np.zeros((3, 2)), lr=0.5, weight_decay=0.5)
    assert np.allclose(theta["theta"][:, 0], 0.75 ** np.arange(1, 4))


def test_divergence_samples_are_valid():
    for concept_divergences in (catalog.BATCH_NORM, catalog.DROPOUT, catalog.L2_REGULARIZATION):
        for divergence in concept_divergences:
            assert isinstance(divergence.sample, Sample)
            assert divergence.source.startswith("https://")
