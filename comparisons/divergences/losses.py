"""Catalog entries of the cost concepts: clipping, the logits formula, target formats, the 1/2 of MSE."""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import losses as ref

# NumPy halves ------------------------------------------------------------------------


def bce_through_probabilities(z, y):
    """-(y log p + (1 - y) log(1 - p)) with p = 1 / (1 + exp(-z)), as first written."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        p = 1 / (1 + np.exp(-z))  # rounds to exactly 0 or 1 for |z| >= 17 in float32
        return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def bce_with_logits(z, y):
    """max(z, 0) - z y + log1p(exp(-|z|)), element-wise (the reference binary_cross_entropy_with_logits)."""
    return ref.binary_cross_entropy_with_logits_forward(z, y, reduction="none")[0]


def half_squared_error_gradient(y_pred, y_true):
    """The gradient of the tutorials' 1/2 (y_hat - y)^2: the error itself."""
    return y_pred - y_true


def mse_gradient(y_pred, y_true):
    """The gradient of mean((y_hat - y)^2): 2 (y_hat - y) / N."""
    return (2 / y_pred.size) * (y_pred - y_true)  # no 1/2 in the frameworks' MSE, and the mean over N


def reference_cross_entropy(logits, target, *, reduction="mean", **options):
    """The reference softmax cross-entropy by log-sum-exp: exact for logits of any spread."""
    return ref.cross_entropy_forward(logits, target, reduction=reduction, **options)[0]


def bce_with_logits_gradient(z, y, *, reduction="none"):
    """d sum(loss) / dz of the reference binary cross-entropy with logits: sigmoid(z) - y, also at z = 0."""
    loss, cache = ref.binary_cross_entropy_with_logits_forward(z, y, reduction=reduction)
    return ref.binary_cross_entropy_with_logits_backward(np.ones_like(loss), cache)


def torch_smooth_l1(y_pred, y_true, *, delta):
    """torch's documented SmoothL1Loss(beta=delta), element-wise: 0.5 e^2 / beta below beta, |e| - beta / 2 above."""
    error = np.abs(y_pred - y_true)
    return np.where(error < delta, 0.5 * error**2 / delta, error - 0.5 * delta)  # Huber(delta) / delta


# Entries -----------------------------------------------------------------------------

