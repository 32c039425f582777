"""Recurrent concepts: Elman RNN, LSTM and GRU with backpropagation through time, and an RNN that learns to add."""

import dataclasses

from comparisons.divergences import recurrent as catalog
from comparisons.divergences.recurrent import GATES, sequence_inputs
from comparisons.i18n import N_
from comparisons.registry import Concept, LazyFunction, Sample, Tolerance, implementations, register
from reference import recurrent as ref


def _common_samples(kind, params=None):
    """The shapes and regimes every recurrent layer is checked on."""
    params = dict(params or {})
    yield Sample("T1", sequence_inputs(kind, 3, 1, 4, 5), params, note=N_("one step: no gradient through time yet"))
    yield Sample("T5", sequence_inputs(kind, 2, 5, 3, 4), params, note=N_("five steps from a given initial state"))
    yield Sample("T40", sequence_inputs(kind, 2, 40, 2, 3), params,
                 note=N_("forty steps: gradients reach h0 through 40 Jacobians of the recurrence"))
    yield Sample("zero-state", sequence_inputs(kind, 2, 5, 3, 4, zero_state=True), params,
                 note=N_("h0 (and c0) zero, every framework's default initial state"))
    yield Sample("saturated", sequence_inputs(kind, 2, 6, 3, 4, weight_scale=6.0, input_scale=2.0), params,
                 note=N_("weights 6x torch's init and inputs of std 2: most gate pre-activations beyond +-3, gates "
                 "pinned near 0 or 1 (tanh near +-1) with tiny derivatives; gradients still agree"))
    yield Sample("hidden-1", sequence_inputs(kind, 3, 6, 3, 1), params, note=N_("H = 1: every gate block is one row"))
    yield Sample("hidden-gt-in", sequence_inputs(kind, 2, 5, 2, 8), params, note=N_("H = 8 > input_size = 2"))


def rnn_samples(rng):
    yield from _common_samples("rnn")
    yield Sample("relu", sequence_inputs("rnn", 2, 5, 3, 4), {"nonlinearity": "relu"},
                 note=N_("nonlinearity='relu': h_t = max(0, ...), unbounded; gradient 0 where the sum is <= 0"))


ONNX_LSTM = "onnxruntime-torch-export"
"""The LSTM exported by torch.onnx and run by ONNX Runtime: a forward-only witness."""

ONNX_LSTM_ONCE = N_(
    "the exported LSTM is checked on the onnx-export sample (ONNX Runtime's LSTM kernel is float32 only: "
    "'LSTM operator does not support double yet')"
)


def lstm_samples(rng):
    for sample in _common_samples("lstm"):
        yield dataclasses.replace(sample, skip={**sample.skip, ONNX_LSTM: ONNX_LSTM_ONCE})
    yield Sample("onnx-export", sequence_inputs("lstm", 3, 7, 3, 5), dtypes=("float32",),
                 note=N_("the LSTM exported to ONNX by torch.onnx and run by ONNX Runtime, beside every other witness"))


TORCH_HAS_NO_RESET_BEFORE = (
    "torch.nn.GRU has only reset_after=True: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); the original "
    "GRU (Keras reset_after=False, ONNX linear_before_reset=0) has no torch layer"
)


RESET_BEFORE_SAMPLES = ("T1", "T40", "saturated", "hidden-gt-in")
"""The shapes the reset_after=False GRU is checked on (the others add time, not coverage)."""


def gru_samples(rng):
    yield from _common_samples("gru", {"reset_after": True})
    skip = {
        "torch": TORCH_HAS_NO_RESET_BEFORE,
        "paddle": f"paddle.nn.GRU copies torch's GRU; {TORCH_HAS_NO_RESET_BEFORE}",
    }
    for sample in _common_samples("gru", {"reset_after": False}):
        if sample.name not in RESET_BEFORE_SAMPLES:
            continue
        yield Sample(f"{sample.name}-reset-before", sample.inputs, sample.params, skip=skip,
                     note=f"reset_after=False, n = tanh(W_in x + b_in + W_hn (r h) + b_hn); {sample.note}")


def _benchmark(kind):
    def samples(rng):
        yield Sample("N32-T50-in64-H128", sequence_inputs(kind, 32, 50, 64, 128),
                     note=N_("N = 32 sequences of 50 steps, 64 features, 128 hidden units"))

    return samples


def _bench_floor(kind):
    def floor(inputs, params):
        return ref.recurrent_matmuls(inputs["x"], inputs["w_ih"], inputs["w_hh"], gates=GATES[kind])

    return floor


