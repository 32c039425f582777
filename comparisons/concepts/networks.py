"""Whole training runs of the seed networks: loss after every step and final weights, three ways."""

import functools

from comparisons.divergences import networks as catalog
from comparisons.divergences.networks import logistic_regression_inputs
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
from reference import networks as ref

digits_data = functools.cache(ref.digits_data)
"""The split is drawn once per process; the harness casts (copies) the arrays it is given."""


DIGITS_HIDDEN = 32
DIGITS_EPOCHS = 10
"""Ten epochs (340 steps) reach about 93 % test accuracy and take about a second per witness."""

FULL_BATCH_FLOAT32 = Tolerance(
    atol=2e-5,
    rtol=1e-5,
    reason=N_("measured float32 drift of the final weights between the three witnesses (weights of size 1-10): "
    "3e-7 after 100 steps, 4e-6 to 8e-6 after 1000, 1e-5 to 9e-5 after 10000. Every step rounds "
    "W - lr dW differently (fused SGD kernels, summation order) and the next step starts from there, so "
    "the difference accumulates roughly linearly while the weights still move; the loss itself stays "
    "within a few ulp (2e-7). 2e-5 covers the 1000 steps of the default run 2.5 times."),
)


def three_layer_inputs(rng):
    x, y = ref.binary_table()
    return {"x": x, "y": y, "syn0": ref.uniform_init(rng, 3, 4), "syn1": ref.uniform_init(rng, 4, 1)}


def xor_inputs(hidden):
    def draw(rng):
        x, y = ref.xor_data()
        w1, b1 = ref.linear_init(rng, hidden, 2)
        w2, b2 = ref.linear_init(rng, 1, hidden)
        return {"x": x, "y": y, "w1": 3 * w1, "b1": b1, "w2": 3 * w2, "b2": b2}  # x3: out of the flat start

    return draw


def digits_inputs(rng):
    return ref.digits_mlp_inputs(rng, digits_data(), DIGITS_HIDDEN, DIGITS_EPOCHS)


# Learning rates are exact in float32 (1, 0.5, 2, 0.125): Keras keeps lr in float32 (keras-lr-float32 below).


def three_layer_samples(rng):
    yield Sample("binary-table", three_layer_inputs, params={"steps": 1000, "lr": 1.0},
                 note=N_("3-4-1 sigmoid network, weights uniform in [-1, 1], full batch of 4 rows, 1000 steps"))


def logistic_regression_samples(rng):
    yield Sample("breast-cancer", logistic_regression_inputs, params={"steps": 100, "lr": 0.5},
                 note=N_("569 examples x 30 standardised features in columns, X of shape (30, 569); 100 steps"))


def xor_samples(rng):
    yield Sample("2-3-1", xor_inputs(3), params={"steps": 1000, "lr": 2.0},
                 note=N_("hidden lines combine into XOR (accuracy 1); two hidden units suffice in principle but "
                 "stall in a local minimum from about 3 in 10 random starts, three solved all 20 tried"))
    yield Sample("2-1-1", xor_inputs(1), params={"steps": 1000, "lr": 2.0},
                 note=N_("one hidden unit draws one line, like a single layer: at most 3 of the 4 cases"))


def digits_samples(rng):
    yield Sample(f"64-{DIGITS_HIDDEN}-10", digits_inputs, params={"lr": 0.125, "batch_size": 32},
                 note=f"1077 training images, batches of 32, {DIGITS_EPOCHS} epochs; 360 validation, 360 test images")


register(
    Concept(
        name="three_layer_network_training",
        family="networks",
        summary=N_("The classic NumPy 3-4-1 sigmoid network (l2_delta, l1_delta) trained by full-batch gradient descent."),
        samples=three_layer_samples,
        reference=(ref.three_layer_network_training_forward, None),
        tolerance={"float32": FULL_BATCH_FLOAT32},
        implementations=implementations("networks.three_layer_network_training"),
        grad_wrt=(),
        tutorial=N_("'A neural network in 11 lines of Python': backpropagation through a whole network."),
        forward_math=r"l_1 = \sigma(x\, W_0),\quad l_2 = \sigma(l_1 W_1),\quad L = \tfrac12 \textstyle\sum (y - l_2)^2",
        backward_math=r"\delta_2 = (l_2 - y)\, l_2 (1 - l_2),\ \delta_1 = \delta_2 W_1^\top\, l_1 (1 - l_1),\ "
        r"W_1 \leftarrow W_1 - \eta\, l_1^\top \delta_2,\ W_0 \leftarrow W_0 - \eta\, x^\top \delta_1",
    ),
    Concept(
        name="logistic_regression_training",
        family="networks",
        summary=N_("Logistic regression in the course's X (n_x, m) convention, gradient descent on breast-cancer data."),
        samples=logistic_regression_samples,
        reference=(ref.logistic_regression_training_forward, None),
        implementations=implementations("networks.logistic_regression_training"),
        grad_wrt=(),
        divergences=(catalog.KERAS_LR_FLOAT32,),
        tutorial=N_("Andrew Ng's logistic regression as a neural network: A = sigma(w^T X + b), dw = X dZ^T / m."),
        forward_math=r"A = \sigma(w^\top X + b),\quad J = -\tfrac1m \textstyle\sum \left(Y \log A + (1 - Y) \log(1 - A)\right)",
        backward_math=r"dZ = A - Y,\ dw = \tfrac1m X\, dZ^\top,\ db = \tfrac1m \textstyle\sum dZ,\ "
        r"w \leftarrow w - \eta\, dw",
    ),
    Concept(
        name="xor_network_training",
        family="networks",
        summary=N_("A 2-3-1 sigmoid network learns XOR, which one line (a single layer, or one hidden unit) cannot."),
        samples=xor_samples,
        reference=(ref.xor_network_training_forward, None),
        tolerance={"float32": FULL_BATCH_FLOAT32},
        implementations=implementations("networks.xor_network_training"),
        grad_wrt=(),
        tutorial=N_("Why hidden layers: XOR is not linearly separable."),
        forward_math=r"h = \sigma(x W_1^\top + b_1),\quad z = h W_2^\top + b_2,\quad L = \mathrm{BCE}(\sigma(z), y)",
        backward_math=r"dz = \tfrac1m(\sigma(z) - y),\ dW_2 = dz^\top h,\ dh_{pre} = dz\, W_2 \odot h(1 - h),\ "
        r"dW_1 = dh_{pre}^\top x",
    ),
    Concept(
        name="digits_mlp_training",
        family="networks",
        summary=N_("A 64-32-10 ReLU/softmax MLP on scikit-learn's handwritten digits, mini-batch SGD, accuracy reported."),
        samples=digits_samples,
        reference=(ref.digits_mlp_training_forward, None),
        implementations=implementations("networks.digits_mlp_training"),
        grad_wrt=(),
        tutorial=N_("Mini-batch SGD with a train / validation / test split on real handwritten digits."),
        forward_math=r"p = \mathrm{softmax}(\mathrm{relu}(x W_1^\top + b_1) W_2^\top + b_2),\quad "
        r"L = -\tfrac1B \textstyle\sum_n \log p_{n, y_n}",
        backward_math=r"dz = \tfrac1B(p - \mathrm{onehot}(y)),\ dW_2 = dz^\top h,\ "
        r"dh_{pre} = dz\, W_2 \odot [h_{pre} > 0],\ dW_1 = dh_{pre}^\top x",
    ),
)
