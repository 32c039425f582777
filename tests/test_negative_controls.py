"""Negative controls: a planted bug in every family's reference must turn comparisons red.

Each test replaces one reference function of a registered concept with a wrapper that
gets one thing wrong (a scaled gradient, a wrong constant, a flipped convention), runs
the concept through the harness against PyTorch, and asserts the harness reports a
disagreement on the quantity the bug touches. The suite's power to see bugs is itself
under test: if a family's comparisons went blind, its control would fail.
"""

import dataclasses

import numpy as np
import pytest

from comparisons import harness
from comparisons.agreement import DISAGREE
from comparisons.registry import FAMILIES
from reference import activations, attention, deployment, init, layers, networks, normalization, optimizers

TORCH_ONLY = harness.RunConfig(frameworks=("torch",))


def scaled_gradient(backward, index, factor=1.001):
    """A backward pass whose ``index``-th gradient is off by ``factor``."""

    def planted(dout, cache):
        grads = backward(dout, cache)
        grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
        grads[index] = grads[index] * factor
        return tuple(grads) if len(grads) > 1 else grads[0]

    return planted


def scaled_output(forward, name="out", factor=0.5):
    """A forward pass whose ``name`` output is off by ``factor``."""

    def planted(**inputs):
        out, cache = forward(**inputs)
        if isinstance(out, dict):
            return {**out, name: out[name] * factor}, cache
        return out * factor, cache

    return planted


def standardize_unbiased(x, *, axis=0):
    """The planted convention: divide by the unbiased (ddof=1) standard deviation."""
    out, cache = normalization.standardize_forward(x, axis=axis)
    n = x.shape[axis]
    return out * np.sqrt((n - 1) / n), cache


def logistic_regression_faster(**inputs):
    """The planted constant: a learning rate 1 % larger than asked."""
    return networks.logistic_regression_training_forward(**{**inputs, "lr": inputs["lr"] * 1.01})


def adam_doubled_eps(theta0, grads, *, lr, beta1, beta2, eps):
    """The planted convention: Adam's epsilon counted twice (seen only where eps is comparable to sqrt(v))."""
    return optimizers.adam_trajectory(theta0, grads, lr=lr, beta1=beta1, beta2=beta2, eps=2 * eps)


def batch_norm_biased_running_var(x, gamma, beta, running_mean, running_var, **params):
    """The planted convention: the running variance updated with the biased batch variance."""
    out, cache = layers.batch_norm_forward(x, gamma, beta, running_mean, running_var, **params)
    if not params.get("training", True) or not isinstance(out, dict):
        return out, cache
    axes = (0, *range(2, x.ndim))
    n = x.size // x.shape[1]
    momentum = params.get("momentum", 0.1)
    biased, unbiased = x.var(axis=axes), x.var(axis=axes) * n / (n - 1)
    return {**out, "running_var": out["running_var"] - momentum * (unbiased - biased).astype(x.dtype)}, cache


def init_with_another_scheme(like, *, scheme, shape, seed):
    """The planted constant: He's law drawn where Glorot's is asked for, described as Glorot's."""
    fan_in, fan_out = init.fans(shape)
    bound = init.intended("he_uniform", fan_in, fan_out).scale
    w = np.random.default_rng(seed).uniform(-bound, bound, shape)
    return init.describe(w.astype(like.dtype), scheme, fan_in, fan_out), None


def dense_network_first_activation_flipped(x, w1, b1, w2, b2, *, activations):
    """The planted convention: the hidden layer's activation swapped."""
    flipped = ("sigmoid" if activations[0] == "relu" else "relu", *activations[1:])
    return deployment.dense_network_forward(x, w1, b1, w2, b2, activations=flipped)


def keys_padding_convention_flipped(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias,
                                   key_padding_mask=None, attn_mask=None, *, num_heads):
    """The planted convention: torch's key_padding_mask read as True = attend (Keras's sense)."""
    flipped = None if key_padding_mask is None else ~key_padding_mask
    return attention.multi_head_attention_forward(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                                                  out_proj_bias, flipped, attn_mask, num_heads=num_heads)


