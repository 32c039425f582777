"""Recurrent family: BPTT against finite differences, weight conversions, bad inputs, the adding RNN.

The framework comparisons (torch, TensorFlow, JAX, Paddle) of these concepts are in
test_agreement.py, generated from the registry; here the NumPy reference and the weight
conversions are checked on their own.
"""

import re

import numpy as np
import pytest

from comparisons.concepts import recurrent as concepts
from comparisons.registry import concept_rng, sample_rng
from framework_impls.conversions import recurrent as conv
from reference import recurrent as ref

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
LAYERS = [
    ("rnn", {}), ("rnn", {"nonlinearity": "relu"}), ("lstm", {}),
    ("gru", {"reset_after": True}), ("gru", {"reset_after": False}),
]
LAYER_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru-reset-after", "gru-reset-before"]


def layer_inputs(kind, rng, n=2, steps=4, features=3, hidden=3, scale=1.0):
    """x, the initial state(s) and torch-layout weights, as the concept samples draw them."""
    return concepts.sequence_inputs(kind, n, steps, features, hidden, weight_scale=scale)(rng)


def forward(kind):
    return getattr(ref, f"{kind}_forward")


def backward(kind):
    return getattr(ref, f"{kind}_backward")


def numerical_gradient(loss, x, h=1e-6):
    """Central differences of the scalar ``loss()`` with respect to every element of ``x`` (changed in place)."""
    grad = np.empty_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        plus = loss()
        x[index] = saved - h
        minus = loss()
        x[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


# ------------------------------------------------------------------- gradients


@pytest.mark.parametrize("kind, params", LAYERS, ids=LAYER_IDS)
@pytest.mark.parametrize("steps", [1, 5])
def test_every_gradient_matches_finite_differences(kind, params, steps):
    inputs = layer_inputs(kind, np.random.default_rng(steps), steps=steps, scale=2.0)
    out, cache = forward(kind)(*inputs.values(), **params)
    dout = np.random.default_rng(10).standard_normal(out.shape)
    grads = dict(zip(inputs, backward(kind)(dout, cache)))
    assert list(grads) == list(inputs)  # one gradient per input, in call order

    def loss():
        return float(np.sum(forward(kind)(*inputs.values(), **params)[0] * dout))

    for name, value in inputs.items():
        expected = numerical_gradient(loss, value)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-6, atol=1e-8, err_msg=f"d{name}")


