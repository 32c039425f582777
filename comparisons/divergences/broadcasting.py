"""Catalog entries of the broadcasting concepts: scalar promotion, np.dot on stacks, the dense kernel layout."""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation


def normal_pair(shape_a, shape_b, names=("a", "b")):
    """A sample drawer: two standard normal operands of the given shapes."""
    return lambda rng: {names[0]: rng.standard_normal(shape_a), names[1]: rng.standard_normal(shape_b)}


def linear_inputs(n, n_in, n_out, bias_shape=None):
    """A sample drawer: x (*n, n_in) (n an int or a tuple of leading sizes), w (n_out, n_in), b (n_out,) or ``bias_shape``."""
    lead = (n,) if isinstance(n, int) else tuple(n)

    def draw(rng):
        return {
            "x": rng.standard_normal((*lead, n_in)),
            "w": rng.standard_normal((n_out, n_in)) / n_in**0.5,
            "b": rng.standard_normal((n_out,) if bias_shape is None else bias_shape),
        }

    return draw


# NumPy halves ------------------------------------------------------------------------


def times_float64_scalar(a, b, *, scale):
    """a * np.float64(s): NumPy 2 promotes a float32 array to float64 (``b`` is unused)."""
    return a * np.float64(scale)  # a NumPy scalar is 'strong' under NEP 50


def times_run_dtype_scalar(a, b, *, scale):
    """The scalar cast to the array's dtype first: float32 stays float32 (``b`` is unused)."""
    return a * a.dtype.type(scale)


def numpy_dot(a, b):
    """np.dot on 3-d arrays: a's last axis with b's second-to-last, for every pair of batch indices."""
    return np.dot(a, b)  # (2, 3, 4) . (2, 4, 5) -> (2, 3, 2, 5)


def numpy_matmul(a, b):
    """np.matmul (the @ operator): one product per batch index."""
    return np.matmul(a, b)  # (2, 3, 4) @ (2, 4, 5) -> (2, 3, 5)


# Entries -----------------------------------------------------------------------------

FLOAT_DEFAULTS = Divergence(
    id="float-defaults",
    differs=N_("A float32 array times a NumPy float64 scalar becomes float64 in NumPy 2 (NEP 50: only Python "
    "scalars are 'weak'); torch treats any 0-d tensor as weak and keeps float32."),
    naive=(
        Side("numpy", times_float64_scalar),
        Side("torch", implementation("torch", "broadcasting.times_scalar"), {"scalar_dtype": "float64"}),
    ),
    faithful=(
        Side("numpy", times_run_dtype_scalar),
        Side("torch", implementation("torch", "broadcasting.times_scalar")),
    ),
    naive_mapping=N_("a * np.float64(s) in NumPy against x * torch.tensor(s, dtype=float64) in torch"),
    faithful_mapping=N_("cast the scalar to the array's dtype (a * a.dtype.type(s)), or use a Python float"),
    source="https://numpy.org/neps/nep-0050-scalar-promotion.html; "
    "https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc",
    sample=Sample("float32-times-float64-scalar", normal_pair((3, 4), (4,)), params={"scale": 0.1}),
    dtype="float32",
    shows=Difference("dtype"),  # float64 against float32
)

DOT_VS_MATMUL = Divergence(
    id="dot-vs-matmul",
    differs=N_("For 3-d operands np.dot(a, b) is a sum over a's last and b's second-to-last axis for every "
    "pair of batch indices (shape (2, 3, 2, 5)); torch.matmul and np.matmul multiply batch by batch "
    "(shape (2, 3, 5)). torch.dot only takes 1-d vectors."),
    naive=(Side("numpy", numpy_dot), Side("torch", implementation("torch", "broadcasting.matmul"))),
    faithful=(Side("numpy", numpy_matmul), Side("torch", implementation("torch", "broadcasting.matmul"))),
    naive_mapping=N_("np.dot(a, b) against torch.matmul(a, b)"),
    faithful_mapping=N_("np.matmul(a, b) (the @ operator) against torch.matmul(a, b)"),
    source="https://numpy.org/doc/stable/reference/generated/numpy.dot.html; "
    "https://pytorch.org/docs/stable/generated/torch.matmul.html",
    sample=Sample("batched-3d", normal_pair((2, 3, 4), (2, 4, 5))),
    dtype="float64",
    shows=Difference("shape"),  # (2, 3, 2, 5) against (2, 3, 5)
)

