"""Catalog entries of the activation concepts: overflow, derivatives at kinks, default parameters."""

import numpy as np

from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import activations as ref

# NumPy halves ------------------------------------------------------------------------


def naive_log_sigmoid(x):
    """log(sigmoid(x)) as first written: log(1 / (1 + exp(-x)))."""
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(1 / (1 + np.exp(-x)))  # exp(100) = inf in float32, log(0) = -inf


def stable_log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x) = -log(1 + exp(-x)), by logaddexp: finite for any x."""
    return -np.logaddexp(0, -x)


def relu_derivative_at_zero_one(x):
    """The derivative of relu as often hand-written: 1 from x = 0 on."""
    return np.where(x >= 0, 1, 0).astype(x.dtype)  # takes the right-hand derivative at the kink


def relu_derivative(x):
    """The derivative of relu taken as 0 at the kink, as torch and TensorFlow do."""
    return (x > 0).astype(x.dtype)  # threshold_backward / ReluGrad: gradient only where x > 0


def naive_softmax(x):
    """exp(x) / sum(exp(x)) along the last axis, without the max shift."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)  # inf / inf = NaN


def max_shifted_softmax(x):
    """The reference softmax along the last axis: exp(x - max) / sum(exp(x - max))."""
    return ref.softmax_forward(x)[0]


def gelu_tanh_with_numpy_constant(x):
    """The tanh gelu as often written, with NumPy float64 scalar constants."""
    c = np.sqrt(2 / np.pi)  # np.float64: float32 array * np.float64 scalar -> float64 (NEP 50)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x**3)))


def reference_gelu_tanh(x):
    """The reference tanh gelu, its constants Python floats: float32 stays float32."""
    return ref.gelu_forward(x, approximate="tanh")[0]


# Entries -----------------------------------------------------------------------------

SIGMOID_OVERFLOW = Divergence(
    id="sigmoid-overflow",
    differs="log(1 / (1 + exp(-x))) overflows exp in float32 at x = -100 and gives -inf; "
    "TensorFlow's log_sigmoid is -softplus(-x) and gives -100.",
    naive=(
        Side("numpy", naive_log_sigmoid),
        Side("tensorflow", implementation("tensorflow", "activations.log_sigmoid")),
    ),
    faithful=(
        Side("numpy", stable_log_sigmoid),
        Side("tensorflow", implementation("tensorflow", "activations.log_sigmoid")),
    ),
    naive_mapping="np.log(1 / (1 + np.exp(-x))) against tf.math.log_sigmoid(x)",
    faithful_mapping="-np.logaddexp(0, -x) against tf.math.log_sigmoid(x)",
    source="https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/math_ops.py "
    "(log_sigmoid: math_ops.negative(nn_ops.softplus(-x)))",
    sample=Sample("overflow", {"x": np.array([-100.0, -20.0, 0.0, 20.0, 100.0])}),
    quantity="log_sigmoid",
    shows=Difference("values", at=(0,), at_least=np.inf),  # -inf against -100 at x = -100, nowhere else
)

