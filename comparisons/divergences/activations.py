"""Catalog entries of the activation concepts: overflow, derivatives at kinks, default parameters."""

import numpy as np

from comparisons.i18n import N_
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


def leaky_relu_derivative(x, *, negative_slope):
    """The reference derivative of leaky relu, torch's: 1 for x > 0, the slope for x <= 0 (so at 0 too)."""
    _, cache = ref.leaky_relu_forward(x, negative_slope=negative_slope)
    return ref.leaky_relu_backward(np.ones_like(x), cache)


def reference_log_softmax(x, *, axis=-1):
    """The reference log-softmax by log-sum-exp: exact for logits of any spread."""
    return ref.log_softmax_forward(x, axis=axis)[0]


# Entries -----------------------------------------------------------------------------

SIGMOID_OVERFLOW = Divergence(
    id="sigmoid-overflow",
    differs=N_("log(1 / (1 + exp(-x))) overflows exp in float32 at x = -100 and gives -inf; "
    "TensorFlow's log_sigmoid is -softplus(-x) and gives -100."),
    naive=(
        Side("numpy", naive_log_sigmoid),
        Side("tensorflow", implementation("tensorflow", "activations.log_sigmoid")),
    ),
    faithful=(
        Side("numpy", stable_log_sigmoid),
        Side("tensorflow", implementation("tensorflow", "activations.log_sigmoid")),
    ),
    naive_mapping=N_("np.log(1 / (1 + np.exp(-x))) against tf.math.log_sigmoid(x)"),
    faithful_mapping=N_("-np.logaddexp(0, -x) against tf.math.log_sigmoid(x)"),
    source="https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/math_ops.py "
    "(log_sigmoid: math_ops.negative(nn_ops.softplus(-x)))",
    sample=Sample("overflow", {"x": np.array([-100.0, -20.0, 0.0, 20.0, 100.0])}),
    quantity="log_sigmoid",
    shows=Difference("values", at=(0,), at_least=np.inf),  # -inf against -100 at x = -100, nowhere else
)

