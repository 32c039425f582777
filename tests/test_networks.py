"""Networks family: data sets, hand-derived backprop checked against finite differences of the
loss, what XOR needs, dtype, and (slow) the digits MLP trained to > 90 % in every framework."""

import numpy as np
import pytest

from comparisons.agreement import AGREE
from comparisons.harness import RunConfig, cast_inputs, compare_outcomes, run_witnesses
from comparisons.registry import load_all, sample_rng
from comparisons.witnesses import FRAMEWORKS
from reference import networks as ref

WITNESSES = ("numpy", *(name for name in ("torch", "tensorflow", "jax", "paddle")
                        if FRAMEWORKS[name].required or not FRAMEWORKS[name].missing_reason()))
"""The witnesses compared: NumPy, the required frameworks, and the optional ones that are installed."""

PAIRS = [(a, b) for i, a in enumerate(WITNESSES) for b in WITNESSES[i + 1:]]

NETWORK_CONCEPTS = [c for c in load_all().values() if c.family == "networks"]

FULL_BATCH_PARAMETERS = {
    "three_layer_network_training": ("syn0", "syn1"),
    "logistic_regression_training": ("w", "b"),
    "xor_network_training": ("w1", "b1", "w2", "b2"),
}
"""The trained inputs of the full-batch concepts (one step = one gradient of the loss)."""


def registered_samples(names):
    registry = load_all()
    return [
        pytest.param(registry[name], sample, id=f"{name}-{sample.name}")
        for name in names
        for sample in registry[name].samples(None)
    ]


def drawn(concept, sample, dtype="float64"):
    return cast_inputs(sample.draw(sample_rng(0, concept.name, sample.name)), dtype)


def train(concept, inputs, **params):
    return concept.reference[0](**inputs, **params)[0]


def run_all(concept, sample_name, inputs, params, pool):
    """Every witness's outcome on one set of inputs; none of them may fail or be skipped."""
    rng = sample_rng(0, concept.name, sample_name)
    outcomes = run_witnesses(concept, {}, inputs, params, rng, pool, RunConfig())
    for witness in WITNESSES:
        assert not (outcomes[witness].error or outcomes[witness].skipped), f"{witness}: {outcomes[witness]}"
    return outcomes


def test_digits_split_is_disjoint_stratified_and_scaled():
    data = ref.digits_data()
    sizes = [len(data[f"y_{part}"]) for part in ("train", "val", "test")]
    assert sum(sizes) == 1797
    assert [abs(size - fraction * 1797) < 2 for size, fraction in zip(sizes, (0.6, 0.2, 0.2))] == [True] * 3
    rows = np.concatenate([data[f"x_{part}"] for part in ("train", "val", "test")])
    from sklearn.datasets import load_digits

    every_image = np.sort((load_digits().data / 16.0).view([("", float)] * 64), axis=0)
    np.testing.assert_array_equal(np.sort(rows.view([("", float)] * 64), axis=0), every_image)
    assert rows.min() == 0 and rows.max() == 1
    assert data["y_train"].dtype == np.int64
    for part in ("train", "val", "test"):
        counts = np.bincount(data[f"y_{part}"], minlength=10) / sizes[("train", "val", "test").index(part)]
        assert np.all(np.abs(counts - 0.1) < 0.02), f"{part} is not stratified: {counts}"


def test_breast_cancer_is_in_columns_and_standardised():
    X, Y = ref.breast_cancer_data()
    assert X.shape == (30, 569) and Y.shape == (1, 569)
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=1), 1, atol=1e-12)
    assert set(np.unique(Y)) == {0.0, 1.0}