BCE_CLIPPING = Divergence(
    id="bce-clipping",
    differs=N_("for p outside [1e-7, 1 - 1e-7] Keras clips p (largest loss -log(1e-7) = 16.12 as p -> 0; "
    "in float32 1 - 1e-7 rounds to 1 - 2^-23, so 15.94 as p -> 1); torch clamps the log at -100 "
    "(largest loss 100)."),
    naive=(
        Side("torch", implementation("torch", "losses.binary_cross_entropy"), {"reduction": "none"}),
        Side("tensorflow", implementation("tensorflow", "losses.binary_cross_entropy"), {"reduction": "none"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "losses.binary_cross_entropy_clipped"), {"reduction": "none"}),
        Side("tensorflow", implementation("tensorflow", "losses.binary_cross_entropy"), {"reduction": "none"}),
    ),
    naive_mapping=N_("F.binary_cross_entropy(p, y) against keras.ops.binary_crossentropy(y, p) on p = 0, 1e-9, 1"),
    faithful_mapping=N_("clip p to [1e-7, 1 - 1e-7] on the torch side too (or compare on logits on both sides)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/backend/tensorflow/nn.py "
    "(binary_crossentropy: tf.clip_by_value(output, epsilon(), 1.0 - epsilon())); "
    "aten/src/ATen/native/Loss.cpp (binary_cross_entropy: log clamped at -100)",
    sample=Sample("saturated", {"p": np.array([0.0, 1e-9, 0.5, 1.0]), "y": np.array([1.0, 1.0, 0.0, 0.0])}),
    shows=Difference("values", at=(0, 1, 3), at_least=25.0),  # p = 0, 1e-9 and 1: outside Keras's clip range
)

BCE_LOGITS_FORMULA = Divergence(
    id="bce-logits-formula",
    differs=N_("through probabilities, log(sigmoid(z)) is log(0) = -inf once sigmoid rounds to 0 or 1; "
    "TF computes max(z, 0) - z y + log(1 + exp(-|z|))."),
    naive=(
        Side("numpy", bce_through_probabilities),
        Side("tensorflow", implementation("tensorflow", "losses.binary_cross_entropy_with_logits"),
             {"reduction": "none"}),
    ),
    faithful=(
        Side("numpy", bce_with_logits),
        Side("tensorflow", implementation("tensorflow", "losses.binary_cross_entropy_with_logits"),
             {"reduction": "none"}),
    ),
    naive_mapping=N_("p = 1 / (1 + exp(-z)), then the binary cross-entropy of p"),
    faithful_mapping=N_("max(z, 0) - z y + np.log1p(np.exp(-|z|)) (reference binary_cross_entropy_with_logits)"),
    source="https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/ops/nn_impl.py "
    "(sigmoid_cross_entropy_with_logits: relu_logits - logits * labels + log1p(exp(neg_abs_logits)))",
    sample=Sample(
        "saturated",
        {"z": np.array([-100.0, -20.0, 0.0, 20.0, 100.0]), "y": np.array([1.0, 0.0, 1.0, 0.0, 0.0])},
    ),
    # an infinite loss where the wrong class has sigmoid rounded to exactly 0 or 1: z = -100 (y = 1), 20 and 100 (y = 0)
    shows=Difference("values", at=(0, 3, 4), at_least=np.inf),
)

CE_TARGETS = Divergence(
    id="ce-targets",
    differs=N_("torch's cross_entropy takes logits and class indices; Keras's CategoricalCrossentropy "
    "takes one-hot targets and, by default, probabilities (from_logits=False): given logits it "
    "renormalises and clips them instead of applying the softmax."),
    naive=(
        Side("torch", implementation("torch", "losses.cross_entropy")),
        Side("tensorflow", implementation("tensorflow", "losses.keras_categorical_crossentropy_default")),
    ),
    faithful=(
        Side("torch", implementation("torch", "losses.cross_entropy")),
        Side("tensorflow", implementation("tensorflow", "losses.cross_entropy")),
    ),
    naive_mapping=N_("F.cross_entropy(logits, target) against CategoricalCrossentropy()(one_hot(target), logits)"),
    faithful_mapping=N_("SparseCategoricalCrossentropy(from_logits=True)(target, logits): indices kept, "
    "softmax inside; both reduce by the batch mean"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/losses/losses.py "
    "(CategoricalCrossentropy(from_logits=False, ..., reduction='sum_over_batch_size'))",
    sample=Sample(
        "logits",
        {
            "logits": np.array([[2.0, -1.0, 0.5], [-0.3, 1.2, 3.0], [0.1, 0.2, -2.0], [1.5, -0.5, 0.0]]),
            "target": np.array([0, 2, 1, 2], dtype=np.int64),
        },
    ),
    shows=Difference("values", at=(0,), at_least=2.0),  # one batch-mean loss: 0.73 against 8.12
)

MSE_HALF = Divergence(
    id="mse-half",
    differs=N_("the tutorials' cost 1/2 (y_hat - y)^2 has gradient y_hat - y; torch MSELoss (and Keras "
    "MeanSquaredError) is the mean of (y_hat - y)^2 with no 1/2, gradient 2 (y_hat - y) / N."),
    naive=(
        Side("numpy", half_squared_error_gradient),
        Side("torch", implementation("torch", "losses.mse"), gradient_of="y_pred"),
    ),
    faithful=(Side("numpy", mse_gradient), Side("torch", implementation("torch", "losses.mse"), gradient_of="y_pred")),
    naive_mapping=N_("the tutorial's gradient y_hat - y against the gradient of F.mse_loss"),
    faithful_mapping=N_("scale the tutorial's gradient by 2 / N"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.MSELoss.html "
    "(l_n = (x_n - y_n)^2, mean over all elements)",
    sample=Sample(
        "regression", {"y_pred": np.array([0.5, -1.0, 2.0, 0.25]), "y_true": np.array([0.0, -0.5, 1.0, 1.0])}
    ),
    quantity="dy_pred",
    shows=Difference("values", at=(0, 1, 2, 3), at_least=0.15),  # every element: 2 / N = 1/2 against 1
)


# PaddlePaddle ------------------------------------------------------------------------

PADDLE_CROSS_ENTROPY_CLIP = Divergence(
    id="paddle-cross-entropy-clip",
    differs=N_("Paddle's F.cross_entropy computes its log-softmax with the CPU softmax kernel, which clips "
    "the max-shifted logits at -64: a target 2000 below the largest logit costs 64 instead of 2000. "
    "Losses of targets within 64 of the largest logit are exact (catalog entry paddle-softmax-clip)."),
    naive=(
        Side("numpy", reference_cross_entropy),
        Side("paddle", implementation("paddle", "losses.cross_entropy")),
    ),
    faithful=(
        Side("numpy", reference_cross_entropy),
        Side("paddle", implementation("paddle", "losses.cross_entropy_by_logsumexp")),
    ),
    naive_mapping=N_("F.cross_entropy(logits, target) in Paddle for F.cross_entropy in torch"),
    faithful_mapping=N_("F.nll_loss(logits - paddle.logsumexp(logits, axis, keepdim=True), target): the "
    "log-softmax outside the clipping kernel (or keep logit gaps below 64)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/funcs/softmax_impl.h "
    "(ValueClip: x < -64 ? -64 : x, applied to the shifted logits before exp)",
    sample=Sample(
        "large-logits",
        {
            "logits": np.array([[1000.0, 0.0, -1000.0], [20.0, 100.0, 99.0], [-100.0, -100.0, -99.0]]),
            "target": np.array([2, 2, 0], dtype=np.int64),
        },
        {"reduction": "none"},
    ),
    shows=Difference("values", at=(0,), at_least=600.0),  # 64 against 2000 for the first row only
)

PADDLE_BCE_LOGITS_GRAD_AT_ZERO = Divergence(
    id="paddle-bce-logits-grad-at-zero",
    differs=N_("Paddle's F.binary_cross_entropy_with_logits without pos_weight has a wrong gradient at "
    "exactly z = 0: sigmoid(0) - y - 1, so -1.5 instead of -0.5 for y = 1 and -0.5 instead of 0.5 for "
    "y = 0 (its kernel's max(z, 0) and |z| take opposite sides of the kink). The loss values are right; "
    "passing pos_weight selects another branch of the kernel, whose gradient is right. A logistic "
    "regression started from zero weights has every logit exactly 0 on its first step."),
    naive=(
        Side("numpy", bce_with_logits_gradient),
        Side("paddle", implementation("paddle", "losses.binary_cross_entropy_with_logits_default"), gradient_of="z"),
    ),
    faithful=(
        Side("numpy", bce_with_logits_gradient),
        Side("paddle", implementation("paddle", "losses.binary_cross_entropy_with_logits"), gradient_of="z"),
    ),
    naive_mapping=N_("F.binary_cross_entropy_with_logits(z, y) in Paddle, gradient at z = 0"),
    faithful_mapping=N_("pass pos_weight=paddle.ones_like(z) (no change in value, the correct gradient branch)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/cpu/"
    "sigmoid_cross_entropy_with_logits_grad_kernel.cc (the gradient without pos_weight)",
    sample=Sample("at-zero", {"z": np.array([0.0, 0.0, 1.0, -2.0]), "y": np.array([1.0, 0.0, 1.0, 0.0])},
                  {"reduction": "none"}),
    quantity="dz",
    shows=Difference("values", at=(0, 1), at_least=0.3),  # off by exactly 1 at z = 0, right elsewhere
)

PADDLE_CE_IGNORE_MEAN = Divergence(
    id="paddle-ce-ignore-mean",
    differs=N_("Paddle's F.cross_entropy with reduction 'mean' divides the summed losses by every position, "
    "ignored ones included; torch divides by the positions kept (by their summed class weights with a weight). "
    "Two of four targets ignored: Paddle's mean is half of torch's."),
    naive=(
        Side("numpy", reference_cross_entropy),
        Side("paddle", implementation("paddle", "losses.cross_entropy_axis1")),
    ),
    faithful=(
        Side("numpy", reference_cross_entropy),
        Side("paddle", implementation("paddle", "losses.cross_entropy")),
    ),
    naive_mapping=N_("F.cross_entropy(logits, target, ignore_index=-100) in Paddle for torch's"),
    faithful_mapping=N_("reduction='sum', divided by the number (or summed weights) of the targets not ignored"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/loss.py "
    "(cross_entropy: without a weight, 'mean' is paddle.mean(out) over every position)",
    sample=Sample(
        "two-ignored",
        {"logits": np.array([[2.0, -1.0, 0.5], [-0.3, 1.2, 3.0], [0.1, 0.2, -2.0], [1.5, -0.5, 0.0]]),
         "target": np.array([0, -100, 1, -100], dtype=np.int64)},
    ),
    shows=Difference("values", at=(0,), at_least=0.15),  # torch's mean 0.471 against Paddle's 0.236
)

PADDLE_SOFT_LABEL_WEIGHT = Divergence(
    id="paddle-soft-label-weight",
    differs=N_("With probability targets and a class weight, torch's F.cross_entropy weights every class inside "
    "the sum, -sum_c w_c p_c log q_c, and its mean divides by the number of positions. Paddle's "
    "F.cross_entropy(soft_label=True, weight=w) multiplies the unweighted loss -sum_c p_c log q_c of a position "
    "by sum_c w_c p_c, and its mean divides by the sum of those factors."),
    naive=(
        Side("numpy", reference_cross_entropy, {"reduction": "mean"}),
        Side("paddle", implementation("paddle", "losses.cross_entropy_axis1"), {"reduction": "mean", "soft_label": True}),
    ),
    faithful=(
        Side("numpy", reference_cross_entropy, {"reduction": "mean"}),
        Side("paddle", implementation("paddle", "losses.cross_entropy"), {"reduction": "mean"}),
    ),
    naive_mapping=N_("F.cross_entropy(logits, p, soft_label=True, weight=w) in Paddle for torch's "
    "F.cross_entropy(logits, p, weight=w)"),
    faithful_mapping=N_("-(w * p * F.log_softmax(logits, axis=-1)).sum(-1), reduced as torch reduces"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/loss.py "
    "(cross_entropy: with soft_label, 'trans weight from class to sample': weight_gather = paddle.matmul(label, "
    "weight) multiplies out); "
    "https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html (probabilities: "
    "l_n = -sum_c w_c log(...) y_{n,c})",
    sample=Sample(
        "probabilities-weight",
        {"logits": np.array([[2.0, -1.0, 0.5], [-0.3, 1.2, 3.0], [0.1, 0.2, -2.0], [1.5, -0.5, 0.0]]),
         "target": np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]),
         "weight": np.array([0.2, 1.0, 3.0])},
    ),
    shows=Difference("values", at=(0,), at_least=0.3),  # torch's mean 1.440 against Paddle's 1.050
)

PADDLE_SMOOTHING_AXIS = Divergence(
    id="paddle-smoothing-axis",
    differs=N_("Paddle's F.cross_entropy(axis=1, soft_label=True, label_smoothing=eps) on (N, C, d) logits "
    "divides eps by the size of the last axis d, not by the C classes of axis 1: the smoothed targets do not "
    "sum to 1 (a summed loss about 6 percent too large on the sample). With the class axis last "
    "(Paddle's default) the loss is torch's."),
    naive=(
        Side("numpy", reference_cross_entropy, {"label_smoothing": 0.2, "reduction": "sum"}),
        Side("paddle", implementation("paddle", "losses.cross_entropy_axis1"),
             {"label_smoothing": 0.2, "reduction": "sum", "soft_label": True}),
    ),
    faithful=(
        Side("numpy", reference_cross_entropy, {"label_smoothing": 0.2, "reduction": "sum"}),
        Side("paddle", implementation("paddle", "losses.cross_entropy"), {"label_smoothing": 0.2, "reduction": "sum"}),
    ),
    naive_mapping=N_("F.cross_entropy(logits, p, axis=1, soft_label=True, label_smoothing=0.2) on (N, C, d) logits "
    "in Paddle"),
    faithful_mapping=N_("move the class axis last (paddle.moveaxis(logits, 1, -1)) and keep Paddle's axis=-1"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/loss.py "
    "(cross_entropy: label_smooth(..., epsilon) over the one-hot of the last axis)",
    sample=Sample(
        "n-c-d",
        lambda rng: {"logits": 2.0 * rng.standard_normal((2, 4, 3)),
                     "target": (lambda g: g / g.sum(axis=1, keepdims=True))(rng.gamma(1.0, size=(2, 4, 3)))},
        note=N_("(N, C, d) = (2, 4, 3) logits and class probabilities along axis 1"),
    ),
    shows=Difference("values", at=(0,), at_least=0.3),
)

PADDLE_SMOOTH_L1_HUBER = Divergence(
    id="paddle-smooth-l1-huber",
    differs=N_("Paddle's SmoothL1Loss(delta) / F.smooth_l1_loss (is_huber=True by default) is the Huber loss: "
    "0.5 e^2 below delta, delta (|e| - delta / 2) above; torch's SmoothL1Loss(beta) is Huber / beta. "
    "Errors [0.5, 3] with delta = beta = 2 give Paddle [0.125, 4], torch [0.0625, 2]. torch's HuberLoss, "
    "Keras Huber and optax.huber_loss equal Paddle's."),
    naive=(
        Side("numpy", torch_smooth_l1),
        Side("paddle", implementation("paddle", "losses.smooth_l1_loss")),
    ),
    faithful=(
        Side("numpy", torch_smooth_l1),
        Side("paddle", implementation("paddle", "losses.smooth_l1_loss"), {"divide_by_delta": True}),
    ),
    naive_mapping=N_("paddle F.smooth_l1_loss(delta=beta) for torch F.smooth_l1_loss(beta=beta)"),
    faithful_mapping=N_("divide Paddle's loss by delta (or map torch's HuberLoss(delta) to it unchanged)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/loss.py "
    "(smooth_l1_loss: 0.5 * x^2 if |x| < delta else delta * |x| - 0.5 * delta^2); "
    "https://pytorch.org/docs/stable/generated/torch.nn.SmoothL1Loss.html (0.5 x^2 / beta, |x| - 0.5 beta)",
    sample=Sample("errors", {"y_pred": np.array([0.5, 3.0, -1.0, -4.0]), "y_true": np.zeros(4)}, {"delta": 2.0}),
    shows=Difference("values", at=(0, 1, 2, 3), at_least=1.0),  # a factor delta = 2 everywhere: up to 3
)


# Ports between frameworks -----------------------------------------------------------

HUBER_SMOOTH_L1 = Divergence(
    id="huber-smooth-l1",
    differs=N_("torch's SmoothL1Loss(beta) is the Huber loss divided by beta: e^2 / (2 beta) below beta, "
    "|e| - beta / 2 above. torch's HuberLoss(delta), Keras Huber(delta), optax.huber_loss and Paddle's "
    "SmoothL1Loss(delta) are Huber itself. Errors [0.5, 3] with beta = delta = 2 give torch SmoothL1 "
    "[0.0625, 2], Keras Huber [0.125, 4]."),
    naive=(
        Side("torch", implementation("torch", "losses.smooth_l1"), {"beta": 2.0, "reduction": "none"}),
        Side("tensorflow", implementation("tensorflow", "losses.huber"), {"delta": 2.0, "reduction": "none"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "losses.smooth_l1"), {"beta": 2.0, "reduction": "none"}),
        Side("tensorflow", implementation("tensorflow", "losses.smooth_l1"), {"beta": 2.0, "reduction": "none"}),
    ),
    naive_mapping=N_("keras.losses.Huber(delta=beta) for torch's nn.SmoothL1Loss(beta)"),
    faithful_mapping=N_("divide Keras's Huber(delta=beta) by beta (L1 for beta = 0); torch's HuberLoss(delta) "
    "maps to Huber(delta) unchanged"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/loss.py (SmoothL1Loss: 0.5 x^2 / beta "
    "if |x| < beta else |x| - 0.5 beta; HuberLoss: 0.5 x^2, delta (|x| - 0.5 delta)); "
    "https://github.com/keras-team/keras/blob/master/keras/src/losses/losses.py (huber)",
    sample=Sample("errors", {"y_pred": np.array([0.5, 3.0, -1.0, -4.0]), "y_true": np.zeros(4)}),
    shows=Difference("values", at=(0, 1, 2, 3), at_least=2.0),  # a factor beta = 2 everywhere: up to 3
)

KL_DIV_ARGUMENTS = Divergence(
    id="kl-div-arguments",
    differs=N_("torch's F.kl_div(input, target) takes log q as the input and p as the target, and its default "
    "reduction 'mean' divides the sum by every element (batch times classes), not by the batch; "
    "Keras's KLDivergence()(p, q) takes probabilities, target first, sums the class axis, averages the "
    "batch and clips p and q to [1e-7, 1]. optax.kl_divergence takes (log q, p) like torch; Paddle copies torch."),
    naive=(
        Side("torch", implementation("torch", "losses.kl_div")),
        Side("tensorflow", implementation("tensorflow", "losses.keras_kl_divergence")),
    ),
    faithful=(
        Side("torch", implementation("torch", "losses.kl_div"), {"reduction": "batchmean"}),
        Side("tensorflow", implementation("tensorflow", "losses.keras_kl_divergence")),
    ),
    naive_mapping=N_("F.kl_div(log_q, p) with its default reduction for KLDivergence()(p, q)"),
    faithful_mapping=N_("F.kl_div(log_q, p, reduction='batchmean'): the KL divergence averaged over the batch"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/functional.py (kl_div: 'batchmean' divides by "
    "input.size(0), 'mean' by every element); https://github.com/keras-team/keras/blob/master/keras/src/losses/"
    "losses.py (kl_divergence: clip to [epsilon, 1], sum(y_true * log(y_true / y_pred), axis=-1))",
    sample=Sample("two-rows", {"log_q": np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])),
                               "p": np.array([[0.5, 0.25, 0.25], [0.1, 0.2, 0.7]])}),
    shows=Difference("values", at=(0,), at_least=0.2),  # a factor C = 3: torch 0.224 against Keras 0.671
)

LOSS_BROADCAST = Divergence(
    id="loss-broadcast",
    differs=N_("torch's F.mse_loss on predictions (N, 1) and targets (N,) broadcasts them to (N, N) and "
    "averages every pair, with only a UserWarning; Keras's MeanSquaredError squeezes the trailing 1 and "
    "compares element by element. Predictions [1, 2, 3] against targets [1, 2, 3] cost 1.333 in torch, 0 in Keras."),
    naive=(
        Side("torch", implementation("torch", "losses.mse_loss_broadcast")),
        Side("tensorflow", implementation("tensorflow", "losses.mse_loss_squeezed")),
    ),
    faithful=(
        Side("torch", implementation("torch", "losses.mse_loss_reshaped")),
        Side("tensorflow", implementation("tensorflow", "losses.mse_loss_squeezed")),
    ),
    naive_mapping=N_("F.mse_loss(model(x), y) with model output (N, 1) and y (N,)"),
    faithful_mapping=N_("reshape the targets to the predictions' shape (y.view(-1, 1)) or squeeze the output"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/functional.py (mse_loss: 'Using a target size "
    "that is different to the input size' warning, then broadcast_tensors); https://github.com/keras-team/keras/"
    "blob/master/keras/src/losses/loss.py (squeeze_or_expand_to_same_rank)",
    sample=Sample("column-predictions", {"y_pred": np.array([[1.0], [2.0], [3.0]]), "y_true": np.array([1.0, 2.0, 3.0])}),
    shows=Difference("values", at=(0,), at_least=1.0),  # 1.333 against 0
)