RELU_GRAD_AT_ZERO = Divergence(
    id="relu-grad-at-zero",
    differs="relu has no derivative at 0; torch (and TensorFlow) use 0 there, a hand-written "
    "np.where(x >= 0, 1, 0) uses 1.",
    naive=(
        Side("numpy", relu_derivative_at_zero_one),
        Side("torch", implementation("torch", "activations.relu"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", relu_derivative),
        Side("torch", implementation("torch", "activations.relu"), gradient_of="x"),
    ),
    naive_mapping="derivative np.where(x >= 0, 1, 0)",
    faithful_mapping="derivative (x > 0), as torch's threshold_backward and TF's ReluGrad",
    source="https://github.com/pytorch/pytorch/blob/main/tools/autograd/derivatives.yaml "
    "(relu: threshold_backward(grad, result, 0), which passes the gradient only where result > 0)",
    sample=Sample("kink", {"x": np.array([-1.0, 0.0, 2.0])}),
    quantity="dx",
    shows=Difference("values", at=(1,), at_least=0.3),  # 1 against 0 at x = 0 exactly
)

LEAKY_RELU_DEFAULT_SLOPE = Divergence(
    id="leaky-relu-default-slope",
    differs="default negative slopes: torch 0.01, tf.nn.leaky_relu 0.2, Keras 3 layers.LeakyReLU 0.3.",
    naive=(
        Side("torch", implementation("torch", "activations.leaky_relu_default")),
        Side("tensorflow", implementation("tensorflow", "activations.keras_leaky_relu_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "activations.leaky_relu"), {"negative_slope": 0.2}),
        Side("tensorflow", implementation("tensorflow", "activations.leaky_relu"), {"negative_slope": 0.2}),
    ),
    naive_mapping="F.leaky_relu(x) against keras.layers.LeakyReLU()(x), both with their defaults",
    faithful_mapping="the slope passed explicitly: F.leaky_relu(x, 0.2) and tf.nn.leaky_relu(x, alpha=0.2)",
    source="https://github.com/keras-team/keras/blob/master/keras/src/layers/activations/leaky_relu.py "
    "(negative_slope=0.3); torch/nn/functional.py (negative_slope=0.01); "
    "tensorflow/python/ops/nn_ops.py (leaky_relu(features, alpha=0.2))",
    sample=Sample("negative", {"x": np.array([-4.0, -1.0, 0.5, 3.0])}),
    shows=Difference("values", at=(0, 1), at_least=0.35),  # the negative inputs only: slope 0.01 against 0.3
)

SOFTMAX_OVERFLOW = Divergence(
    id="softmax-overflow",
    differs="exp(x) / sum(exp(x)) overflows to inf / inf = NaN at logits of 1000; "
    "torch subtracts the max first.",
    naive=(Side("numpy", naive_softmax), Side("torch", implementation("torch", "activations.softmax"))),
    faithful=(Side("numpy", max_shifted_softmax), Side("torch", implementation("torch", "activations.softmax"))),
    naive_mapping="np.exp(x) / np.sum(np.exp(x))",
    faithful_mapping="max-shifted: exp(x - max) / sum(exp(x - max)) (reference.activations.softmax_forward)",
    source="https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/cpu/SoftMaxKernel.cpp "
    "(_vec_softmax: max = reduce_max, then exp(x - max))",
    sample=Sample("large-logits", {"x": np.array([[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0]])}),
    # NaN exactly where a logit of 999 or 1000 overflows; NaN against a number has no |a - b|, so no size.
    shows=Difference("values", at=(0, 1, 5), at_least=0.0),
)

GELU_DEFAULT = Divergence(
    id="gelu-default",
    differs="F.gelu defaults to the exact erf form (approximate='none'), keras.ops.gelu to the tanh "
    "approximation (approximate=True): gelu(-3) = -0.00404969 vs -0.00363739 (the catalog's "
    "earlier -0.00404951 and -0.00363752 were slightly off).",
    naive=(
        Side("torch", implementation("torch", "activations.gelu_default")),
        Side("tensorflow", implementation("tensorflow", "activations.keras_gelu_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
        Side("tensorflow", implementation("tensorflow", "activations.gelu"), {"approximate": "tanh"}),
    ),
    naive_mapping="F.gelu(x) against keras.ops.gelu(x), both with their defaults",
    faithful_mapping="torch approximate='tanh' == keras approximate=True (or 'none' == False)",
    source="https://github.com/keras-team/keras/blob/master/keras/src/ops/nn.py "
    "(def gelu(x, approximate=True)); torch/nn/functional.py (gelu(input, approximate='none'))",
    sample=Sample("tails", {"x": np.array([-3.0, -1.0, 0.5, 2.0])}),
    shows=Difference("values", at=None, at_least=1e-4),
)

FLOAT_DEFAULTS = Divergence(
    id="float-defaults",
    differs="under NumPy 2 (NEP 50) a float32 array times a np.float64 scalar becomes float64 "
    "(a Python float keeps float32); torch keeps the tensor's float32.",
    naive=(
        Side("numpy", gelu_tanh_with_numpy_constant),
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
    ),
    faithful=(
        Side("numpy", reference_gelu_tanh),
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
    ),
    naive_mapping="constants as NumPy scalars (np.sqrt(2 / np.pi)): the result silently becomes float64",
    faithful_mapping="constants as Python floats (math.sqrt) or cast to x.dtype: float32 stays float32",
    source="https://numpy.org/neps/nep-0050-scalar-promotion.html "
    "(NumPy scalars are strongly typed; Python scalars are weak)",
    sample=Sample("float32", {"x": np.array([-3.0, -1.0, 0.5, 2.0])}),
    shows=Difference("dtype"),  # float64 against float32; the values themselves agree
)