SATURATION = N_(
    "float32 backpropagation through time near saturation. The derivative 1 - tanh(a)^2 (or "
    "sigma(a) (1 - sigma(a))) is computed from an output rounded to within 6e-8 of +-1, so it keeps only "
    "a few correct bits, and each library's tanh and sigmoid round differently by an ulp; the error, about "
    "eps * |W_hh| * |dout| per step, is absolute, not relative to the small gradient it lands in. Elsewhere "
    "(40 steps included) the witnesses agree to within a few ulp relative: rtol is the default 1e-5, doubled for "
    "the sums over N T rows of the weight gradients."
)


def _recurrent_float32(atol, measured):
    """A float32 tolerance of the family: its reason is :data:`SATURATION`, then what was measured.

    The reason reads ``"{SATURATION} Measured: {measured}"``; the report translates the two
    parts one by one (:mod:`comparisons.report.details`).
    """
    return Tolerance(atol=atol, rtol=2e-5, reason=f"{SATURATION} Measured: {measured}")


RNN_FLOAT32 = _recurrent_float32(
    1e-5,
    N_("every witness and finite-diff, seeds 0-3: at most 1.8e-5 apart (NumPy and Paddle, dw_ih of the saturated "
    "sample, seed 2, entries up to ~1), largest margin 0.36 at this tolerance; at the default every pair fails on "
    "that sample (margin up to 1.7)."),
)
LSTM_FLOAT32_PADDLE = _recurrent_float32(
    5e-6,
    N_("Paddle's fused rnn kernel against every other witness, seeds 0-3: Paddle up to 3.6e-6 from TensorFlow on "
    "dh0 of the saturated sample (seed 0), margin 1.7 at the default tolerance and 0.37 at this one; the other "
    "witnesses stay within the default (margin up to 0.74, torch and JAX on dx of the same sample)."),
)
GRU_FLOAT32 = _recurrent_float32(
    1e-5,
    N_("every witness and finite-diff, seeds 0-3: at most 5.2e-6 apart (NumPy and Paddle, dx of the saturated "
    "sample, seed 2), largest margin 0.37 at this tolerance; at the default, pairs of every framework fail there "
    "(torch and TensorFlow by 3e-6, margin 1.4)."),
)

ADDER_FLOAT32 = Tolerance(
    atol=2e-5,
    rtol=1e-5,
    reason=N_("1200 SGD steps in float32: each witness rounds every step's gradient differently (summation order "
    "in BPTT and in the batch mean) and the next step starts from there. Measured on seeds 0-3 between NumPy, "
    "torch, TensorFlow and Paddle: losses within 1e-5 (margin 0.43), final weights (entries up to ~5) within "
    "5.4e-6. In float64 the witnesses agree to 6e-15."),
)
ADDER_FLOAT32_JAX = Tolerance(
    atol=5e-5,
    rtol=1e-5,
    reason=N_("JAX runs the 1200 steps as one XLA program (jax.lax.scan over value_and_grad and optax.sgd), whose "
    "fused kernels round differently again: on seeds 0-3 its losses are up to 1.9e-5 from TensorFlow's (seed 1) "
    "and its final weights within 9.7e-6 of the others', which the other pairs' 2e-5 would only just cover. "
    "Margin 0.36 at this tolerance."),
)


ADDER_HIDDEN = 16
ADDER_STEPS = 1200
"""1200 steps at lr 0.25 reach 100 % of the held-out sums from each of 8 seeds tried (about 0.7 s in NumPy).
At lr 1 or 2 the loss spikes while the network finds the carry, and those unstable steps amplify rounding
differences between the witnesses from 1e-16 to 1e-4 even in float64; at lr 0.25 they stay near 1e-14."""


def adder_inputs(rng):
    return ref.binary_addition_rnn_inputs(rng, hidden=ADDER_HIDDEN, steps=ADDER_STEPS, batch_size=32)


def adder_samples(rng):
    yield Sample("8-bit-H16", adder_inputs, params={"lr": 0.25},
                 note=f"sums of two 7-bit numbers, 8 steps least significant bit first; {ADDER_HIDDEN} hidden units, "
                 f"{ADDER_STEPS} steps of 32 pairs at lr 0.25; 1000 held-out pairs never seen in training")


