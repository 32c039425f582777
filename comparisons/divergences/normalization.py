"""Catalog entries of the normalisation concepts: layer-norm epsilon and variance, biased and unbiased std."""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import normalization as ref

# NumPy halves ------------------------------------------------------------------------


def layer_norm(x, *, eps):
    """Layer normalisation over the last axis without scale and shift: (x - mean) / sqrt(var + eps).

    The two-pass variance mean((x - mean)**2), as torch's nn.LayerNorm (default eps 1e-5) computes it.
    """
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # two-pass: no cancellation for any offset
    return (x - mean) / np.sqrt(var + eps)


# Entries -----------------------------------------------------------------------------

FLAX_LAYERNORM_SOURCE = (
    "https://github.com/google/flax/blob/main/flax/linen/normalization.py (class LayerNorm: epsilon: float = 1e-6, "
    "use_fast_variance: bool = True; _compute_stats: var = mean(x^2) - mean(x)^2 when use_fast_variance)"
)

FLAX_LAYERNORM_EPSILON = Divergence(
    id="flax-layernorm-epsilon",
    differs=N_("flax.linen.LayerNorm's epsilon defaults to 1e-6, torch's nn.LayerNorm eps to 1e-5 (Keras 1e-3); "
    "on features of variance 1e-4 the normalised values differ by up to 6% (1.39 against 1.30)."),
    naive=(
        Side("numpy", layer_norm, {"eps": 1e-5}),
        Side("jax", implementation("jax", "normalization.flax_layer_norm")),
    ),
    faithful=(
        Side("numpy", layer_norm, {"eps": 1e-5}),
        Side("jax", implementation("jax", "normalization.flax_layer_norm"), {"epsilon": 1e-5}),
    ),
    naive_mapping=N_("nn.LayerNorm() for torch's nn.LayerNorm(d), both with their defaults"),
    faithful_mapping=N_("pass the epsilon: nn.LayerNorm(epsilon=1e-5)"),
    source=FLAX_LAYERNORM_SOURCE,
    sample=Sample("small-variance", lambda rng: {"x": 0.01 * rng.standard_normal((3, 8))},
                  note=N_("features of standard deviation 0.01: eps is 1 to 10 percent of the variance")),
    shows=Difference("values", at=None, at_least=0.03),  # 0.089 measured
)

FLAX_LAYERNORM_FAST_VARIANCE = Divergence(
    id="flax-layernorm-fast-variance",
    differs=N_("flax.linen.LayerNorm computes the variance as mean(x^2) - mean(x)^2 by default "
    "(use_fast_variance=True): on 1000 + [0, 0.1, 0.2, 0.3] in float32 that difference of two numbers "
    "near 1e6 cancels to nothing, and the normalised row is [-150, -50, 50, 150] instead of "
    "[-1.34, -0.45, 0.45, 1.34] (the variance is clamped at 0, so x / sqrt(eps)). A centred row is fine."),
    naive=(
        Side("numpy", layer_norm, {"eps": 1e-6}),
        Side("jax", implementation("jax", "normalization.flax_layer_norm")),
    ),
    faithful=(
        Side("numpy", layer_norm, {"eps": 1e-6}),
        Side("jax", implementation("jax", "normalization.flax_layer_norm"), {"use_fast_variance": False}),
    ),
    naive_mapping=N_("nn.LayerNorm() (epsilon 1e-6 on both sides) on features with a large common offset"),
    faithful_mapping=N_("nn.LayerNorm(use_fast_variance=False): the two-pass mean((x - mean)^2)"),
    source=FLAX_LAYERNORM_SOURCE,
    sample=Sample("offset-1000", {"x": np.array([[1000.0, 1000.1, 1000.2, 1000.3], [-1.5, -0.5, 0.5, 1.5]])},
                  note=N_("the first row sits at 1000 with a spread of 0.3; the second is centred")),
    shows=Difference("values", at=(0, 1, 2, 3), at_least=50.0),  # the offset row only: 148.7 measured
)