@pytest.mark.parametrize("concept, sample", registered_samples(FULL_BATCH_PARAMETERS))
def test_one_step_moves_the_weights_by_minus_lr_times_the_finite_difference_gradient(concept, sample):
    """The hand-derived backprop (l2_delta, l1_delta, dZ) equals d loss / d W by central differences."""
    inputs = drawn(concept, sample)
    lr = sample.params["lr"]
    after = train(concept, inputs, steps=1, lr=lr)
    for name in FULL_BATCH_PARAMETERS[concept.name]:
        numerical = np.zeros_like(inputs[name])
        for index in np.ndindex(inputs[name].shape):
            losses = []
            for sign in (1, -1):
                shifted = {**inputs, name: inputs[name].copy()}
                shifted[name][index] += sign * 1e-6
                losses.append(train(concept, shifted, steps=1, lr=lr)["loss"][0])
            numerical[index] = (losses[0] - losses[1]) / 2e-6
        np.testing.assert_allclose((inputs[name] - after[name]) / lr, numerical, rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("concept, sample", registered_samples(c.name for c in NETWORK_CONCEPTS))
def test_reference_keeps_float32_and_returns_a_loss_per_step(concept, sample):
    inputs = drawn(concept, sample, "float32")
    outputs = train(concept, inputs, **sample.params)
    for name, value in outputs.items():
        assert value.dtype == np.float32, f"{name} is {value.dtype}"
    steps = sample.params.get("steps") or len(inputs["order"]) * -(-inputs["order"].shape[1] // sample.params["batch_size"])
    assert outputs["loss"].shape == (steps,)
    assert outputs["loss"][-1] < outputs["loss"][0]
    for name in set(inputs) & set(outputs):
        assert outputs[name].shape == inputs[name].shape, name


def test_three_layer_network_learns_the_table():
    weights = ref.trained_three_layer_network()
    x, y = ref.binary_table()
    prediction = 1 / (1 + np.exp(-(1 / (1 + np.exp(-x @ weights["syn0"])) @ weights["syn1"])))
    assert weights["syn0"].shape == (3, 4) and weights["syn1"].shape == (4, 1)
    np.testing.assert_array_equal(prediction > 0.5, y == 1)
    assert np.max(np.abs(prediction - y)) < 0.05


def test_a_single_layer_cannot_learn_xor_but_a_hidden_layer_can(pool):
    x, y = ref.xor_data()
    single = ref.train_logistic_regression(x.T, y.T, np.zeros((2, 1)), np.zeros((1, 1)), steps=2000, lr=1.0)
    assert single["accuracy"] <= 0.75
    assert single["loss"][-1] > 0.6  # stuck near log 2 = 0.693: the best line predicts 1/2 everywhere
    registry = load_all()
    concept = registry["xor_network_training"]
    for sample in concept.samples(None):
        outcomes = run_all(concept, sample.name, drawn(concept, sample), dict(sample.params), pool)
        for witness in WITNESSES:
            accuracy = outcomes[witness].results["accuracy"]
            if sample.name == "2-3-1":
                assert accuracy == 1.0, witness
            else:
                assert accuracy <= 0.75, witness


def digits_outcomes(dtype, epochs, pool):
    concept = load_all()["digits_mlp_training"]
    inputs = cast_inputs(ref.digits_mlp_inputs(np.random.default_rng(0), ref.digits_data(), epochs=epochs), dtype)
    return concept, run_all(concept, f"{epochs}-epochs", inputs, {"lr": 0.125, "batch_size": 32}, pool)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_digits_mlp_reaches_90_percent_identically_in_every_framework(dtype, pool):
    concept, outcomes = digits_outcomes(dtype, epochs=30, pool=pool)
    accuracies = {w: float(outcomes[w].results["test_accuracy"]) for w in WITNESSES}
    assert min(accuracies.values()) > 0.9, accuracies
    assert len(set(accuracies.values())) == 1, accuracies
    for quantity in ("loss", "w1", "b1", "w2", "b2", "val_accuracy"):
        for a, b in PAIRS:
            agreement = compare_outcomes(concept, a, b, quantity, outcomes, dtype)
            assert agreement.verdict == AGREE, f"{quantity} {a}/{b}: {agreement}"


def test_trained_digits_mlp_weights_have_the_documented_shapes():
    params, data = ref.trained_digits_mlp(epochs=1)
    assert {k: v.shape for k, v in params.items()} == {"w1": (32, 64), "b1": (32,), "w2": (10, 32), "b2": (10,)}
    assert ref.mlp_logits(data["x_test"], **params).shape == (360, 10)


def test_the_registered_digits_run_already_passes_90_percent():
    concept = load_all()["digits_mlp_training"]
    (sample,) = concept.samples(None)
    assert train(concept, drawn(concept, sample, "float32"), **sample.params)["test_accuracy"] > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("concept, sample", registered_samples(["three_layer_network_training", "xor_network_training"]))
def test_float64_trajectories_agree_over_10000_steps(concept, sample, pool):
    params = {**sample.params, "steps": 10000}
    outcomes = run_all(concept, sample.name, drawn(concept, sample), params, pool)
    for quantity in outcomes["numpy"].results:
        for a, b in (("numpy", w) for w in WITNESSES[1:]):
            agreement = compare_outcomes(concept, a, b, quantity, outcomes, "float64")
            assert agreement.verdict == AGREE, f"{quantity} {a}/{b}: {agreement}"