register(
    Concept(
        name="rnn",
        family="recurrent",
        summary=N_("Elman RNN h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) over a batch-first sequence; BPTT."),
        samples=rnn_samples,
        reference=(ref.rnn_forward, ref.rnn_backward),
        implementations=implementations("recurrent.rnn"),
        grad_wrt=("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"),
        tolerance={"float32": RNN_FLOAT32},
        tutorial=N_("Karpathy's min-char-rnn and cs231n's rnn_step_forward / rnn_backward: one hidden state "
        "carried through time, gradients by backpropagation through time."),
        forward_math=r"h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})",
        backward_math=r"\delta_t = (\bar h_t + \delta_{t+1} W_{hh}) \odot (1 - h_t^2),\ "
        r"\frac{\partial L}{\partial W_{hh}} = \sum_t \delta_t^\top h_{t-1},\ "
        r"\frac{\partial L}{\partial x_t} = \delta_t W_{ih}",
        benchmarks=_benchmark("rnn"),
        bench_floor=_bench_floor("rnn"),
    ),
    Concept(
        name="lstm",
        family="recurrent",
        summary=N_("LSTM (gates i, f, g, o in torch's order) over a batch-first sequence; BPTT through h and c."),
        samples=lstm_samples,
        reference=(ref.lstm_forward, ref.lstm_backward),
        implementations=implementations("recurrent.lstm"),
        extra_witnesses={ONNX_LSTM: LazyFunction("framework_impls.torch_impl.recurrent:onnxruntime_on_lstm_export")},
        optional_packages=("onnx", "onnxruntime"),
        grad_wrt=("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh"),
        tolerance={("float32", "paddle"): LSTM_FLOAT32_PADDLE},
        divergences=catalog.LSTM,
        tutorial=N_("Colah's 'Understanding LSTM Networks': a cell state c that the forget gate keeps and the "
        "input gate writes, so gradients survive many steps."),
        forward_math=r"[i, f, g, o] = x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh},\ "
        r"c_t = \sigma(f) c_{t-1} + \sigma(i) \tanh(g),\ h_t = \sigma(o) \tanh(c_t)",
        backward_math=r"\bar c_t = \bar c_{t+1} \sigma(f_{t+1}) + \bar h_t \sigma(o) (1 - \tanh^2 c_t),\ "
        r"\bar i = \bar c_t \tanh(g) \sigma'(i),\ \bar f = \bar c_t c_{t-1} \sigma'(f),\ "
        r"\bar g = \bar c_t \sigma(i) (1 - \tanh^2 g),\ \bar o = \bar h_t \tanh(c_t) \sigma'(o)",
        benchmarks=_benchmark("lstm"),
        bench_floor=_bench_floor("lstm"),
    ),
    Concept(
        name="gru",
        family="recurrent",
        summary=N_("GRU (gates r, z, n), reset gate after the recurrent product (torch, Keras default) or before it."),
        samples=gru_samples,
        reference=(ref.gru_forward, ref.gru_backward),
        implementations=implementations("recurrent.gru"),
        grad_wrt=("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"),
        tolerance={"float32": GRU_FLOAT32},
        divergences=catalog.GRU,
        tutorial=N_("Cho et al. 2014: an update gate z interpolates between the old state and a candidate n "
        "that the reset gate r lets forget the old state."),
        forward_math=r"r, z = \sigma(\ldots),\ n = \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})),"
        r"\ h_t = (1 - z) \odot n + z \odot h_{t-1}",
        backward_math=r"\bar n = \bar h_t (1 - z),\ \bar z = \bar h_t (h_{t-1} - n),\ "
        r"\bar r = \bar n (1 - n^2) (W_{hn} h_{t-1} + b_{hn}),\ "
        r"\bar h_{t-1} = \bar h_t z + [\bar a_r, \bar a_z, \bar a_n r] W_{hh}",
        benchmarks=_benchmark("gru"),
        bench_floor=_bench_floor("gru"),
    ),
    Concept(
        name="binary_addition_rnn_training",
        family="recurrent",
        summary=N_("An Elman RNN learns 8-bit binary addition bit by bit (carry in its state): BPTT + SGD, 1200 steps."),
        samples=adder_samples,
        reference=(ref.binary_addition_rnn_training_forward, None),
        implementations=implementations("recurrent.binary_addition_rnn_training"),
        grad_wrt=(),
        tolerance={"float32": ADDER_FLOAT32, ("float32", "jax"): ADDER_FLOAT32_JAX},
        divergences=catalog.BINARY_ADDITION,
        tutorial=N_("Trask's 'Anyone Can Learn To Code an LSTM-RNN in Python': a recurrent network adds two "
        "binary numbers by learning to carry."),
        forward_math=r"h_t = \tanh(x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b),\ p_t = \sigma(h_t w^\top + b_o),\ "
        r"L = \mathrm{mean}_{n,t}\ \mathrm{BCE}(p_t, y_t)",
        backward_math=r"\bar z_t = (p_t - y_t) / (N T),\ \bar h_t = \bar z_t w + \delta_{t+1} W_{hh},\ "
        r"\delta_t = \bar h_t (1 - h_t^2),\ W \leftarrow W - \eta\, \partial L / \partial W",
    ),
)