PADDLE_STD_UNBIASED = Divergence(
    id="paddle-std-unbiased",
    differs=N_("paddle.std and paddle.var default to the unbiased estimate (divided by n - 1, unbiased=True), "
    "like torch.std; jnp.std, np.std, tf.math.reduce_std and keras.ops.std divide by n: "
    "std([0, 1, 2, 3]) is 1.291 in Paddle, 1.118 in JAX."),
    naive=(
        Side("jax", implementation("jax", "normalization.std")),
        Side("paddle", implementation("paddle", "normalization.std")),
    ),
    faithful=(
        Side("jax", implementation("jax", "normalization.std")),
        Side("paddle", implementation("paddle", "normalization.std"), {"unbiased": False}),
    ),
    naive_mapping=N_("paddle.std(x, axis) for jnp.std(x, axis)"),
    faithful_mapping=N_("paddle.std(x, axis, unbiased=False) (or jnp.std(x, axis, ddof=1) the other way)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/tensor/stat.py "
    "(def std(x, axis=None, unbiased=True, ...)); https://docs.jax.dev/en/latest/_autosummary/jax.numpy.std.html "
    "(ddof=0)",
    sample=Sample("columns", {"x": np.array([[0.0, 1.0], [1.0, -1.0], [2.0, 3.0], [3.0, 0.5]])}, {"axis": 0}),
    shows=Difference("values", at=(0, 1), at_least=0.07),  # every column, by a factor sqrt(4 / 3): up to 0.22
)

L2_NORMALIZE_EPS = Divergence(
    id="l2-normalize-eps",
    differs=N_("torch's F.normalize divides by max(||x||, eps), eps 1e-12 on the norm; TensorFlow's "
    "l2_normalize multiplies by rsqrt(max(sum x^2, epsilon)), epsilon 1e-12 on the squared norm. A vector "
    "shorter than 1e-6 is scaled to length 1 in torch, to length ||x|| * 1e6 in TF: [1e-7, 0] gives "
    "torch [1, 0], TF [0.1, 0]. Paddle's F.normalize is torch's."),
    naive=(
        Side("torch", implementation("torch", "normalization.l2_normalize")),
        Side("tensorflow", implementation("tensorflow", "normalization.l2_normalize_same_eps")),
    ),
    faithful=(
        Side("torch", implementation("torch", "normalization.l2_normalize")),
        Side("tensorflow", implementation("tensorflow", "normalization.l2_normalize")),
    ),
    naive_mapping=N_("tf.math.l2_normalize(x, axis=1, epsilon=1e-12) for F.normalize(x, dim=1, eps=1e-12)"),
    faithful_mapping=N_("square torch's eps: tf.math.l2_normalize(x, axis, epsilon=eps ** 2)"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/functional.py (normalize: "
    "input / input.norm(p, dim, keepdim=True).clamp_min(eps)); https://github.com/tensorflow/tensorflow/blob/"
    "master/tensorflow/python/ops/nn_impl.py (l2_normalize: x * rsqrt(maximum(square_sum, epsilon)))",
    sample=Sample("tiny-vector", {"x": np.array([[1e-7, 0.0], [3.0, 4.0]])},
                  note=N_("a vector of length 1e-7 and one of length 5")),
    shows=Difference("values", at=(0,), at_least=0.5),  # 1 against 0.1 at the tiny vector's first entry
)

def l2_normalize_gradient(x, *, eps):
    """d sum(x / max(||x||, eps)) / dx along axis 1 by the reference's hand-derived backward."""
    out, cache = ref.l2_normalize_forward(x, axis=1, eps=eps)
    return ref.l2_normalize_backward(np.ones_like(out), cache)


PADDLE_NORMALIZE_GRAD = Divergence(
    id="paddle-normalize-grad",
    differs=N_("Paddle's F.normalize computes its norm with the p_norm kernel, whose gradient is "
    "x / (||x|| + epsilon) instead of x / ||x||: the values are right, the gradient is off wherever epsilon "
    "is not negligible against the norm. With epsilon = 1 and the row [3, 4], d sum(out) / dx is "
    "[0.06, 0.013] in Paddle, [0.032, -0.024] in torch and the reference."),
    naive=(
        Side("numpy", l2_normalize_gradient, {"eps": 1.0}),
        Side("paddle", implementation("paddle", "normalization.l2_normalize"), {"eps": 1.0}, gradient_of="x"),
    ),
    faithful=(
        Side("numpy", l2_normalize_gradient, {"eps": 1.0}),
        Side("paddle", implementation("paddle", "normalization.l2_normalize_by_sqrt"), {"eps": 1.0}, gradient_of="x"),
    ),
    naive_mapping=N_("F.normalize(x, axis=1, epsilon=eps) in Paddle for F.normalize in torch, gradient"),
    faithful_mapping=N_("x / paddle.maximum(paddle.sqrt((x * x).sum(axis, keepdim=True)), eps): a norm whose "
    "gradient has no epsilon"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/norm.py (normalize: "
    "_C_ops.p_norm(x, p, axis, epsilon, ...)); paddle/phi/kernels/impl/p_norm_grad_kernel_impl.h",
    sample=Sample("rows", {"x": np.array([[3.0, 4.0], [0.3, 0.4], [-2.0, 1.0]])}),
    quantity="dx",
    shows=Difference("values", at=(0, 1, 4, 5), at_least=0.03),  # 0.055 measured; the row shorter than eps agrees
)

LAYER_NORM = (FLAX_LAYERNORM_EPSILON, FLAX_LAYERNORM_FAST_VARIANCE)
STANDARDIZE = (*LAYER_NORM, PADDLE_STD_UNBIASED)
