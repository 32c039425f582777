"""Catalog entries of the recurrent concepts: bias layouts, gate formulas, sequence layout, masks, training.

The framework halves are in ``framework_impls/<tree>/recurrent.py``; the weight
conversions both halves rely on are in :mod:`framework_impls.conversions.recurrent`
(NumPy by default, so this module imports no framework).
"""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import recurrent as ref

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
"""Row blocks stacked in a layer's weights."""


def sequence_inputs(kind, n, steps, features, hidden, *, zero_state=False, weight_scale=1.0, input_scale=1.0):
    """Draw x (n, steps, features), the initial state(s) and torch-layout weights of a ``kind`` layer.

    Weights and biases are U(+-k) with torch's k = 1 / sqrt(hidden), times ``weight_scale``;
    the states U(-1, 1), or zeros with ``zero_state``.
    """
    gates = GATES[kind]

    def draw(rng):
        bound = weight_scale / np.sqrt(hidden)
        inputs = {"x": input_scale * rng.standard_normal((n, steps, features))}
        for state in ("h0", "c0") if kind == "lstm" else ("h0",):
            inputs[state] = np.zeros((n, hidden)) if zero_state else rng.uniform(-1, 1, (n, hidden))
        inputs["w_ih"] = rng.uniform(-bound, bound, (gates * hidden, features))
        inputs["w_hh"] = rng.uniform(-bound, bound, (gates * hidden, hidden))
        inputs["b_ih"] = rng.uniform(-bound, bound, gates * hidden)
        inputs["b_hh"] = rng.uniform(-bound, bound, gates * hidden)
        return inputs

    return draw


# NumPy halves ------------------------------------------------------------------------


def keras2_hard_sigmoid(a):
    """Keras <= 2.2.5's ``hard_sigmoid`` (``K.hard_sigmoid``): clip(0.2 a + 0.5, 0, 1)."""
    return np.clip(0.2 * a + 0.5, 0, 1)


def keras2_hard_sigmoid_lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    """The LSTM a Keras 2 checkpoint with ``recurrent_activation='hard_sigmoid'`` computes, forward only.

    Keras 2 is not installed next to Keras 3, so its gate formula is written here in
    NumPy: the reference LSTM's gates (torch layout, i, f, g, o) with
    :func:`keras2_hard_sigmoid` in place of the sigmoid on i, f and o.
    """
    hidden = h0.shape[1]
    h, c, out = h0, c0, []
    for t in range(x.shape[1]):
        a = x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, o = (keras2_hard_sigmoid(a[:, k * hidden : (k + 1) * hidden]) for k in (0, 1, 3))
        c = f * c + i * np.tanh(a[:, 2 * hidden : 3 * hidden])
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1).astype(x.dtype)


PADDED_LENGTHS = (6, 4, 2)


def padded_batch_inputs(rng, lengths=PADDED_LENGTHS, vocabulary=7, features=3, hidden=5):
    """Token ids (N, T) padded with 0 after each sequence's length, an embedding table and LSTM weights."""
    steps = max(lengths)
    ids = rng.integers(1, vocabulary, size=(len(lengths), steps))
    ids[np.arange(steps) >= np.array(lengths)[:, None]] = 0  # padding id 0
    bound = 1 / np.sqrt(hidden)
    return {
        "ids": ids.astype(np.int64),
        "table": rng.standard_normal((vocabulary, features)),
        "w_ih": rng.uniform(-bound, bound, (4 * hidden, features)),
        "w_hh": rng.uniform(-bound, bound, (4 * hidden, hidden)),
        "b_ih": rng.uniform(-bound, bound, 4 * hidden),
        "b_hh": rng.uniform(-bound, bound, 4 * hidden),
    }


# Entries -----------------------------------------------------------------------------

LSTM_SAMPLE = Sample("N4-T6-in3-H5", sequence_inputs("lstm", 4, 6, 3, 5))


