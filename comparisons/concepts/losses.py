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


def _weighted_probabilities(shape, weight_shape):
    """p and y as _probabilities, with a rescaling weight in [0.5, 2] of a shape that broadcasts to them."""

    def draw(rng):
        return {**_probabilities(*shape)(rng), "weight": rng.uniform(0.5, 2.0, size=weight_shape)}

    return draw


def bce_samples(rng):
    yield from shape_sweep(_probabilities)
    yield Sample("weight", _weighted_probabilities((4, 3), (4, 3)), {"reduction": "mean"},
                 note=N_("torch's weight: one factor per element; the mean still divides by the element count"))
    yield Sample("weight-broadcast", _weighted_probabilities((4, 3), (3,)), {"reduction": "sum"},
                 note=N_("a weight of shape (3,) broadcast over the rows: one factor per column"))
    yield Sample(
        "clip-edges",
        {"p": np.array([1e-7, 1 - 1e-7, 1e-7, 1 - 1e-7]), "y": np.array([1.0, 0.0, 0.0, 1.0])},
        {"reduction": "none"},
        skip={
            "finite-diff": N_("the central-difference step h = 1e-6 is wider than the distance 1e-7 to "
            "the edge of the domain (0, 1): p - h < 0 and p + h > 1 have no logarithm")
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
            "paddle": N_("Paddle's F.cross_entropy clips the max-shifted logits at -64, so the first row costs 64 "
            "instead of 2000 (catalog entry paddle-cross-entropy-clip)")
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
    yield from cross_entropy_parameter_samples(rng)


KERAS_CLASS_WEIGHT = (
    N_("Keras's cross-entropy has no class weight inside the sum over classes (its sample_weight scales a whole "
    "position): with probability targets or label smoothing torch's weight has no Keras equivalent")
)
PADDLE_WEIGHTED_SOFT = (
    N_("Paddle's F.cross_entropy scales a position by a weight of its label (soft_label or label_smoothing) "
    "instead of weighting every class inside the sum: 1.51 against torch's 2.27 on one batch")
)


def _logits_probabilities(logits_shape):
    """Draw logits of scale 2 and class probabilities of the same shape (Dirichlet along axis 1)."""

    def draw(rng):
        logits = 2.0 * rng.standard_normal(logits_shape)
        axis = 0 if len(logits_shape) == 1 else 1
        gamma = rng.gamma(1.0, size=logits_shape)
        return {"logits": logits, "target": gamma / gamma.sum(axis=axis, keepdims=True)}

    return draw


def _with_weight(draw, n_classes):
    """Add a class weight in [0.2, 3] to the inputs of ``draw``."""
    return lambda rng: {**draw(rng), "weight": rng.uniform(0.2, 3.0, size=n_classes)}


def _with_ignored(draw, positions, ignore_index=-100):
    """Set the flat target ``positions`` to ``ignore_index``."""

    def drawn(rng):
        inputs = draw(rng)
        target = inputs["target"].copy()
        target.flat[list(positions)] = ignore_index
        return {**inputs, "target": target}

    return drawn


def cross_entropy_parameter_samples(rng):
    """torch's weight, ignore_index, label_smoothing and probability targets, alone and together."""
    yield Sample("weight", _with_weight(_logits_classes((8, 5)), 5), {"reduction": "mean"},
                 note=N_("class weight: the mean divides by the sum of the targets' weights"))
    yield Sample("weight-none", _with_weight(_logits_classes((8, 5)), 5), {"reduction": "none"})
    yield Sample("ignore-index", _with_ignored(_logits_classes((8, 5)), (1, 4)), {"reduction": "mean"},
                 note=N_("two targets -100: they cost 0 and leave the mean's denominator (6, not 8)"))
    yield Sample("ignore-index-in-range", _with_ignored(_logits_classes((6, 4)), (0, 3), 2),
                 {"reduction": "none", "ignore_index": 2}, note=N_("ignore_index = 2, a real class"))
    yield Sample("label-smoothing", _logits_classes((8, 5)), {"reduction": "mean", "label_smoothing": 0.1},
                 note=N_("targets (1 - 0.1) one_hot + 0.1 / C"))
    yield Sample("probabilities", _logits_probabilities((6, 4)), {"reduction": "mean"},
                 note=N_("class probabilities of the logits' shape: the mean divides by the positions"))
    yield Sample("probabilities-smoothing-3d", _logits_probabilities((2, 4, 3)),
                 {"reduction": "sum", "label_smoothing": 0.2})
    yield Sample("weight-ignore-3d", _with_ignored(_with_weight(_logits_classes((2, 4, 3)), 4), (2,)),
                 {"reduction": "mean"}, note=N_("(N, C, d) logits, class weight and an ignored position"))
    yield Sample("weight-smoothing", _with_weight(_logits_classes((8, 5)), 5),
                 {"reduction": "mean", "label_smoothing": 0.1},
                 skip={"tensorflow": KERAS_CLASS_WEIGHT, "paddle": PADDLE_WEIGHTED_SOFT})
    yield Sample("weight-probabilities", _with_weight(_logits_probabilities((6, 4)), 4), {"reduction": "none"},
                 skip={"tensorflow": KERAS_CLASS_WEIGHT})
    yield Sample("all-ignored", _with_ignored(_logits_classes((3, 4)), (0, 1, 2)), {"reduction": "sum"},
                 note=N_("every position ignored: the sum is 0 and every gradient 0"))


def huber_samples(rng):
    yield from shape_sweep(_regression)
    yield Sample("delta-0.5", _regression(4, 3), {"delta": 0.5, "reduction": "mean"},
                 note=N_("most errors above delta: the linear part, slope delta"))
    yield Sample("delta-3", _regression(8), {"delta": 3.0, "reduction": "none"},
                 note=N_("every error below delta: half the squared error"))


def smooth_l1_samples(rng):
    yield from shape_sweep(_regression)
    yield Sample("beta-0.5", _regression(4, 3), {"beta": 0.5, "reduction": "mean"})
    yield Sample("beta-2", _regression(8), {"beta": 2.0, "reduction": "none"},
                 note=N_("the quadratic part e^2 / (2 beta): half of Huber's for beta = delta = 2"))
    yield Sample("beta-0", _regression(8), {"beta": 0.0, "reduction": "sum"}, note=N_("beta = 0 is the L1 loss |e|"))


def _distributions(shape, log_target=False, zeros=()):
    """log q = log_softmax of logits of scale 2 and p from a Dirichlet, both along axis 1 (the last of 1-D)."""

    def draw(rng):
        axis = 0 if len(shape) == 1 else 1
        logits = 2.0 * rng.standard_normal(shape)
        log_q = logits - np.log(np.exp(logits).sum(axis=axis, keepdims=True))
        p = rng.gamma(1.0, size=shape)
        p.flat[list(zeros)] = 0.0
        p = p / p.sum(axis=axis, keepdims=True)
        return {"log_q": log_q, "p": np.log(p) if log_target else p}

    return draw


def kl_div_samples(rng):
    for reduction in ("batchmean", "mean", "sum", "none"):
        yield Sample(f"batch-{reduction}", _distributions((4, 5)), {"reduction": reduction})
    yield Sample("log-target", _distributions((4, 5), log_target=True), {"reduction": "batchmean", "log_target": True},
                 note=N_("the target given as log p"))
    yield Sample("tensor3d-batchmean", _distributions((2, 3, 4)), {"reduction": "batchmean"},
                 note=N_("batchmean divides by the first axis only: 2"))
    yield Sample("zero-target", _distributions((3, 4), zeros=(1, 6)), {"reduction": "none"},
                 skip={"tensorflow": N_("Keras's kl_divergence clips p to [1e-7, 1]: where p = 0 it adds "
                       "1e-7 log(1e-7 / q), about -1.4e-6, instead of 0")},
                 note=N_("p = 0 costs 0 (0 log 0 = 0)"))


register(
    Concept(
        name="mse",
        family="losses",
        summary=N_("Mean squared error mean((y_pred - y_true)^2), as torch MSELoss and Keras MeanSquaredError."),
        samples=regression_samples,
        reference=(ref.mse_forward, ref.mse_backward),
        implementations=implementations("losses.mse"),
        grad_wrt=("y_pred",),
        divergences=(catalog.MSE_HALF, catalog.LOSS_BROADCAST),
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
                1e-6, 1e-5, N_("log and division in float32; the gradient 1/(p(1-p)) amplifies rounding near 0 and 1")
            ),
            "float64": Tolerance(
                1e-12,
                1e-9,
                N_("Keras computes log(1 - p) as log(1 - p), not log1p(-p): a relative "
                "error of eps / (1 - p) in float64"),
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
        summary=N_("Softmax cross-entropy of logits against class indices or probabilities, with torch's "
                   "class weight, ignore_index and label_smoothing."),
        samples=cross_entropy_samples,
        reference=(ref.cross_entropy_forward, ref.cross_entropy_backward),
        implementations=implementations("losses.cross_entropy"),
        grad_wrt=("logits",),
        tolerance={
            ("float64", "paddle"): Tolerance(
                1e-8,
                1e-7,
                N_("Paddle's label_smoothing loses float64 precision inside its kernel: losses 2e-8 relative and "
                "gradients 2e-9 absolute off, even for a smoothing of 0.125, which float32 represents exactly"),
            ),
        },
        divergences=(catalog.CE_TARGETS, catalog.PADDLE_CROSS_ENTROPY_CLIP, catalog.PADDLE_CE_IGNORE_MEAN,
                     catalog.PADDLE_SOFT_LABEL_WEIGHT, catalog.PADDLE_SMOOTHING_AXIS),
        tutorial=N_("The digits classifier's cost: softmax output, one-hot targets, gradient s - y."),
        forward_math=r"L = -\log \mathrm{softmax}(x)_t = \log\sum_j e^{x_j} - x_t",
        backward_math=r"\frac{\partial L}{\partial x_j} = \delta\,(\mathrm{softmax}(x)_j - [j = t])",
    ),
)


register(
    Concept(
        name="huber",
        family="losses",
        summary=N_("Huber loss: e^2 / 2 below delta, delta (|e| - delta / 2) above (torch HuberLoss, Keras Huber)."),
        samples=huber_samples,
        reference=(ref.huber_forward, ref.huber_backward),
        implementations=implementations("losses.huber"),
        grad_wrt=("y_pred",),
        divergences=(catalog.HUBER_SMOOTH_L1,),
        tutorial=N_("A regression cost that is squared for small errors and linear for outliers."),
        forward_math=r"L = \begin{cases} \tfrac12 e^2 & |e| < \delta \\ \delta(|e| - \tfrac12\delta) & \text{else}\end{cases}",
        backward_math=r"\frac{\partial L}{\partial \hat y} = \delta_{up}\,\mathrm{clip}(e, -\delta, \delta)",
    ),
    Concept(
        name="smooth_l1",
        family="losses",
        summary=N_("torch's smooth L1 loss: Huber with delta = beta, divided by beta (L1 for beta = 0)."),
        samples=smooth_l1_samples,
        reference=(ref.smooth_l1_forward, ref.smooth_l1_backward),
        implementations=implementations("losses.smooth_l1"),
        grad_wrt=("y_pred",),
        divergences=(catalog.HUBER_SMOOTH_L1, catalog.PADDLE_SMOOTH_L1_HUBER),
        tutorial=N_("The box-regression cost of detectors: slope 1 for large errors whatever beta."),
        forward_math=r"L = \begin{cases} e^2 / (2\beta) & |e| < \beta \\ |e| - \tfrac12\beta & \text{else}\end{cases}",
        backward_math=r"\frac{\partial L}{\partial \hat y} = \delta_{up}\,\mathrm{clip}(e / \beta, -1, 1)",
    ),
    Concept(
        name="kl_div",
        family="losses",
        summary=N_("KL divergence sum p (log p - log q) from log q, as torch's kl_div; 'batchmean' is the KL of a batch."),
        samples=kl_div_samples,
        reference=(ref.kl_div_forward, ref.kl_div_backward),
        implementations=implementations("losses.kl_div"),
        grad_wrt=("log_q",),
        divergences=(catalog.KL_DIV_ARGUMENTS,),
        tutorial=N_("The distillation and variational cost: how far the model's q is from the target p."),
        forward_math=r"L = \sum_i p_i (\log p_i - \log q_i)",
        backward_math=r"\frac{\partial L}{\partial \log q_i} = -\delta\,p_i",
    ),
)
