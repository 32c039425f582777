"""Cost concepts: the losses the tutorials train with, and their gradients."""

import numpy as np

from comparisons.divergences import losses as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
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
        note=N_("p exactly at Keras's clip bounds [1e-7, 1 - 1e-7]: the clip changes nothing there, "
        "and the loss reaches its largest Keras value -log(1e-7) = 16.12."),
    )


def bce_logits_samples(rng):
    yield from shape_sweep(_logits_binary)
    yield Sample("soft-targets", _logits_binary(6, soft=True), {"reduction": "mean"}, note=N_("targets in [0, 1]"))
    yield Sample(
        "large-logits",
        {"z": np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0]), "y": np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])},
        {"reduction": "none"},
        note=N_("|z| up to 1000: sigmoid rounds to 0 or 1, log(sigmoid) would be -inf; the logits form stays finite."),
    )
    yield Sample(
        "extreme-probabilities",
        {"z": np.array([LOGIT_OF_1E7, -LOGIT_OF_1E7, LOGIT_OF_1E7, -LOGIT_OF_1E7]), "y": np.array([1.0, 0.0, 0.0, 1.0])},
        {"reduction": "none"},
        note=N_("sigmoid(z) = 1e-7 and 1 - 1e-7: the largest losses Keras allows on probabilities, here on logits."),
    )


def cross_entropy_samples(rng):
    yield Sample("single", _logits_classes((5,), n_classes_axis=0), {"reduction": "none"}, note=N_("unbatched (C,) logits"))
    for reduction in REDUCTIONS:
        yield Sample(f"batch-{reduction}", _logits_classes((8, 5)), {"reduction": reduction})
    yield Sample(
        "tensor3d-mean",
        _logits_classes((2, 4, 3)),
        {"reduction": "mean"},
        note=N_("(N, C, d) logits: torch's class axis is 1, Keras's the last"),
    )
    yield Sample(
        "large-logits",
        {
            "logits": np.array([[1000.0, 0.0, -1000.0], [20.0, 100.0, 99.0], [-100.0, -100.0, -99.0]]),
            "target": np.array([2, 2, 0], dtype=np.int64),
        },
        {"reduction": "none"},
        skip={
            "paddle": "Paddle's F.cross_entropy clips the max-shifted logits at -64, so the first row costs 64 "
            "instead of 2000 (catalog entry paddle-cross-entropy-clip)"
        },
        note=N_("exp(1000) overflows: the loss must be computed by log-sum-exp (losses up to 2000)."),
    )
    yield Sample(
        "extreme-probabilities",
        {
            "logits": np.array([[0.0, LOGIT_OF_1E7], [0.0, LOGIT_OF_1E7], [-LOGIT_OF_1E7, 0.0]]),
            "target": np.array([1, 0, 0], dtype=np.int64),
        },
        {"reduction": "none"},
        note=N_("softmax probabilities of the target 1e-7, 1 - 1e-7 and 1e-7."),
    )


register(
    Concept(
        name="mse",
        family="losses",
        summary=N_("Mean squared error mean((y_pred - y_true)^2), as torch MSELoss and Keras MeanSquaredError."),
        samples=regression_samples,
        reference=(ref.mse_forward, ref.mse_backward),
        implementations=implementations("losses.mse"),
        grad_wrt=("y_pred",),
        divergences=(catalog.MSE_HALF,),
        tutorial=N_("The regression cost; the frameworks' version has no 1/2, so its gradient has a 2."),
        forward_math=r"L = \frac{1}{N}\sum_i (\hat y_i - y_i)^2",
        backward_math=r"\frac{\partial L}{\partial \hat y_i} = \delta\,\frac{2}{N}(\hat y_i - y_i)",
    ),
    Concept(
        name="half_squared_error",
        family="losses",
        summary=N_("The tutorials' cost 1/2 (y_pred - y_true)^2, whose gradient is the error itself."),
        samples=regression_samples,
        reference=(ref.half_squared_error_forward, ref.half_squared_error_backward),
        implementations=implementations("losses.half_squared_error"),
        grad_wrt=("y_pred",),
        divergences=(catalog.PADDLE_SMOOTH_L1_HUBER,),
        tutorial=N_("The perceptron and delta-rule cost E = 1/2 (t - y)^2, dE/dy = y - t."),
        forward_math=r"L = \tfrac{1}{2}(\hat y - y)^2",
        backward_math=r"\frac{\partial L}{\partial \hat y} = \delta\,(\hat y - y)",
    ),
    Concept(
        name="binary_cross_entropy",
        family="losses",
        summary=N_("Cross-entropy of predicted probabilities p against 0/1 targets y."),
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
        divergences=(catalog.BCE_CLIPPING,),
        tutorial=N_("The cross-entropy cost of logistic regression."),
        forward_math=r"L = -\big(y \log p + (1 - y) \log(1 - p)\big)",
        backward_math=r"\frac{\partial L}{\partial p} = \delta\,\frac{p - y}{p\,(1 - p)}",
    ),
    Concept(
        name="binary_cross_entropy_with_logits",
        family="losses",
        summary=N_("Binary cross-entropy of logits z (sigmoid folded in), stable for any z."),
        samples=bce_logits_samples,
        reference=(ref.binary_cross_entropy_with_logits_forward, ref.binary_cross_entropy_with_logits_backward),
        implementations=implementations("losses.binary_cross_entropy_with_logits"),
        grad_wrt=("z",),
        divergences=(catalog.BCE_LOGITS_FORMULA, catalog.PADDLE_BCE_LOGITS_GRAD_AT_ZERO),
        tutorial=N_("Logistic regression's cost written on the scores: its gradient is sigma(z) - y."),
        forward_math=r"L = \max(z, 0) - z\,y + \log\big(1 + e^{-|z|}\big)",
        backward_math=r"\frac{\partial L}{\partial z} = \delta\,(\sigma(z) - y)",
    ),
    Concept(
        name="cross_entropy",
        family="losses",
        summary=N_("Softmax cross-entropy of logits against integer class indices."),
        samples=cross_entropy_samples,
        reference=(ref.cross_entropy_forward, ref.cross_entropy_backward),
        implementations=implementations("losses.cross_entropy"),
        grad_wrt=("logits",),
        divergences=(catalog.CE_TARGETS, catalog.PADDLE_CROSS_ENTROPY_CLIP),
        tutorial=N_("The digits classifier's cost: softmax output, one-hot targets, gradient s - y."),
        forward_math=r"L = -\log \mathrm{softmax}(x)_t = \log\sum_j e^{x_j} - x_t",
        backward_math=r"\frac{\partial L}{\partial x_j} = \delta\,(\mathrm{softmax}(x)_j - [j = t])",
    ),
)
