"""Cost concepts: the losses the tutorials train with, and their gradients."""

import numpy as np

from comparisons.registry import Concept, Divergence, Sample, Tolerance, implementations, register
from reference import losses as ref

REDUCTIONS = ("none", "mean", "sum")
LOGIT_OF_1E7 = float(np.log(1e-7 / (1 - 1e-7)))  # sigmoid(-16.118) = 1e-7, sigmoid(16.118) = 1 - 1e-7
SHAPES = {"batch": (8,), "matrix": (4, 3), "tensor3d": (2, 3, 2)}
"""1-D, 2-D and 3-D shapes every element-wise cost is checked on."""


def _binary_targets(rng, shape):
    return rng.integers(0, 2, size=shape).astype(float)


def _probabilities(*shape):
    """Draw p strictly inside (0.02, 0.98) and targets in {0, 1}."""
    return lambda rng: {"p": rng.uniform(0.02, 0.98, size=shape), "y": _binary_targets(rng, shape)}


def _regression(*shape):
    """Draw predictions and targets, both standard normal."""
    return lambda rng: {"y_pred": rng.standard_normal(shape), "y_true": rng.standard_normal(shape)}


def _logits_binary(*shape, soft=False):
    """Draw logits of scale 3 and targets in {0, 1} (or soft targets in [0, 1])."""

    def draw(rng):
        z = 3.0 * rng.standard_normal(shape)
        return {"z": z, "y": rng.uniform(0, 1, size=shape) if soft else _binary_targets(rng, shape)}

    return draw


def _logits_classes(logits_shape, n_classes_axis=1):
    """Draw logits of scale 2 and int64 class indices (the logits shape without its class axis)."""

    def draw(rng):
        logits = 2.0 * rng.standard_normal(logits_shape)
        target_shape = logits_shape[:n_classes_axis] + logits_shape[n_classes_axis + 1 :]
        n_classes = logits_shape[n_classes_axis]
        return {"logits": logits, "target": rng.integers(0, n_classes, size=target_shape).astype(np.int64)}

    return draw


def shape_sweep(draw):
    """Every reduction on the 1-D shape, then 2-D and 3-D with one reduction each."""
    for reduction in REDUCTIONS:
        yield Sample(f"batch-{reduction}", draw(*SHAPES["batch"]), {"reduction": reduction})
    yield Sample("matrix-mean", draw(*SHAPES["matrix"]), {"reduction": "mean"})
    yield Sample("tensor3d-sum", draw(*SHAPES["tensor3d"]), {"reduction": "sum"})


def regression_samples(rng):
    yield from shape_sweep(_regression)


def bce_samples(rng):
    yield from shape_sweep(_probabilities)
    yield Sample(
        "clip-edges",
        {"p": np.array([1e-7, 1 - 1e-7, 1e-7, 1 - 1e-7]), "y": np.array([1.0, 0.0, 0.0, 1.0])},
        {"reduction": "none"},
        skip={
            "finite-diff": "the central-difference step h = 1e-6 is wider than the distance 1e-7 to "
            "the edge of the domain (0, 1): p - h < 0 and p + h > 1 have no logarithm"
        },
        note="p exactly at Keras's clip bounds [1e-7, 1 - 1e-7]: the clip changes nothing there, "
        "and the loss reaches its largest Keras value -log(1e-7) = 16.12.",
    )


def bce_logits_samples(rng):
    yield from shape_sweep(_logits_binary)
    yield Sample("soft-targets", _logits_binary(6, soft=True), {"reduction": "mean"}, note="targets in [0, 1]")
    yield Sample(
        "large-logits",
        {"z": np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0]), "y": np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])},
        {"reduction": "none"},
        note="|z| up to 1000: sigmoid rounds to 0 or 1, log(sigmoid) would be -inf; the logits form stays finite.",
    )
    yield Sample(
        "extreme-probabilities",
        {"z": np.array([LOGIT_OF_1E7, -LOGIT_OF_1E7, LOGIT_OF_1E7, -LOGIT_OF_1E7]), "y": np.array([1.0, 0.0, 0.0, 1.0])},
        {"reduction": "none"},
        note="sigmoid(z) = 1e-7 and 1 - 1e-7: the largest losses Keras allows on probabilities, here on logits.",
    )