RELU_GRAD_AT_ZERO = Divergence(
    id="relu-grad-at-zero",
    differs=N_("relu has no derivative at 0; torch (and TensorFlow) use 0 there, a hand-written "
    "np.where(x >= 0, 1, 0) uses 1."),
    naive=(
        Side("numpy", relu_derivative_at_zero_one),
        Side("torch", implementation("torch", "activations.relu"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", relu_derivative),
        Side("torch", implementation("torch", "activations.relu"), gradient_of="x"),
    ),
    naive_mapping=N_("derivative np.where(x >= 0, 1, 0)"),
    faithful_mapping=N_("derivative (x > 0), as torch's threshold_backward and TF's ReluGrad"),
    source="https://github.com/pytorch/pytorch/blob/main/tools/autograd/derivatives.yaml "
    "(relu: threshold_backward(grad, result, 0), which passes the gradient only where result > 0)",
    sample=Sample("kink", {"x": np.array([-1.0, 0.0, 2.0])}),
    quantity="dx",
    shows=Difference("values", at=(1,), at_least=0.3),  # 1 against 0 at x = 0 exactly
)

LEAKY_RELU_DEFAULT_SLOPE = Divergence(
    id="leaky-relu-default-slope",
    differs=N_("default negative slopes: torch 0.01, tf.nn.leaky_relu 0.2, Keras 3 layers.LeakyReLU 0.3."),
    naive=(
        Side("torch", implementation("torch", "activations.leaky_relu_default")),
        Side("tensorflow", implementation("tensorflow", "activations.keras_leaky_relu_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "activations.leaky_relu"), {"negative_slope": 0.2}),
        Side("tensorflow", implementation("tensorflow", "activations.leaky_relu"), {"negative_slope": 0.2}),
    ),
    naive_mapping=N_("F.leaky_relu(x) against keras.layers.LeakyReLU()(x), both with their defaults"),
    faithful_mapping=N_("the slope passed explicitly: F.leaky_relu(x, 0.2) and tf.nn.leaky_relu(x, alpha=0.2)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/layers/activations/leaky_relu.py "
    "(negative_slope=0.3); torch/nn/functional.py (negative_slope=0.01); "
    "tensorflow/python/ops/nn_ops.py (leaky_relu(features, alpha=0.2))",
    sample=Sample("negative", {"x": np.array([-4.0, -1.0, 0.5, 3.0])}),
    shows=Difference("values", at=(0, 1), at_least=0.35),  # the negative inputs only: slope 0.01 against 0.3
)

SOFTMAX_OVERFLOW = Divergence(
    id="softmax-overflow",
    differs=N_("exp(x) / sum(exp(x)) overflows to inf / inf = NaN at logits of 1000; "
    "torch subtracts the max first."),
    naive=(Side("numpy", naive_softmax), Side("torch", implementation("torch", "activations.softmax"))),
    faithful=(Side("numpy", max_shifted_softmax), Side("torch", implementation("torch", "activations.softmax"))),
    naive_mapping=N_("np.exp(x) / np.sum(np.exp(x))"),
    faithful_mapping=N_("max-shifted: exp(x - max) / sum(exp(x - max)) (reference.activations.softmax_forward)"),
    source="https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/cpu/SoftMaxKernel.cpp "
    "(_vec_softmax: max = reduce_max, then exp(x - max))",
    sample=Sample("large-logits", {"x": np.array([[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0]])}),
    # NaN exactly where a logit of 999 or 1000 overflows; NaN against a number has no |a - b|, so no size.
    shows=Difference("values", at=(0, 1, 5), at_least=0.0),
)

GELU_DEFAULT = Divergence(
    id="gelu-default",
    differs=N_("F.gelu defaults to the exact erf form (approximate='none'), keras.ops.gelu to the tanh "
    "approximation (approximate=True): gelu(-3) = -0.00404969 vs -0.00363739 (the catalog's "
    "earlier -0.00404951 and -0.00363752 were slightly off)."),
    naive=(
        Side("torch", implementation("torch", "activations.gelu_default")),
        Side("tensorflow", implementation("tensorflow", "activations.keras_gelu_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
        Side("tensorflow", implementation("tensorflow", "activations.gelu"), {"approximate": "tanh"}),
    ),
    naive_mapping=N_("F.gelu(x) against keras.ops.gelu(x), both with their defaults"),
    faithful_mapping=N_("torch approximate='tanh' == keras approximate=True (or 'none' == False)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/ops/nn.py "
    "(def gelu(x, approximate=True)); torch/nn/functional.py (gelu(input, approximate='none'))",
    sample=Sample("tails", {"x": np.array([-3.0, -1.0, 0.5, 2.0])}),
    shows=Difference("values", at=None, at_least=1e-4),
)

FLOAT_DEFAULTS = Divergence(
    id="float-defaults",
    differs=N_("under NumPy 2 (NEP 50) a float32 array times a np.float64 scalar becomes float64 "
    "(a Python float keeps float32); torch keeps the tensor's float32."),
    naive=(
        Side("numpy", gelu_tanh_with_numpy_constant),
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
    ),
    faithful=(
        Side("numpy", reference_gelu_tanh),
        Side("torch", implementation("torch", "activations.gelu"), {"approximate": "tanh"}),
    ),
    naive_mapping=N_("constants as NumPy scalars (np.sqrt(2 / np.pi)): the result silently becomes float64"),
    faithful_mapping=N_("constants as Python floats (math.sqrt) or cast to x.dtype: float32 stays float32"),
    source="https://numpy.org/neps/nep-0050-scalar-promotion.html "
    "(NumPy scalars are strongly typed; Python scalars are weak)",
    sample=Sample("float32", {"x": np.array([-3.0, -1.0, 0.5, 2.0])}),
    shows=Difference("dtype"),  # float64 against float32; the values themselves agree
)


# JAX and PaddlePaddle ----------------------------------------------------------------

LEAKY_AT_ZERO = Sample(
    "at-zero-slope0.2", {"x": np.array([-1.5, 0.0, 2.0])}, {"negative_slope": 0.2},
    note=N_("x exactly 0, where leaky relu has no derivative and each library picks a side"),
)
LEAKY_SOURCE = (
    "https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (leaky_relu: "
    "jnp.where(x >= 0, x, negative_slope * x)); "
    "https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/funcs/activation_functor.h "
    "(LeakyReluGradFunctor: dx = x < 0 ? alpha * dout : dout); "
    "torch/tools/autograd/derivatives.yaml (leaky_relu_backward: self > 0 ? grad : grad * negative_slope)"
)

LEAKY_RELU_GRAD_AT_ZERO = Divergence(
    id="leaky-relu-grad-at-zero",
    differs=N_("jax.nn.leaky_relu is jnp.where(x >= 0, x, slope * x): its derivative at exactly x = 0 is 1; "
    "torch (and the reference) take x > 0, so the slope there: 1 against 0.2 at x = 0 with slope 0.2. "
    "No argument of jax.nn.leaky_relu changes the side it takes."),
    naive=(
        Side("numpy", leaky_relu_derivative),
        Side("jax", implementation("jax", "activations.leaky_relu"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", leaky_relu_derivative),
        Side("jax", implementation("jax", "activations.leaky_relu_where"), gradient_of="x"),
    ),
    naive_mapping=N_("jax.nn.leaky_relu(x, negative_slope) for F.leaky_relu(x, negative_slope), gradient at x = 0"),
    faithful_mapping=N_("write it as jnp.where(x > 0, x, negative_slope * x) (or keep inputs off exactly 0): "
    "no mapping by arguments exists"),
    source=LEAKY_SOURCE,
    sample=LEAKY_AT_ZERO,
    quantity="dx",
    shows=Difference("values", at=(1,), at_least=0.25),  # 1 against 0.2 at x = 0 exactly, nowhere else
)

LEAKY_RELU_GRAD_AT_ZERO_PADDLE = Divergence(
    id="leaky-relu-grad-at-zero-paddle",
    differs=N_("Paddle's F.leaky_relu gradient kernel passes dout for x >= 0: its derivative at exactly x = 0 "
    "is 1; torch (and the reference) take the slope there: 1 against 0.2 at x = 0 with slope 0.2."),
    naive=(
        Side("numpy", leaky_relu_derivative),
        Side("paddle", implementation("paddle", "activations.leaky_relu"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", leaky_relu_derivative),
        Side("paddle", implementation("paddle", "activations.leaky_relu_where"), gradient_of="x"),
    ),
    naive_mapping=N_("F.leaky_relu(x, negative_slope) in Paddle for F.leaky_relu in torch, gradient at x = 0"),
    faithful_mapping=N_("write it as paddle.where(x > 0, x, negative_slope * x) (or keep inputs off exactly 0): "
    "no mapping by arguments exists"),
    source=LEAKY_SOURCE,
    sample=LEAKY_AT_ZERO,
    quantity="dx",
    shows=Difference("values", at=(1,), at_least=0.25),  # 1 against 0.2 at x = 0 exactly, nowhere else
)

JAX_RELU_MAXIMUM_GRAD = Divergence(
    id="jax-relu-maximum-grad",
    differs=N_("jax.nn.relu carries a custom derivative, 0 at x = 0 like torch's and TF's; relu written as "
    "jnp.maximum(x, 0) gets JAX's derivative of max at a tie, which splits the gradient between the "
    "two arguments: 0.5 at x = 0 (the DIVERGENCES.md claim holds for JAX 0.10.2)."),
    naive=(
        Side("numpy", relu_derivative),
        Side("jax", implementation("jax", "activations.relu_maximum"), gradient_of="x"),
    ),
    faithful=(
        Side("numpy", relu_derivative),
        Side("jax", implementation("jax", "activations.relu"), gradient_of="x"),
    ),
    naive_mapping=N_("relu written jnp.maximum(x, 0), gradient at x = 0"),
    faithful_mapping=N_("jax.nn.relu(x), whose custom JVP takes the derivative (x > 0)"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (relu: @jax.custom_jvp, "
    "relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, lax.full_like(g, 0)))); "
    "jax/_src/lax/lax.py (max's JVP: _balanced_eq gives each argument half at a tie)",
    sample=Sample("kink", {"x": np.array([-1.0, 0.0, 2.0])}),
    quantity="dx",
    shows=Difference("values", at=(1,), at_least=0.15),  # 0.5 against 0 at x = 0 exactly
)

JAX_GELU_DEFAULT = Divergence(
    id="jax-gelu-default",
    differs=N_("jax.nn.gelu (and flax.linen.gelu) defaults to the tanh approximation (approximate=True), "
    "torch's F.gelu to the exact erf form: gelu(-3) = -0.00363739 against -0.00404969."),
    naive=(
        Side("torch", implementation("torch", "activations.gelu_default")),
        Side("jax", implementation("jax", "activations.gelu_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "activations.gelu_default")),
        Side("jax", implementation("jax", "activations.gelu"), {"approximate": "none"}),  # approximate=False
    ),
    naive_mapping=N_("F.gelu(x) against jax.nn.gelu(x), both with their defaults"),
    faithful_mapping=N_("jax.nn.gelu(x, approximate=False) for torch's default (approximate=True for 'tanh')"),
    source="https://github.com/jax-ml/jax/blob/main/jax/_src/nn/functions.py (def gelu(x, approximate: bool = True))",
    sample=Sample("tails", {"x": np.array([-3.0, -1.0, 0.5, 2.0])}),
    shows=Difference("values", at=None, at_least=1.4e-4),  # 4.1e-4 at x = -3
)

PADDLE_SOFTMAX_CLIP = Divergence(
    id="paddle-softmax-clip",
    differs=N_("Paddle's CPU softmax kernels (log_softmax, softmax, cross_entropy) clip the max-shifted logits "
    "at -64 before the exponential: log_softmax([1000, 0, -1000]) is [0, -64, -64] instead of "
    "[0, -1000, -2000] (softmax itself only moves by exp(-64) = 1.6e-28). Rows whose logits span less "
    "than 64 are exact."),
    naive=(
        Side("numpy", reference_log_softmax),
        Side("paddle", implementation("paddle", "activations.log_softmax")),
    ),
    faithful=(
        Side("numpy", reference_log_softmax),
        Side("paddle", implementation("paddle", "activations.log_softmax_by_logsumexp")),
    ),
    naive_mapping=N_("F.log_softmax(x) in Paddle for F.log_softmax in torch, on logits spanning 2000"),
    faithful_mapping=N_("x - paddle.logsumexp(x, axis, keepdim=True) (log-softmax outside the clipping kernel), "
    "or keep the logits of a row within 64 of each other"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/funcs/softmax_impl.h "
    "(ValueClip: x < -64 ? -64 : x, applied to the shifted logits before exp)",
    sample=Sample("spread-2000", {"x": np.array([[1000.0, 0.0, -1000.0], [10.0, 0.0, -50.0]])},
                  note=N_("the first row spans 2000, the second 60")),
    quantity="log_softmax",
    shows=Difference("values", at=(1, 2), at_least=600.0),  # -1000 and -2000 against -64; the second row agrees
)
