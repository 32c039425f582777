"""Networks family: data sets, hand-derived backprop checked against finite differences of the
loss, what XOR needs, dtype, and (slow) the digits MLP trained to > 90 % in every framework."""

import functools

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

NETWORK_CONCEPTS = [c for c in load_all().values() if c.family == "networks" and c.name != "normal_equation"]
"""The training runs of the family (the normal equation is one solve, with no loss per step)."""

FULL_BATCH_PARAMETERS = {
    "three_layer_network_training": ("syn0", "syn1"),
    "logistic_regression_training": ("w", "b"),
    "xor_network_training": ("w1", "b1", "w2", "b2"),
    "linear_regression_training": ("w", "b"),
    "logic_gates_training": ("w", "b"),
    "softmax_regression_training": ("w", "b"),
    "nonlinear_regression_training": ("w1", "b1", "w2", "b2"),
    "l1_regularization": ("w", "b"),
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


@functools.cache
def reference_outputs(concept_name, sample_name, dtype):
    """The NumPy run of a registered sample (cached: the LeNet's ten epochs take seconds)."""
    concept = load_all()[concept_name]
    sample = next(s for s in concept.samples(None) if s.name == sample_name)
    return train(concept, drawn(concept, sample, dtype), **sample.params)


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
    one_step = {**sample.params, "steps": 1}
    after = train(concept, inputs, **one_step)
    for name in FULL_BATCH_PARAMETERS[concept.name]:
        numerical = np.zeros_like(inputs[name])
        for index in np.ndindex(inputs[name].shape):
            losses = []
            for sign in (1, -1):
                shifted = {**inputs, name: inputs[name].copy()}
                shifted[name][index] += sign * 1e-6
                losses.append(train(concept, shifted, **one_step)["loss"][0])
            numerical[index] = (losses[0] - losses[1]) / 2e-6
        np.testing.assert_allclose((inputs[name] - after[name]) / lr, numerical, rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("concept, sample", registered_samples(c.name for c in NETWORK_CONCEPTS))
def test_reference_keeps_float32_and_returns_a_loss_per_step(concept, sample):
    inputs = drawn(concept, sample, "float32")
    outputs = reference_outputs(concept.name, sample.name, "float32")
    for name, value in outputs.items():
        assert value.dtype == np.float32, f"{name} is {value.dtype}"
    if "epochs" in outputs:  # early stopping: a loss per epoch run
        steps = int(outputs["epochs"])
    else:
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


# ------------------------------------------------------------ the curriculum's chapters

from comparisons.concepts import networks as network_concepts  # noqa: E402 - the stated figures live with the samples
from reference import lenet, regression, regularization  # noqa: E402


def one_sample(concept_name, sample_name=None):
    concept = load_all()[concept_name]
    samples = list(concept.samples(None))
    return concept, next(s for s in samples if sample_name in (None, s.name))


@pytest.mark.parametrize("sample_name", ["one-variable", "three-variables"])
def test_gradient_descent_ends_at_the_least_squares_fit(sample_name):
    """Where linear regression's gradient descent ends up is the normal equation's solution, and that is
    scikit-learn's LinearRegression on the min-max scaled features (an independent solver)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import MinMaxScaler

    concept, sample = one_sample("linear_regression_training", sample_name)
    inputs = drawn(concept, sample)
    descent = train(concept, inputs, **sample.params)
    exact = regression.normal_equation_forward(inputs["x"], inputs["y"])[0]
    fit = LinearRegression().fit(MinMaxScaler().fit_transform(inputs["x"]), inputs["y"])
    np.testing.assert_allclose(exact["w"], fit.coef_, rtol=1e-9)
    np.testing.assert_allclose(exact["b"], fit.intercept_, rtol=1e-9)
    np.testing.assert_allclose(descent["w"], exact["w"], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(descent["b"], exact["b"], rtol=1e-8, atol=1e-8)
    assert descent["loss"][-1] == pytest.approx(float(exact["mse"]), rel=1e-10)
    rises = np.diff(descent["loss"]) > 1e-12 * descent["loss"][1:]  # beyond rounding, once converged
    assert not rises.any(), "full-batch descent on a convex loss never goes up at lr 0.5"


@pytest.mark.parametrize("gate", ["AND", "NAND", "OR", "NOR"])
def test_one_neuron_learns_each_separable_gate(gate):
    concept, sample = one_sample("logic_gates_training", gate)
    outputs = reference_outputs(concept.name, sample.name, "float64")
    x, y = regression.logic_gate_table(gate.lower())
    logits = x @ outputs["w"].T + outputs["b"]
    np.testing.assert_array_equal(logits > 0, y == 1)
    assert outputs["accuracy"] == 1.0 and outputs["loss"][-1] < 0.05


def test_one_neuron_cannot_learn_xor_the_hidden_layer_of_xor_network_training_can():
    """XOR is not linearly separable: from any start one neuron ends at the flat point w = 0, b = 0 (loss
    log 2, every row on the fence), never above 3 of 4 rows; xor_network_training's 2-3-1 sample reaches 4 of 4
    (test_a_single_layer_cannot_learn_xor_but_a_hidden_layer_can runs it in every framework)."""
    x, y = regression.logic_gate_table("xor")
    rng = np.random.default_rng(0)
    for _ in range(5):
        w, b = 3 * rng.standard_normal((1, 2)), rng.standard_normal(1)
        outputs = regression.logic_gates_training_forward(x, y, w, b, steps=2000, lr=2.0)[0]
        assert outputs["loss"][-1] > np.log(2) - 1e-3
        assert outputs["accuracy"] <= 0.75
    # No line separates XOR: whatever (w, b), some row is on the wrong side (checked on a grid of lines).
    angles, offsets = np.linspace(0, 2 * np.pi, 73), np.linspace(-2, 2, 81)
    for angle in angles:
        normal = np.array([np.cos(angle), np.sin(angle)])
        for offset in offsets:
            assert np.mean((x @ normal + offset > 0) == (y[:, 0] == 1)) <= 0.75


def test_softmax_regression_classifies_iris():
    concept, sample = one_sample("softmax_regression_training")
    outputs = reference_outputs(concept.name, sample.name, "float64")
    assert outputs["train_accuracy"] > 0.9 and outputs["test_accuracy"] > 0.9
    data = regression.iris_data()
    assert (len(data["y_train"]), len(data["y_test"])) == (105, 45)
    assert np.all(np.bincount(data["y_test"]) == 15), "stratified"
    np.testing.assert_allclose(data["x_train"].mean(axis=0), 0, atol=1e-12)


def test_the_sine_network_reaches_the_stated_error():
    concept, sample = one_sample("nonlinear_regression_training")
    outputs = reference_outputs(concept.name, sample.name, "float64")
    x, y = regression.sine_data()
    prediction = np.tanh(x @ outputs["w1"].T + outputs["b1"]) @ outputs["w2"].T + outputs["b2"]
    assert float(outputs["mse"]) == pytest.approx(np.mean((prediction - y) ** 2))
    assert outputs["mse"] < network_concepts.SINE_MSE
    assert np.all(np.diff(outputs["loss"]) <= 1e-15), "at lr 1/8 the loss falls at every step (no edge-of-stability jumps)"
    np.testing.assert_allclose(np.pi * (x[[0, -1]] + 1), [[0], [2 * np.pi]])  # the inputs cover [0, 2 pi]


def test_lenet_backward_is_the_finite_difference_gradient():
    rng = np.random.default_rng(0)
    inputs = lenet.lenet_inputs(rng, ref.digits_data(), channels=(3, 4))
    params = [inputs[name] for name in lenet.PARAMETERS]
    x, labels = inputs["x_train"][:5], inputs["y_train"][:5]
    _, grads = lenet._lenet_step(x, labels, *params)
    for k, name in enumerate(lenet.PARAMETERS):
        for index in list(np.ndindex(params[k].shape))[:: max(1, params[k].size // 12)]:
            losses = []
            for sign in (1, -1):
                shifted = [p.copy() for p in params]
                shifted[k][index] += sign * 1e-6
                losses.append(lenet._lenet_step(x, labels, *shifted)[0])
            assert (losses[0] - losses[1]) / 2e-6 == pytest.approx(grads[k][index], rel=1e-5, abs=1e-8), (name, index)


def test_lenet_reaches_the_stated_test_accuracy():
    """At least 97 % of the 360 test digits in the default (float32) run. The agreement tests hold every
    framework's test_accuracy equal to this one, and its weights and losses step by step."""
    concept, sample = one_sample("lenet_digits_training", f"{network_concepts.LENET_EPOCHS}-epochs")
    outputs = reference_outputs(concept.name, sample.name, "float32")
    assert outputs["test_accuracy"] >= network_concepts.LENET_ACCURACY
    assert outputs["val_accuracy"][-1] > outputs["val_accuracy"][0]
    assert outputs["loss"].shape == (network_concepts.LENET_EPOCHS * 34,)  # ceil(1077 / 32) = 34 batches an epoch


def test_l1_uses_the_zero_subgradient_at_zero_and_ends_near_the_lasso():
    from sklearn.linear_model import Lasso

    concept, sample = one_sample("l1_regularization")
    inputs = drawn(concept, sample)
    lam, lr = sample.params["lam"], sample.params["lr"]
    # From w = 0 the first step is the plain MSE step: sign(0) = 0 adds nothing.
    first_step = {**inputs, "w": np.zeros_like(inputs["w"]), "steps": 1, "lr": lr}
    with_penalty = regularization.l1_regularization_forward(**first_step, lam=lam)[0]
    without = regularization.l1_regularization_forward(**first_step, lam=0.0)[0]
    np.testing.assert_array_equal(with_penalty["w"], without["w"])
    # The whole run ends within the chatter (2 lr lam) of scikit-learn's Lasso (alpha = lam / 2: it halves the MSE).
    outputs = reference_outputs(concept.name, sample.name, "float64")
    lasso = Lasso(alpha=lam / 2, tol=1e-12, max_iter=100_000).fit(inputs["x"], inputs["y"][:, 0])
    np.testing.assert_allclose(outputs["w"][0], lasso.coef_, atol=2 * lr * lam)
    assert np.all(np.abs(outputs["w"][0, 2:]) < 2 * lr * lam) and np.all(np.abs(outputs["w"][0, :2]) > 1)


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    concept, sample = one_sample("early_stopping")
    outputs = reference_outputs(concept.name, sample.name, "float64")
    patience, min_delta = sample.params["patience"], sample.params["min_delta"]
    run = int(outputs["epochs"])
    val = outputs["val_loss"]
    assert 1 < run < sample.params["epochs"]
    best_before = val[: run - patience].min()
    assert np.all(val[-patience:] >= best_before - min_delta), "the last `patience` epochs did not improve"
    assert val[run - patience - 1] == best_before, "the epoch before them was the last improvement"
    # With min_delta 0 the validation loss keeps falling on this problem: no stop before the end.
    inputs = drawn(concept, sample)
    full = train(concept, inputs, **{**sample.params, "min_delta": 0.0})
    assert int(full["epochs"]) == sample.params["epochs"]


BAD_TRAINING_CALLS = [
    ("linear_regression_training", {"steps": 0}, "steps"),
    ("linear_regression_training", {"lr": 0.0}, "lr"),
    ("logic_gates_training", {"lr": -1.0}, "lr"),
    ("logic_gates_training", {"steps": 0}, "steps"),
    ("softmax_regression_training", {"steps": 0}, "steps"),
    ("softmax_regression_training", {"y_train": lambda i: np.where(i["y_train"] == 2, 3, i["y_train"])}, "y_train"),
    ("softmax_regression_training", {"y_test": lambda i: i["y_test"] - 1}, "y_test"),
    ("nonlinear_regression_training", {"steps": 0}, "steps"),
    ("nonlinear_regression_training", {"lr": -0.1}, "lr"),
    ("lenet_digits_training", {"order": lambda i: i["order"][:0]}, "order"),
    ("lenet_digits_training", {"lr": 0.0}, "lr"),
    ("lenet_digits_training", {"y_train": lambda i: np.where(i["y_train"] == 9, 10, i["y_train"])}, "y_train"),
    ("lenet_digits_training", {"momentum": 1.0}, "momentum"),
    ("l1_regularization", {"steps": 0}, "steps"),
    ("l1_regularization", {"lam": -0.1}, "lam"),
    ("early_stopping", {"epochs": 0}, "epochs"),
    ("early_stopping", {"patience": 0}, "patience"),
    ("early_stopping", {"lr": 0.0}, "lr"),
    ("early_stopping", {"y_val": lambda i: i["y_val"] + 1}, "y_val"),
]


@pytest.mark.parametrize("concept_name, change, argument", BAD_TRAINING_CALLS,
                         ids=[f"{c}-{a}" for c, _, a in BAD_TRAINING_CALLS])
def test_bad_training_arguments_name_themselves(concept_name, change, argument):
    concept = load_all()[concept_name]
    sample = list(concept.samples(None))[0]
    inputs = drawn(concept, sample)
    params = dict(sample.params)
    for name, value in change.items():
        if callable(value):
            inputs[name] = value(inputs)
        else:
            params[name] = value
    with pytest.raises(ValueError, match=f"^{argument}"):
        train(concept, inputs, **params)