def cross_entropy_samples(rng):
    yield Sample("single", _logits_classes((5,), n_classes_axis=0), {"reduction": "none"}, note="unbatched (C,) logits")
    for reduction in REDUCTIONS:
        yield Sample(f"batch-{reduction}", _logits_classes((8, 5)), {"reduction": reduction})
    yield Sample(
        "tensor3d-mean",
        _logits_classes((2, 4, 3)),
        {"reduction": "mean"},
        note="(N, C, d) logits: torch's class axis is 1, Keras's the last",
    )
    yield Sample(
        "large-logits",
        {
            "logits": np.array([[1000.0, 0.0, -1000.0], [20.0, 100.0, 99.0], [-100.0, -100.0, -99.0]]),
            "target": np.array([2, 2, 0], dtype=np.int64),
        },
        {"reduction": "none"},
        note="exp(1000) overflows: the loss must be computed by log-sum-exp (losses up to 2000).",
    )
    yield Sample(
        "extreme-probabilities",
        {
            "logits": np.array([[0.0, LOGIT_OF_1E7], [0.0, LOGIT_OF_1E7], [-LOGIT_OF_1E7, 0.0]]),
            "target": np.array([1, 0, 0], dtype=np.int64),
        },
        {"reduction": "none"},
        note="softmax probabilities of the target 1e-7, 1 - 1e-7 and 1e-7.",
    )


# Divergence catalog entries. Mappings take the sample's inputs as NumPy arrays and
# import their framework inside.


def _keras_bce(p, y):
    import keras

    return keras.ops.binary_crossentropy(y, p)  # element-wise, p clipped to [1e-7, 1 - 1e-7]


def _bce_clipping_naive(p, y):
    import torch
    import torch.nn.functional as F

    return F.binary_cross_entropy(torch.tensor(p), torch.tensor(y), reduction="none"), _keras_bce(p, y)


def _bce_clipping_faithful(p, y):
    import torch
    import torch.nn.functional as F

    clipped = torch.tensor(p).clamp(1e-7, 1 - 1e-7)  # Keras's clip, made visible on the torch side
    return F.binary_cross_entropy(clipped, torch.tensor(y), reduction="none"), _keras_bce(p, y)


BCE_CLIPPING = Divergence(
    id="bce-clipping",
    frameworks=("torch", "tensorflow"),
    differs="for p outside [1e-7, 1 - 1e-7] Keras clips p (largest loss -log(1e-7) = 16.12 as p -> 0; "
    "in float32 1 - 1e-7 rounds to 1 - 2^-23, so 15.94 as p -> 1); torch clamps the log at -100 "
    "(largest loss 100).",
    naive=_bce_clipping_naive,
    faithful=_bce_clipping_faithful,
    naive_mapping="F.binary_cross_entropy(p, y) against keras.ops.binary_crossentropy(y, p) on p = 0, 1e-9, 1",
    faithful_mapping="clip p to [1e-7, 1 - 1e-7] on the torch side too (or compare on logits on both sides)",
    source="https://github.com/keras-team/keras/blob/master/keras/src/backend/tensorflow/nn.py "
    "(binary_crossentropy: tf.clip_by_value(output, epsilon(), 1.0 - epsilon())); "
    "aten/src/ATen/native/Loss.cpp (binary_cross_entropy: log clamped at -100)",
    sample=Sample("saturated", {"p": np.array([0.0, 1e-9, 0.5, 1.0]), "y": np.array([1.0, 1.0, 0.0, 0.0])}),
)


def _tf_bce_logits(z, y):
    import tensorflow as tf

    return tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y), logits=tf.constant(z))