LSTM_BIASES = Divergence(
    id="lstm-biases",
    differs=N_("torch keeps two biases b_ih + b_hh (4H each) and weights (4H, in) / (4H, H); Keras keeps one "
    "bias and kernels (in, 4H) / (H, 4H), the same gate order (i, f, c, o). Copying b_ih alone (dropping "
    "b_hh) shifts every gate pre-activation by b_hh."),
    naive=(
        Side("torch", implementation("torch", "recurrent.lstm")),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm_dropping_b_hh")),
    ),
    faithful=(
        Side("torch", implementation("torch", "recurrent.lstm")),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm")),
    ),
    naive_mapping=N_("Keras LSTM weights [w_ih.T, w_hh.T, b_ih]"),
    faithful_mapping=N_("framework_impls.conversions.recurrent.torch_lstm_to_keras: [w_ih.T, w_hh.T, b_ih + b_hh]"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/layers/rnn/lstm.py (LSTMCell.call: "
    "z = x @ kernel + h @ recurrent_kernel + bias, split into i, f, c, o); "
    "https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html (bias_ih_l[k], bias_hh_l[k]); "
    "keras-team/keras#3088, tensorflow/tensorflow#20435",
    sample=LSTM_SAMPLE,
    shows=Difference("values", at=None, at_least=0.09),  # every output, up to 0.27: each gate shifted by b_hh
)


GRU_RESET_AFTER = Divergence(
    id="gru-gates-reset-after",
    differs=N_("torch's GRU orders the gates (r, z, n) and applies the reset gate after the recurrent product, "
    "n = tanh(W_in x + b_in + r (W_hn h + b_hn)); Keras orders (z, r, h); Keras reset_after=True (the default "
    "since 2.3) is torch's formula with a (2, 3H) bias; reset_after=False (Keras <= 2.2, ONNX "
    "linear_before_reset=0) is n = tanh(W_in x + (r h) W_hn + b), another function of the same weights."),
    naive=(
        Side("torch", implementation("torch", "recurrent.gru")),
        Side("tensorflow", implementation("tensorflow", "recurrent.gru"), {"reset_after": False}),
    ),
    faithful=(
        Side("torch", implementation("torch", "recurrent.gru")),
        Side("tensorflow", implementation("tensorflow", "recurrent.gru")),
    ),
    naive_mapping=N_("the torch weights, gates reordered, in keras.layers.GRU(reset_after=False) with bias b_ih + b_hh"),
    faithful_mapping=N_("framework_impls.conversions.recurrent.torch_gru_to_keras(reset_after=True): rows (r, z, n) "
    "-> (z, r, h), transposed, bias stack([b_ih, b_hh]), in keras.layers.GRU(reset_after=True)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/layers/rnn/gru.py (GRUCell.call, "
    "reset_after branches); https://onnx.ai/onnx/operators/onnx__GRU.html (linear_before_reset); "
    "keras-team/keras#8720",
    sample=Sample("N4-T6-in3-H5", sequence_inputs("gru", 4, 6, 3, 5)),
    shows=Difference("values", at=None, at_least=0.08),  # every output, up to 0.24
)


BATCH_FIRST = Divergence(
    id="batch-first",
    differs=N_("torch.nn.LSTM defaults to batch_first=False and reads (T, N, in); Keras (and flax, and Paddle's "
    "time_major=False) read (N, T, in). A batch-major tensor fed to a default torch LSTM runs the recurrence "
    "across the batch instead of across time, without any error when N and T are both plausible."),
    naive=(
        Side("torch", implementation("torch", "recurrent.lstm_default_layout")),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm")),
    ),
    faithful=(
        Side("torch", implementation("torch", "recurrent.lstm")),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm")),
    ),
    naive_mapping=N_("torch nn.LSTM() (batch_first=False, default zero states) on the (N, T, in) tensor Keras receives"),
    faithful_mapping=N_("torch nn.LSTM(batch_first=True), or x.transpose(0, 1) in and out"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html (batch_first: default False); "
    "https://keras.io/api/layers/recurrent_layers/lstm/ (inputs: (batch, timesteps, feature))",
    # zero initial states: the naive port passes none, and torch's default is zeros
    sample=Sample("N4-T6-in3-H5-zero-state", sequence_inputs("lstm", 4, 6, 3, 5, zero_state=True)),
    shows=Difference("values", at=None, at_least=0.08),  # almost every output, up to 0.24
)


HARD_SIGMOID = Divergence(
    id="hard-sigmoid",
    differs=N_("Keras <= 2.2.5 RNNs defaulted recurrent_activation to hard_sigmoid = clip(0.2 x + 0.5, 0, 1); "
    "Keras 3's keras.activations.hard_sigmoid (and torch's F.hardsigmoid) is relu6(x + 3) / 6 = "
    "clip(x / 6 + 0.5, 0, 1): 0.7 against 0.6667 at x = 1. An old Keras LSTM checkpoint with "
    "recurrent_activation='hard_sigmoid' loaded in Keras 3 runs a different LSTM. Keras 2 cannot be "
    "installed beside Keras 3, so its side is its formula in NumPy (keras2_hard_sigmoid_lstm)."),
    naive=(
        Side("numpy", keras2_hard_sigmoid_lstm),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm_recurrent_activation"),
             {"recurrent_activation": "hard_sigmoid"}),
    ),
    faithful=(
        Side("numpy", keras2_hard_sigmoid_lstm),
        Side("tensorflow", implementation("tensorflow", "recurrent.lstm_recurrent_activation"),
             {"recurrent_activation": "keras2_hard_sigmoid"}),
    ),
    naive_mapping=N_("the Keras 2 LSTM's gate formula clip(0.2 a + 0.5) (NumPy) against Keras 3 "
    "LSTM(recurrent_activation='hard_sigmoid') on the same weights"),
    faithful_mapping=N_("Keras 3 LSTM with recurrent_activation=lambda a: keras.ops.clip(0.2 * a + 0.5, 0, 1)"),
    source="https://github.com/keras-team/keras/blob/2.2.5/keras/backend/tensorflow_backend.py (hard_sigmoid: "
    "0.2 * x + 0.5, clipped); https://github.com/keras-team/keras/blob/master/keras/src/activations/"
    "activations.py (hard_sigmoid: relu6(x + 3) / 6); minimaxir/textgenrnn#153",
    sample=Sample("N4-T6-in3-H5-large", sequence_inputs("lstm", 4, 6, 3, 5, weight_scale=4.0)),
    shows=Difference("values", at=None, at_least=0.04),  # most outputs, up to 0.12
)


PADDING_MASK = Divergence(
    id="padding-mask",
    differs=N_("A torch LSTM runs over padding steps like any other and its last output has seen the pads; "
    "Keras Embedding(mask_zero=True) (or a Masking layer) makes the LSTM skip masked steps, carrying the "
    "state through. Sequences of lengths 6, 4, 2 padded to 6: the final states of the two padded "
    "sequences differ, the full-length one agrees."),
    naive=(
        Side("torch", implementation("torch", "recurrent.lstm_last_step_over_padding")),
        Side("tensorflow", implementation("tensorflow", "recurrent.masked_lstm_final_state")),
    ),
    faithful=(
        Side("torch", implementation("torch", "recurrent.lstm_packed_final_state")),
        Side("tensorflow", implementation("tensorflow", "recurrent.masked_lstm_final_state")),
    ),
    naive_mapping=N_("torch nn.LSTM on the padded batch, output at the last column, against Keras LSTM with a mask"),
    faithful_mapping=N_("torch.nn.utils.rnn.pack_padded_sequence(lengths) and the packed run's h_n"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html; "
    "https://github.com/keras-team/keras/blob/master/keras/src/layers/rnn/rnn.py (masked steps keep the "
    "previous state)",
    sample=Sample("lengths-6-4-2", padded_batch_inputs),
    # exactly rows 1 and 2 (lengths 4 and 2) of the (3, H = 5) final states, up to 0.33; row 0 has no padding
    shows=Difference("values", at=tuple(range(5, 15)), at_least=0.1),
)


TWO_BIASES_STEPS = 100

TWO_BIASES_SGD = Divergence(
    id="rnn-two-biases-sgd",
    differs=N_("torch's RNN / LSTM / GRU train two biases, b_ih and b_hh, that enter every step only as their sum and "
    "get the same gradient, so plain SGD moves the sum by 2 lr g; Keras's SimpleRNN / LSTM (and flax's cells) "
    "keep one bias, which moves by lr g. The same initial weights and batches give different training runs "
    "(losses up to 2.9e-3 apart in 100 steps on the catalog sample), although the forward passes agree "
    "exactly: the first loss, before any update, is the same."),
    naive=(
        Side("torch", implementation("torch", "recurrent.binary_addition_rnn_losses"), {"train_b_hh": True}),
        Side("tensorflow", implementation("tensorflow", "recurrent.binary_addition_rnn_losses")),
    ),
    faithful=(
        Side("torch", implementation("torch", "recurrent.binary_addition_rnn_losses")),
        Side("tensorflow", implementation("tensorflow", "recurrent.binary_addition_rnn_losses")),
    ),
    naive_mapping=N_("torch nn.RNN with b_ih = b, b_hh = 0, both trained, against Keras SimpleRNN with bias b"),
    faithful_mapping=N_("torch rnn.bias_hh_l0.requires_grad_(False) (zero and frozen); or double the merged bias's "
    "learning rate on the Keras side"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/rnn.py (bias_ih_l[k] and bias_hh_l[k], "
    "both Parameters); https://github.com/keras-team/keras/blob/master/keras/src/layers/rnn/simple_rnn.py "
    "(SimpleRNNCell: one bias)",
    sample=Sample(f"adder-{TWO_BIASES_STEPS}-steps",
                  lambda rng: ref.binary_addition_rnn_inputs(rng, steps=TWO_BIASES_STEPS, n_test=50),
                  params={"lr": 0.25}),
    dtype="float64",
    quantity="loss",
    # every loss but the first (computed before the first update); up to 2.9e-3, float64 rounding is 1e-16
    shows=Difference("values", at=tuple(range(1, TWO_BIASES_STEPS)), at_least=1e-3),
)


LSTM = (LSTM_BIASES, BATCH_FIRST, HARD_SIGMOID, PADDING_MASK)
GRU = (GRU_RESET_AFTER,)
BINARY_ADDITION = (TWO_BIASES_SGD,)