DENSE_KERNEL_LAYOUT = Divergence(
    id="dense-kernel-layout",
    differs=N_("torch.nn.Linear stores weight as (out_features, in_features) and computes x w^T + b; "
    "keras.layers.Dense stores kernel as (input_dim, units) and computes x kernel + b."),
    naive=(
        Side("torch", implementation("torch", "layers.linear")),
        Side("tensorflow", implementation("tensorflow", "layers.keras_dense"), {"transpose_weight": False}),
    ),
    faithful=(
        Side("torch", implementation("torch", "layers.linear")),
        Side("tensorflow", implementation("tensorflow", "layers.keras_dense"), {"transpose_weight": True}),
    ),
    naive_mapping=N_("copy the torch weight into the Keras kernel unchanged (shapes fit when in == out)"),
    faithful_mapping=N_("kernel = weight.T"),
    source="torch/nn/modules/linear.py (weight: (out_features, in_features)); "
    "keras/src/layers/core/dense.py (kernel shape (input_dim, self.units), ops.matmul(inputs, kernel))",
    sample=Sample("square-layer", linear_inputs(4, 3, 3)),
    dtype="float64",
    shows=Difference("values", at=None, at_least=0.3),
)


# JAX and PaddlePaddle ----------------------------------------------------------------

JAX_X64 = Divergence(
    id="jax-x64",
    differs=N_("JAX computes in float32 unless jax_enable_x64 is set: float64 NumPy inputs silently become "
    "float32 arrays and the results come back float32. Rosetta's JAX worker sets the "
    "flag before any array exists."),
    naive=(
        Side("numpy", numpy_matmul),
        Side("jax", implementation("jax", "broadcasting.matmul_without_x64")),
    ),
    faithful=(
        Side("numpy", numpy_matmul),
        Side("jax", implementation("jax", "broadcasting.matmul")),
    ),
    naive_mapping=N_("jnp.matmul on float64 NumPy arrays with JAX's default settings (x64 off)"),
    faithful_mapping=N_("jax.config.update('jax_enable_x64', True) at start-up (or JAX_ENABLE_X64=1), before any "
    "array is created"),
    source="https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html (Double (64bit) precision: "
    "'JAX by default enforces single-precision numbers')",
    sample=Sample("float64-operands", normal_pair((3, 4), (4, 2))),
    dtype="float64",
    shows=Difference("dtype"),  # float32 against float64
)

PADDLE_LINEAR_LAYOUT = Divergence(
    id="paddle-linear-layout",
    differs=N_("paddle.nn.Linear stores its weight as [in_features, out_features] and F.linear computes "
    "x @ weight + bias; torch's weight is (out, in) and F.linear computes x @ weight.T + bias. A square "
    "torch weight copied unchanged runs and is off by up to 4.4 on the catalog sample."),
    naive=(
        Side("torch", implementation("torch", "layers.linear")),
        Side("paddle", implementation("paddle", "layers.linear_weight_as_is")),
    ),
    faithful=(
        Side("torch", implementation("torch", "layers.linear")),
        Side("paddle", implementation("paddle", "layers.linear")),  # w.T
    ),
    naive_mapping=N_("copy the torch weight into Paddle unchanged (shapes fit when in == out)"),
    faithful_mapping=N_("weight = torch_weight.T (paddle F.linear(x, w.T, b))"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/layer/common.py "
    "(Linear: weight shape [in_features, out_features]); python/paddle/nn/functional/common.py "
    "(linear: out = x * weight + bias)",
    sample=Sample("square-layer", linear_inputs(4, 3, 3)),
    dtype="float64",
    shows=Difference("values", at=None, at_least=1.4),  # every output: x W against x W^T
)