CONTROLS = {
    "activations": ("sigmoid", "dx", lambda c: {"reference": (c.reference[0], scaled_gradient(c.reference[1], 0))}),
    "losses": ("mse", "out", lambda c: {"reference": (scaled_output(c.reference[0]), c.reference[1])}),
    "normalization": ("standardize", "out", lambda c: {"reference": (standardize_unbiased, c.reference[1])}),
    "broadcasting": ("matmul", "db", lambda c: {"reference": (c.reference[0], scaled_gradient(c.reference[1], 1))}),
    "networks": ("logistic_regression_training", None, lambda c: {"reference": (logistic_regression_faster, None)}),
    "convolution": ("conv2d", "dw", lambda c: {"reference": (c.reference[0], scaled_gradient(c.reference[1], 1))}),
    "recurrent": ("lstm", "dh0", lambda c: {"reference": (c.reference[0], scaled_gradient(c.reference[1], 1))}),
    "attention": ("multi_head_attention", "out", lambda c: {"reference": (keys_padding_convention_flipped, c.reference[1])}),
    "optimizers": ("adam", "theta", lambda c: {"reference": (adam_doubled_eps, None)}),
    "layers": ("batch_norm", "running_var", lambda c: {"reference": (batch_norm_biased_running_var, c.reference[1])}),
    "init": ("glorot_uniform_init", None, lambda c: {"reference": (init_with_another_scheme, None)}),
    "deployment": ("onnx_inference", "out", lambda c: {"reference": (dense_network_first_activation_flipped, None),
                                                        "extra_witnesses": {}}),
}
"""Family -> (concept, the quantity the bug must show in or None for any, the planted changes)."""


def test_every_family_has_a_negative_control():
    assert set(CONTROLS) == set(FAMILIES)


@pytest.mark.parametrize("family", sorted(CONTROLS))
def test_a_planted_bug_is_caught(registry, pool, family):
    name, quantity, changes = CONTROLS[family]
    concept = dataclasses.replace(registry[name], divergences=(), **changes(registry[name]))
    records = harness.run_concept(concept, "float64", 0, pool, TORCH_ONLY).records
    caught = [
        r for r in records
        if r.verdict == DISAGREE and (r.witness_a, r.witness_b) == ("numpy", "torch")
        and (quantity is None or r.quantity == quantity)
    ]
    assert caught, f"the planted bug in {name} ({family}) was not caught on {quantity or 'any quantity'}"


def gelu_with_a_six_digit_constant(x, *, approximate):
    """The planted constant: sqrt(2 / pi) written as 0.797885 in the tanh form."""
    out, cache = activations.gelu_forward(x, approximate=approximate)
    if approximate == "tanh":
        out = (0.5 * x * (1 + np.tanh(0.797885 * (x + 0.044715 * x**3)))).astype(x.dtype)
    return out, cache


def test_a_tolerance_kept_for_one_framework_does_not_hide_a_bug_from_the_others(registry, pool):
    """gelu's wide float64 tolerance exists for TensorFlow's float32 constants; numpy ~ torch keeps the tight one."""
    concept = registry["gelu"]
    assert ("float64", "tensorflow") in concept.tolerance and "float64" not in concept.tolerance
    planted = dataclasses.replace(concept, divergences=(), reference=(gelu_with_a_six_digit_constant, concept.reference[1]))
    records = harness.run_concept(planted, "float64", 0, pool, harness.RunConfig(frameworks=("torch", "tensorflow"))).records
    # every tanh-form sample but the empty one, where no value can differ
    tanh_out = [r for r in records if r.quantity == "out" and "tanh" in r.sample and not r.sample.startswith("empty")]
    assert {r.verdict for r in tanh_out if (r.witness_a, r.witness_b) == ("numpy", "torch")} == {DISAGREE}