def _bce_through_probabilities(z, y):
    """-(y log p + (1 - y) log(1 - p)) with p = 1 / (1 + exp(-z)), as first written."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = 1 / (1 + np.exp(-z))  # rounds to exactly 0 or 1 for |z| >= 17 in float32
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))


BCE_LOGITS_FORMULA = Divergence(
    id="bce-logits-formula",
    frameworks=("numpy", "tensorflow"),
    differs="through probabilities, log(sigmoid(z)) is log(0) = -inf once sigmoid rounds to 0 or 1; "
    "TF computes max(z, 0) - z y + log(1 + exp(-|z|)).",
    naive=lambda z, y: (_bce_through_probabilities(z, y), _tf_bce_logits(z, y)),
    faithful=lambda z, y: (ref.binary_cross_entropy_with_logits_forward(z, y, reduction="none")[0], _tf_bce_logits(z, y)),
    naive_mapping="p = 1 / (1 + exp(-z)), then the binary cross-entropy of p",
    faithful_mapping="max(z, 0) - z y + np.log1p(np.exp(-|z|)) (reference binary_cross_entropy_with_logits)",
    source="https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/nn_impl.py "
    "(sigmoid_cross_entropy_with_logits: relu_logits - logits * labels + log1p(exp(neg_abs_logits)))",
    sample=Sample(
        "saturated",
        {"z": np.array([-100.0, -20.0, 0.0, 20.0, 100.0]), "y": np.array([1.0, 0.0, 1.0, 0.0, 0.0])},
    ),
)


def _torch_cross_entropy(logits, target):
    import torch
    import torch.nn.functional as F

    return F.cross_entropy(torch.tensor(logits), torch.tensor(target))  # logits and indices, batch mean


def _ce_targets_naive(logits, target):
    import keras

    one_hot = keras.ops.one_hot(target, logits.shape[-1], dtype=logits.dtype)
    # from_logits=False (the default): the logits are taken for probabilities, renormalised and clipped.
    return _torch_cross_entropy(logits, target), keras.losses.CategoricalCrossentropy()(one_hot, logits)


def _ce_targets_faithful(logits, target):
    import keras

    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    return _torch_cross_entropy(logits, target), keras_loss(target, logits)


CE_TARGETS = Divergence(
    id="ce-targets",
    frameworks=("torch", "tensorflow"),
    differs="torch's cross_entropy takes logits and class indices; Keras's CategoricalCrossentropy "
    "takes one-hot targets and, by default, probabilities (from_logits=False): given logits it "
    "renormalises and clips them instead of applying the softmax.",
    naive=_ce_targets_naive,
    faithful=_ce_targets_faithful,
    naive_mapping="F.cross_entropy(logits, target) against CategoricalCrossentropy()(one_hot(target), logits)",
    faithful_mapping="SparseCategoricalCrossentropy(from_logits=True)(target, logits): indices kept, "
    "softmax inside; both reduce by the batch mean",
    source="https://github.com/keras-team/keras/blob/master/keras/src/losses/losses.py "
    "(CategoricalCrossentropy(from_logits=False, ..., reduction='sum_over_batch_size'))",
    sample=Sample(
        "logits",
        {
            "logits": np.array([[2.0, -1.0, 0.5], [-0.3, 1.2, 3.0], [0.1, 0.2, -2.0], [1.5, -0.5, 0.0]]),
            "target": np.array([0, 2, 1, 2], dtype=np.int64),
        },
    ),
)


def _torch_mse_gradient(y_pred, y_true):
    import torch
    import torch.nn.functional as F

    y_pred = torch.tensor(y_pred, requires_grad=True)
    (grad,) = torch.autograd.grad(F.mse_loss(y_pred, torch.tensor(y_true)), y_pred)
    return grad


MSE_HALF = Divergence(
    id="mse-half",
    frameworks=("numpy", "torch"),
    differs="the tutorials' cost 1/2 (y_hat - y)^2 has gradient y_hat - y; torch MSELoss (and Keras "
    "MeanSquaredError) is the mean of (y_hat - y)^2 with no 1/2, gradient 2 (y_hat - y) / N.",
    naive=lambda y_pred, y_true: (y_pred - y_true, _torch_mse_gradient(y_pred, y_true)),
    faithful=lambda y_pred, y_true: ((2 / y_pred.size) * (y_pred - y_true), _torch_mse_gradient(y_pred, y_true)),
    naive_mapping="the tutorial's gradient y_hat - y against the gradient of F.mse_loss",
    faithful_mapping="scale the tutorial's gradient by 2 / N",
    source="https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html "
    "(l_n = (x_n - y_n)^2, mean over all elements)",
    sample=Sample(
        "regression", {"y_pred": np.array([0.5, -1.0, 2.0, 0.25]), "y_true": np.array([0.0, -0.5, 1.0, 1.0])}
    ),
    quantity="dy_pred",
)


register(
    Concept(
        name="mse",
        family="losses",
        summary="Mean squared error mean((y_pred - y_true)^2), as torch MSELoss and Keras MeanSquaredError.",
        samples=regression_samples,
        reference=(ref.mse_forward, ref.mse_backward),
        implementations=implementations("losses.mse"),
        grad_wrt=("y_pred",),
        divergences=(MSE_HALF,),
        tutorial="The regression cost; the frameworks' version has no 1/2, so its gradient has a 2.",
        forward_math=r"L = \frac{1}{N}\sum_i (\hat y_i - y_i)^2",
        backward_math=r"\frac{\partial L}{\partial \hat y_i} = \delta\,\frac{2}{N}(\hat y_i - y_i)",
    ),
    Concept(
        name="half_squared_error",
        family="losses",
        summary="The tutorials' cost 1/2 (y_pred - y_true)^2, whose gradient is the error itself.",
        samples=regression_samples,
        reference=(ref.half_squared_error_forward, ref.half_squared_error_backward),
        implementations=implementations("losses.half_squared_error"),
        grad_wrt=("y_pred",),
        tutorial="The perceptron and delta-rule cost E = 1/2 (t - y)^2, dE/dy = y - t.",
        forward_math=r"L = \tfrac{1}{2}(\hat y - y)^2",
        backward_math=r"\frac{\partial L}{\partial \hat y} = \delta\,(\hat y - y)",
    ),
    Concept(
        name="binary_cross_entropy",
        family="losses",
        summary="Cross-entropy of predicted probabilities p against 0/1 targets y.",
        samples=bce_samples,
        reference=(ref.binary_cross_entropy_forward, ref.binary_cross_entropy_backward),
        implementations=implementations("losses.binary_cross_entropy"),
        grad_wrt=("p",),
        tolerance={
            "float32": Tolerance(
                1e-6, 1e-5, "log and division in float32; the gradient 1/(p(1-p)) amplifies rounding near 0 and 1"
            ),
            "float64": Tolerance(
                1e-12,
                1e-9,
                "Keras computes log(1 - p) as log(1 - p), not log1p(-p): a relative "
                "error of eps / (1 - p) in float64",
            ),
        },
        divergences=(BCE_CLIPPING,),
        tutorial="The cross-entropy cost of logistic regression.",
        forward_math=r"L = -\big(y \log p + (1 - y) \log(1 - p)\big)",
        backward_math=r"\frac{\partial L}{\partial p} = \delta\,\frac{p - y}{p\,(1 - p)}",
    ),
    Concept(
        name="binary_cross_entropy_with_logits",
        family="losses",
        summary="Binary cross-entropy of logits z (sigmoid folded in), stable for any z.",
        samples=bce_logits_samples,
        reference=(ref.binary_cross_entropy_with_logits_forward, ref.binary_cross_entropy_with_logits_backward),
        implementations=implementations("losses.binary_cross_entropy_with_logits"),
        grad_wrt=("z",),
        divergences=(BCE_LOGITS_FORMULA,),
        tutorial="Logistic regression's cost written on the scores: its gradient is sigma(z) - y.",
        forward_math=r"L = \max(z, 0) - z\,y + \log\big(1 + e^{-|z|}\big)",
        backward_math=r"\frac{\partial L}{\partial z} = \delta\,(\sigma(z) - y)",
    ),
    Concept(
        name="cross_entropy",
        family="losses",
        summary="Softmax cross-entropy of logits against integer class indices.",
        samples=cross_entropy_samples,
        reference=(ref.cross_entropy_forward, ref.cross_entropy_backward),
        implementations=implementations("losses.cross_entropy"),
        grad_wrt=("logits",),
        divergences=(CE_TARGETS,),
        tutorial="The digits classifier's cost: softmax output, one-hot targets, gradient s - y.",
        forward_math=r"L = -\log \mathrm{softmax}(x)_t = \log\sum_j e^{x_j} - x_t",
        backward_math=r"\frac{\partial L}{\partial x_j} = \delta\,(\mathrm{softmax}(x)_j - [j = t])",
    ),
)