@pytest.mark.parametrize("kind, params", LAYERS, ids=LAYER_IDS)
def test_hidden_size_one_and_larger_than_input(kind, params):
    for features, hidden in ((3, 1), (1, 6)):
        inputs = layer_inputs(kind, np.random.default_rng(hidden), steps=3, features=features, hidden=hidden)
        out, cache = forward(kind)(*inputs.values(), **params)
        assert out.shape == (2, 3, hidden)
        dout = np.random.default_rng(1).standard_normal(out.shape)
        grads = backward(kind)(dout, cache)

        def loss():
            return float(np.sum(forward(kind)(*inputs.values(), **params)[0] * dout))

        np.testing.assert_allclose(grads[0], numerical_gradient(loss, inputs["x"]), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(grads[-4], numerical_gradient(loss, inputs["w_ih"]), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("kind, params", LAYERS, ids=LAYER_IDS)
def test_gradient_flows_only_backwards_in_time(kind, params):
    """dout at step t reaches x_s for s <= t only: the recurrence is causal."""
    inputs = layer_inputs(kind, np.random.default_rng(3), steps=6)
    out, cache = forward(kind)(*inputs.values(), **params)
    dout = np.zeros_like(out)
    dout[:, 2] = 1.0
    dx = backward(kind)(dout, cache)[0]
    assert np.all(dx[:, 3:] == 0)
    assert np.all(np.abs(dx[:, :3]).sum(axis=(0, 2)) > 0)


@pytest.mark.parametrize("kind, params", LAYERS, ids=LAYER_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(kind, params, dtype):
    inputs = {k: v.astype(dtype) for k, v in layer_inputs(kind, np.random.default_rng(0)).items()}
    out, cache = forward(kind)(*inputs.values(), **params)
    assert out.dtype == dtype
    assert all(g.dtype == dtype for g in backward(kind)(np.ones_like(out), cache))


@pytest.mark.parametrize("kind, params", LAYERS, ids=LAYER_IDS)
def test_out_is_every_hidden_state_and_the_last_is_the_final_state(kind, params):
    """Running the steps one call at a time, each from the last state, gives the same sequence."""
    inputs = layer_inputs(kind, np.random.default_rng(4), steps=5)
    out, _ = forward(kind)(*inputs.values(), **params)
    states = {k: inputs[k] for k in ("h0", "c0") if k in inputs}
    for t in range(5):
        step_inputs = {**inputs, **states, "x": inputs["x"][:, t : t + 1]}
        step_out, cache = forward(kind)(*step_inputs.values(), **params)
        np.testing.assert_allclose(step_out[:, 0], out[:, t], rtol=1e-14, atol=1e-15)
        states["h0"] = step_out[:, 0]
        if kind == "lstm":
            states["c0"] = ref.lstm_step_forward(
                step_inputs["x"][:, 0] @ inputs["w_ih"].T + inputs["b_ih"], step_inputs["h0"], step_inputs["c0"],
                inputs["w_hh"], inputs["b_hh"],
            )[1]


def test_gru_reset_after_false_differs_from_true():
    inputs = layer_inputs("gru", np.random.default_rng(5), steps=5, scale=2.0)
    after, _ = ref.gru_forward(*inputs.values(), reset_after=True)
    before, _ = ref.gru_forward(*inputs.values(), reset_after=False)
    assert np.abs(after - before).max() > 1e-2


def test_saturated_gates_keep_finite_outputs_and_gradients():
    inputs = layer_inputs("lstm", np.random.default_rng(6), steps=5, scale=200.0)
    inputs["x"] *= 100
    out, cache = ref.lstm_forward(*inputs.values())
    grads = ref.lstm_backward(np.ones_like(out), cache)
    assert np.all(np.isfinite(out)) and all(np.all(np.isfinite(g)) for g in grads)


# ----------------------------------------------------------------- conversions


def torch_weights(kind, rng, features=3, hidden=4):
    gates = GATES[kind]
    return (rng.standard_normal((gates * hidden, features)), rng.standard_normal((gates * hidden, hidden)),
            rng.standard_normal(gates * hidden), rng.standard_normal(gates * hidden))


def keras_lstm_numpy(x, h0, c0, kernel, recurrent_kernel, bias):
    """Keras's LSTMCell.call in NumPy: z = x kernel + h recurrent_kernel + bias, split i, f, c, o."""
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    h, c, out = h0, c0, []
    for t in range(x.shape[1]):
        i, f, g, o = np.split(x[:, t] @ kernel + h @ recurrent_kernel + bias, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def keras_gru_numpy(x, h0, kernel, recurrent_kernel, bias, reset_after):
    """Keras's GRUCell.call in NumPy (blocks z, r, h)."""
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, np.zeros_like(bias))
    hidden = h0.shape[1]
    h, out = h0, []
    for t in range(x.shape[1]):
        x_z, x_r, x_h = np.split(x[:, t] @ kernel + input_bias, 3, axis=1)
        if reset_after:
            h_z, h_r, h_h = np.split(h @ recurrent_kernel + recurrent_bias, 3, axis=1)
            z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
            candidate = np.tanh(x_h + r * h_h)
        else:
            z = sigmoid(x_z + h @ recurrent_kernel[:, :hidden])
            r = sigmoid(x_r + h @ recurrent_kernel[:, hidden : 2 * hidden])
            candidate = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * hidden :])
        h = z * h + (1 - z) * candidate
        out.append(h)
    return np.stack(out, axis=1)


def test_torch_lstm_to_keras_computes_the_same_lstm():
    rng = np.random.default_rng(0)
    w = torch_weights("lstm", rng)
    x, h0, c0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    kernel, recurrent_kernel, bias = conv.torch_lstm_to_keras(*w)
    assert kernel.shape == (3, 16) and recurrent_kernel.shape == (4, 16) and bias.shape == (16,)
    np.testing.assert_allclose(keras_lstm_numpy(x, h0, c0, kernel, recurrent_kernel, bias),
                               ref.lstm_forward(x, h0, c0, *w)[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reset_after", [True, False])
def test_torch_gru_to_keras_computes_the_same_gru(reset_after):
    rng = np.random.default_rng(1)
    w = torch_weights("gru", rng)
    x, h0 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4))
    kernel, recurrent_kernel, bias = conv.torch_gru_to_keras(*w, reset_after=reset_after)
    assert bias.shape == ((2, 12) if reset_after else (12,))
    np.testing.assert_allclose(keras_gru_numpy(x, h0, kernel, recurrent_kernel, bias, reset_after),
                               ref.gru_forward(x, h0, *w, reset_after=reset_after)[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind, to_keras, to_torch, options", [
    ("rnn", conv.torch_rnn_to_keras, conv.keras_rnn_to_torch, {}),
    ("lstm", conv.torch_lstm_to_keras, conv.keras_lstm_to_torch, {}),
    ("gru", conv.torch_gru_to_keras, conv.keras_gru_to_torch, {"reset_after": True}),
    ("gru", conv.torch_gru_to_keras, conv.keras_gru_to_torch, {"reset_after": False}),
], ids=["rnn", "lstm", "gru-reset-after", "gru-reset-before"])
def test_keras_round_trips(kind, to_keras, to_torch, options):
    rng = np.random.default_rng(2)
    w_ih, w_hh, b_ih, b_hh = torch_weights(kind, rng)
    keras_weights = to_keras(w_ih, w_hh, b_ih, b_hh, **options)
    back = to_torch(*keras_weights, **options)
    np.testing.assert_array_equal(back[0], w_ih)
    np.testing.assert_array_equal(back[1], w_hh)
    if kind == "gru" and options["reset_after"]:  # the (2, 3H) bias keeps both: exact
        np.testing.assert_array_equal(back[2], b_ih)
        np.testing.assert_array_equal(back[3], b_hh)
    else:  # one bias: the sum comes back in b_ih, b_hh is zeros
        np.testing.assert_allclose(back[2], b_ih + b_hh, rtol=1e-15)
        np.testing.assert_array_equal(back[3], 0)
    # ... and the layer computes the same either way
    x, states = rng.standard_normal((2, 4, 3)), [rng.standard_normal((2, 4))] * (2 if kind == "lstm" else 1)
    params = {"reset_after": options["reset_after"]} if kind == "gru" else {}
    np.testing.assert_allclose(forward(kind)(x, *states, *back, **params)[0],
                               forward(kind)(x, *states, w_ih, w_hh, b_ih, b_hh, **params)[0], rtol=1e-12, atol=1e-14)
    again = to_keras(*back, **options)
    for a, b in zip(again, keras_weights):
        np.testing.assert_allclose(a, b, rtol=1e-15)


@pytest.mark.parametrize("kind, to_flax, to_torch", [
    ("rnn", conv.torch_rnn_to_flax, conv.flax_rnn_to_torch),
    ("lstm", conv.torch_lstm_to_flax, conv.flax_lstm_to_torch),
    ("gru", conv.torch_gru_to_flax, conv.flax_gru_to_torch),
])
def test_flax_round_trips(kind, to_flax, to_torch):
    rng = np.random.default_rng(3)
    w = torch_weights(kind, rng)
    params = to_flax(*w)
    back = to_torch(params)
    np.testing.assert_array_equal(back[0], w[0])
    np.testing.assert_array_equal(back[1], w[1])
    np.testing.assert_allclose(back[2] + back[3], w[2] + w[3], rtol=1e-15)  # the split may move, the sum may not
    x, states = rng.standard_normal((2, 4, 3)), [rng.standard_normal((2, 4))] * (2 if kind == "lstm" else 1)
    np.testing.assert_allclose(forward(kind)(x, *states, *back)[0], forward(kind)(x, *states, *w)[0],
                               rtol=1e-12, atol=1e-14)
    again = to_flax(*back)
    for name in params:
        for leaf in params[name]:
            np.testing.assert_allclose(again[name][leaf], params[name][leaf], rtol=1e-15)


def test_flax_lstm_has_no_input_bias_and_gru_keeps_b_hn_apart():
    lstm = conv.torch_lstm_to_flax(*torch_weights("lstm", np.random.default_rng(4)))
    assert all("bias" not in lstm[f"i{g}"] for g in "ifgo") and all("bias" in lstm[f"h{g}"] for g in "ifgo")
    w_ih, w_hh, b_ih, b_hh = torch_weights("gru", np.random.default_rng(5))
    gru = conv.torch_gru_to_flax(w_ih, w_hh, b_ih, b_hh)
    np.testing.assert_array_equal(gru["hn"]["bias"], b_hh[8:])
    np.testing.assert_array_equal(gru["in"]["bias"], b_ih[8:])
    assert "bias" not in gru["hr"] and "bias" not in gru["hz"]


# ------------------------------------------------------------------- bad input


def valid(kind, **changes):
    """Valid arguments of ``kind``'s forward (N 2, T 3, in 3, H 4) with some replaced."""
    inputs = layer_inputs(kind, np.random.default_rng(0), n=2, steps=3, features=3, hidden=4)
    inputs.update(changes)
    return inputs


def call(kind, params=None, **changes):
    return lambda: forward(kind)(*valid(kind, **changes).values(), **(params or {}))


ERROR_CASES = [
    ("x-2d", call("rnn", x=np.zeros((3, 3))), "x"),
    ("x-no-steps", call("lstm", x=np.zeros((2, 0, 3))), "x"),
    ("x-features", call("gru", x=np.zeros((2, 3, 5))), "w_ih"),
    ("h0-hidden", call("rnn", h0=np.zeros((2, 5))), "h0"),
    ("h0-batch", call("gru", h0=np.zeros((3, 4))), "h0"),
    ("c0-hidden", call("lstm", c0=np.zeros((2, 3))), "c0"),
    ("h0-1d", call("lstm", h0=np.zeros(4)), "h0"),
    ("w_hh-not-square-block", call("lstm", w_hh=np.zeros((16, 5))), "w_hh"),
    ("w_hh-gates", call("gru", w_hh=np.zeros((16, 4))), "w_hh"),
    ("w_hh-1d", call("rnn", w_hh=np.zeros(4)), "w_hh"),
    ("w_ih-gates", call("lstm", w_ih=np.zeros((12, 3))), "w_ih"),
    ("b_ih", call("gru", b_ih=np.zeros(4)), "b_ih"),
    ("b_hh", call("lstm", b_hh=np.zeros((4, 4))), "b_hh"),
    ("nonlinearity", call("rnn", {"nonlinearity": "sigmoid"}), "nonlinearity"),
    ("reset_after", call("gru", {"reset_after": "yes"}), "reset_after"),
    ("data-steps", lambda: ref.binary_addition_data(np.random.default_rng(0), steps=0, batch_size=2), "steps"),
    ("data-n-test", lambda: ref.binary_addition_data(np.random.default_rng(0), steps=1, batch_size=2, bits=3,
                                                     n_test=9), "n_test"),
    ("adder-lr", lambda: ref.binary_addition_rnn_training_forward(*tiny_adder().values(), lr=0.0), "lr"),
    ("adder-y_train", lambda: ref.binary_addition_rnn_training_forward(
        *tiny_adder(y_train=np.zeros((2, 3, 4))).values(), lr=1.0), "y_train"),
    ("adder-w_out", lambda: ref.binary_addition_rnn_training_forward(
        *tiny_adder(w_out=np.zeros((1, 5))).values(), lr=1.0), "w_out"),
    ("adder-w_hh", lambda: ref.binary_addition_rnn_training_forward(
        *tiny_adder(w_hh=np.zeros((4, 5))).values(), lr=1.0), "w_hh"),
]


def tiny_adder(**changes):
    inputs = ref.binary_addition_rnn_inputs(np.random.default_rng(0), hidden=4, steps=2, batch_size=3, bits=4,
                                            n_test=5)
    inputs.update(changes)
    return inputs


@pytest.mark.parametrize("bad_call, name", [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_bad_input_raises_value_error_naming_the_argument(bad_call, name):
    with pytest.raises(ValueError) as error:
        bad_call()
    assert re.match(rf"{name}\b", str(error.value)), str(error.value)


# ------------------------------------------------------------ binary addition


def test_addition_data_hold_out_pairs_and_encode_sums():
    data = ref.binary_addition_data(np.random.default_rng(0), steps=50, batch_size=16, bits=8, n_test=300)
    place = 2 ** np.arange(8)

    def numbers(bits):
        return (bits * place[:, None]).sum(axis=-2).astype(int)  # (..., T, k) -> (..., k)

    for split in ("train", "test"):
        x, y = numbers(data[f"x_{split}"]), numbers(data[f"y_{split}"])[..., 0]
        assert np.all(x < 128) and np.array_equal(x[..., 0] + x[..., 1], y)
    train = {tuple(p) for p in numbers(data["x_train"]).reshape(-1, 2)}
    test = {tuple(p) for p in numbers(data["x_test"])}
    assert len(test) == 300 and not train & test


def test_adder_training_matches_a_finite_difference_step():
    """One SGD step moves each weight by -lr times the finite-difference gradient of the first batch's loss."""
    inputs = tiny_adder()
    inputs["x_train"], inputs["y_train"] = inputs["x_train"][:1], inputs["y_train"][:1]
    lr = 0.5
    result = ref.train_binary_addition_rnn(*inputs.values(), lr=lr)
    weights = {k: inputs[k] for k in ("w_ih", "w_hh", "b", "w_out", "b_out")}

    def loss():
        z = ref._adder_logits(inputs["x_train"][0], *weights.values())[0]
        return float(np.mean(np.logaddexp(0, z) - inputs["y_train"][0] * z))

    assert result["loss"][0] == pytest.approx(loss(), rel=1e-14)
    for name, value in weights.items():
        expected = value - lr * numerical_gradient(loss, value)
        np.testing.assert_allclose(result[name], expected, rtol=1e-7, atol=1e-9, err_msg=name)


def test_adder_learns_every_held_out_sum():
    concept_sample = next(iter(concepts.adder_samples(concept_rng(0, "binary_addition_rnn_training"))))
    inputs = concept_sample.draw(sample_rng(0, "binary_addition_rnn_training", concept_sample.name))
    result = ref.train_binary_addition_rnn(*inputs.values(), **concept_sample.params)
    assert result["loss"][-1] < 0.05 < result["loss"][0]
    assert result["test_accuracy"] == 1.0 and result["test_bit_accuracy"] == 1.0
