"""Layer concepts: batch normalisation, dropout, L2 regularisation in training, layer / group / RMS
normalisation, embeddings."""

import numpy as np

from comparisons.divergences import layers as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
from reference import layers as ref
from reference import regularization as reg


def batch_norm_inputs(shape, shift=0.0):
    """x of ``shape`` (channels on axis 1), gamma, beta and running statistics for C channels."""
    channels = shape[1]

    def draw(rng):
        return {
            "x": shift + rng.standard_normal(shape),
            "gamma": rng.uniform(0.5, 1.5, channels),
            "beta": rng.standard_normal(channels),
            "running_mean": rng.standard_normal(channels),
            "running_var": rng.uniform(0.5, 2.0, channels),
        }

    return draw


FLOAT32_EXACT = (
    "momentum 0.125 (not torch's 0.1) because Paddle keeps momentum and eps as float32 attributes also in "
    "float64 runs (catalog entry paddle-batchnorm-float32-attributes); eps 1e-5 becomes 1e-5 - 2.5e-13 "
    "there, negligible next to the batch variance"
)


def batch_norm_samples(rng):
    yield Sample("dense-train", batch_norm_inputs((6, 3)), {"momentum": 0.125, "eps": 1e-5},
                 note=f"(N, C): statistics over the batch; running_var gets the unbiased variance; {FLOAT32_EXACT}")
    yield Sample("conv-train", batch_norm_inputs((2, 3, 2, 2)), {"momentum": 0.125, "eps": 1e-5},
                 note=N_("(N, C, H, W): statistics per channel over N, H and W (m = 8 values); momentum exact in "
                 "float32"))
    yield Sample("shifted-train", batch_norm_inputs((5, 2), shift=20.0), {"momentum": 0.25, "eps": 2.0**-10},
                 dtypes=("float64",),
                 note=N_("a mean of 20: the two-pass variance avoids cancellation; eps about Keras's default 1e-3, "
                 "exact in float32. float64 only: in float32 x itself is rounded to 2e-6, so x - mu and dx "
                 "carry absolute errors of a few 1e-6 that differ between libraries"))
    yield Sample("sequence-train", batch_norm_inputs((3, 2, 4)), {"momentum": 0.125, "eps": 1e-5},
                 note=N_("(N, C, L), BatchNorm1d's sequences: statistics per channel over N and L (m = 12)"))
    yield Sample("sequence-eval", batch_norm_inputs((3, 2, 4)), {"eps": 1e-5, "training": False},
                 note=N_("eval mode on (N, C, L)"))
    yield Sample("momentum-above-1", batch_norm_inputs((6, 3)), {"momentum": 1.25, "eps": 1e-5},
                 note=N_("torch takes any momentum: 1.25 extrapolates past the batch statistics"))
    yield Sample("momentum-negative", batch_norm_inputs((6, 3)), {"momentum": -0.5, "eps": 1e-5},
                 note=N_("momentum -0.5 moves the running statistics away from the batch's, as torch computes"))
    yield Sample("dense-eval", batch_norm_inputs((6, 3)), {"eps": 1e-5, "training": False},
                 note=N_("eval mode: the running statistics normalise and stay unchanged"))
    yield Sample("conv-eval", batch_norm_inputs((2, 3, 2, 2)), {"eps": 1e-5, "training": False},
                 note=N_("eval mode on (N, C, H, W)"))


def dropout_inputs(shape, p):
    """x and a keep-mask with P(drop) = p (at least one unit kept and one dropped)."""

    def draw(rng):
        mask = (rng.uniform(size=shape) >= p).astype(float)
        mask.flat[0], mask.flat[-1] = 1.0, 0.0
        return {"x": rng.standard_normal(shape), "mask": mask}

    return draw


def dropout_samples(rng):
    yield Sample("dense-p0.5", dropout_inputs((4, 5), 0.5), {"p": 0.5}, note=N_("kept units doubled"))
    yield Sample("conv-p0.25", dropout_inputs((2, 3, 2, 2), 0.25), {"p": 0.25},
                 note=N_("kept units scaled by 4/3; p exact in float32, which Paddle's kernel uses also in float64 "
                 "(catalog entry paddle-dropout-float32-p)"))
    yield Sample("keep-prob-0.75", dropout_inputs((3, 4), 0.25), {"p": 0.25},
                 note=N_("Ng's keep_prob is 1 - p: a3 = a3 * d3 / keep_prob (keep_prob 0.75 here, exact in float32)"))


def weight_decay_samples(rng):
    def draw(rng):
        return {"theta0": rng.standard_normal(4), "grads": rng.standard_normal((50, 4))}

    for weight_decay in (2.0**-3, 2.0**-1):
        yield Sample(f"decay-{weight_decay:g}", draw, {"lr": 2.0**-4, "weight_decay": weight_decay},
                     note=N_("an L2 term in the loss (Keras) against weight_decay in the optimiser (torch)"))


register(
    Concept(
        name="batch_norm",
        family="layers",
        summary=N_("Batch normalisation in training (batch statistics, running-statistics update) and eval mode."),
        samples=batch_norm_samples,
        reference=(ref.batch_norm_forward, ref.batch_norm_backward),
        implementations=implementations("layers.batch_norm"),
        grad_wrt=("x", "gamma", "beta"),
        divergences=catalog.BATCH_NORM,
        tutorial=N_("Normalising activations inside the network, as the input normalisation does for x."),
        forward_math=r"\hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\quad y = \gamma \hat x + \beta,"
        r"\quad r_\mu \leftarrow (1-m) r_\mu + m \mu_B,"
        r"\ r_{\sigma^2} \leftarrow (1-m) r_{\sigma^2} + m \tfrac{n}{n-1}\sigma_B^2",
        backward_math=r"\frac{\partial L}{\partial x} = \frac{\gamma}{\sqrt{\sigma_B^2+\epsilon}}\Big(\delta - "
        r"\overline{\delta} - \hat x\, \overline{\delta \hat x}\Big),"
        r"\ \frac{\partial L}{\partial \gamma} = \sum \delta \hat x,"
        r"\ \frac{\partial L}{\partial \beta} = \sum \delta",
    ),
    Concept(
        name="dropout",
        family="layers",
        summary=N_("Inverted dropout, x * mask / (1 - p): each framework's built-in draws its own keep-mask from a seed, and "
                    "the reference runs on the mask it drew, the same mask in the backward pass."),
        drawn_by_framework="mask",
        samples=dropout_samples,
        reference=(ref.dropout_forward, ref.dropout_backward),
        implementations=implementations("layers.dropout"),
        grad_wrt=("x",),
        divergences=catalog.DROPOUT,
        tutorial=N_("Ng's inverted dropout: d3 = rand < keep_prob; a3 = a3 * d3 / keep_prob."),
        forward_math=r"y = x \odot \frac{M}{1 - p}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \odot \frac{M}{1 - p}",
    ),
    Concept(
        name="l2_regularization",
        family="layers",
        summary=N_("L2 regularisation: weight_decay in torch.optim.SGD against a keras L2 penalty in the loss (50 steps)."),
        samples=weight_decay_samples,
        reference=(reg.sgd_weight_decay_trajectory, None),
        implementations=implementations("regularization.sgd_weight_decay"),
        grad_wrt=(),
        divergences=catalog.L2_REGULARIZATION,
        tutorial=N_("L2-regularised cost J + lambda / (2m) * sum ||W||^2 and its gradient term lambda / m * W."),
        forward_math=r"\theta_t = \theta_{t-1} - \eta\,(g_t + \lambda \theta_{t-1})",
    ),
)


# Normalisation layers and embeddings ----------------------------------------------------

LARGE_MEAN = 1000 + np.array([0.0, 0.1, 0.2, 0.3])
"""A large mean and a small spread: the one-pass variance mean(x^2) - mean(x)^2 cancels here."""

FLOAT64_ONLY_LARGE_MEAN = N_(
    "1000 + [0, 0.1, 0.2, 0.3]: the two-pass variance mean((x - mu)^2) keeps every digit, the one-pass "
    "mean(x^2) - mu^2 loses them (catalog). float64 only: in float32 the inputs carry absolute rounding errors "
    "of 3e-5 and the mean one more, so x - mu differs between libraries by a few 1e-4 of the spread "
    "(torch's float32 kernel by 7e-4 from the others on this sample)"
)


def affine_inputs(shape, normalised, *, scale=1.0, shift=0.0, with_beta=True, channels=False):
    """x of ``shape`` (scale and shift applied); gamma (and beta) over its trailing ``normalised`` axes,
    or per channel (axis 1) with ``channels``."""
    trailing = (shape[1],) if channels else shape[len(shape) - normalised:]

    def draw(rng):
        inputs = {"x": shift + scale * rng.standard_normal(shape), "gamma": rng.uniform(0.5, 1.5, trailing)}
        if with_beta:
            inputs["beta"] = rng.standard_normal(trailing)
        return inputs

    return draw


def large_mean_inputs(shape, affine_shape, *, with_beta=True):
    """x = 1000 + [0, 0.1, 0.2, 0.3] reshaped to ``shape``, gamma (and beta) of ``affine_shape``."""

    def draw(rng):
        inputs = {"x": LARGE_MEAN.reshape(shape), "gamma": rng.uniform(0.5, 1.5, affine_shape)}
        if with_beta:
            inputs["beta"] = rng.standard_normal(affine_shape)
        return inputs

    return draw


def layer_norm_samples(rng):
    yield Sample("last-axis", affine_inputs((4, 6), 1), {"eps": 1e-5},
                 note=N_("(N, D): each row normalised over its D features, torch's normalized_shape = (D,)"))
    yield Sample("sequence", affine_inputs((2, 5, 8), 1), {"eps": 1e-5},
                 note=N_("(N, T, E) as in a transformer: every token normalised over its E features"))
    yield Sample("two-axes", affine_inputs((2, 3, 4), 2), {"eps": 1e-5},
                 note=N_("normalized_shape = (3, 4): statistics over the last two axes, gamma and beta of that shape"))
    yield Sample("small-spread-keras-eps", affine_inputs((3, 6), 1, scale=0.03), {"eps": 2.0**-10},
                 note=N_("eps = 2^-10, about Keras's default 1e-3 and exact in float32 (Paddle keeps eps as a float32 "
                 "attribute), on a variance of about 1e-3: eps shrinks the output by a third, so it must be passed on"))
    yield Sample("large-mean", large_mean_inputs((1, 4), (4,)), {"eps": 1e-5}, dtypes=("float64",),
                 skip={"finite-diff": LARGE_MEAN_STEP, "paddle": PADDLE_LAYER_NORM_GRAD},
                 note=FLOAT64_ONLY_LARGE_MEAN)


LARGE_MEAN_STEP = (
    N_("central differences step by 1e-6 * |x| = 1e-3 at x = 1000, 1% of the spread: the truncation error "
    "(about 1e-4 here) is far above the tolerance")
)

PADDLE_LAYER_NORM_GRAD = (
    N_("Paddle's layer_norm gradient kernel loses about 3e-9 (relative) of dx at a mean of 1000 in float64, "
    "far above float64 rounding (its forward agrees)")
)

PADDLE_GROUP_NORM_ONE_PASS = (
    N_("Paddle's group_norm kernel computes the one-pass variance mean(x^2) - mu^2: off by 1e-8 here in float64 "
    "and by a factor of 16 in float32 (catalog entry paddle-group-norm-variance)")
)


def group_norm_samples(rng):
    yield Sample("conv-2-groups", affine_inputs((2, 4, 3, 3), 1, channels=True), {"num_groups": 2, "eps": 1e-5},
                 note=N_("(N, C, H, W), 2 groups of 2 channels: statistics over 2 x 3 x 3 values per sample and group"))
    yield Sample("instance-norm", affine_inputs((2, 3, 2, 2), 1, channels=True), {"num_groups": 3, "eps": 1e-5},
                 note=N_("one group per channel: instance normalisation"))
    yield Sample("layer-norm", affine_inputs((2, 3, 4), 1, shift=-2.0, channels=True), {"num_groups": 1, "eps": 1e-5},
                 note=N_("(N, C, L), one group: layer normalisation over (C, L) with a per-channel gamma and beta"))
    yield Sample("large-mean", large_mean_inputs((1, 2, 2), (2,)), {"num_groups": 1, "eps": 1e-5},
                 dtypes=("float64",), skip={"finite-diff": LARGE_MEAN_STEP, "paddle": PADDLE_GROUP_NORM_ONE_PASS},
                 note=FLOAT64_ONLY_LARGE_MEAN)


def rms_norm_samples(rng):
    yield Sample("last-axis-torch-eps", affine_inputs((4, 6), 1, with_beta=False), {"eps": None},
                 note=N_("eps=None: torch's default, the dtype's machine epsilon (Keras and flax use 1e-6)"))
    yield Sample("two-axes", affine_inputs((2, 3, 4), 2, with_beta=False), {"eps": 1e-6},
                 note=N_("the mean square over the last two axes, gamma of shape (3, 4)"))
    yield Sample("small-activations", affine_inputs((3, 8), 1, scale=1e-3, with_beta=False), {"eps": 1e-6},
                 dtypes=("float64",),
                 note=N_("a mean square of about 1e-6, the size of eps: the epsilon visibly shrinks the output. float64 "
                 "only: dx scales as 1 / rms, about 700, so float32 rounding (1e-4 absolute) exceeds a float32 "
                 "tolerance made for values of order 1; catalog entry norm-epsilons-rms-norm shows the epsilon in "
                 "float32"))
    yield Sample("large-mean", large_mean_inputs((1, 4), (4,), with_beta=False), {"eps": 1e-6},
                 note=N_("1000 + [0, 0.1, 0.2, 0.3]: RMSNorm does not centre, so nothing cancels (all outputs about "
                 "gamma)"))


def embedding_inputs(ids, rows, features, zero_row=None):
    """Fixed ``ids``, a standard normal (rows, features) table, row ``zero_row`` zeroed as nn.Embedding does."""

    def draw(rng):
        table = rng.standard_normal((rows, features))
        if zero_row is not None:
            table[zero_row] = 0.0
        return {"ids": np.asarray(ids, dtype=np.int64), "table": table}

    return draw


def random_ids(shape, rows):
    def draw(rng):
        return {"ids": rng.integers(0, rows, size=shape).astype(np.int64), "table": rng.standard_normal((rows, 5))}

    return draw


PADDED = [[3, 1, 4, 0, 0], [2, 2, 5, 1, 0]]
"""Two sequences padded with id 0 at the end."""

PADDLE_ZEROES_PADDING_OUTPUT = (
    N_("Paddle's F.embedding outputs zeros at padding ids whatever the row holds; torch returns the row "
    "(catalog entry paddle-embedding-padding-output)")
)


PADDING_FD = {"finite-diff": (
    "padding_idx is a rule of the gradient, not of the function: the forward pass reads the padding row, so "
    "central differences see its dependence that torch's gradient drops on purpose"
)}


def embedding_samples(rng):
    yield Sample("lookup", random_ids((3, 4), 10), note=N_("(N, T) int64 ids into a (10, 5) table: out (N, T, 5)"))
    yield Sample("repeated-ids", embedding_inputs([[1, 1, 1, 2], [2, 0, 1, 1]], 4, 3),
                 note=N_("id 1 appears five times: its row's gradient is the sum of the five upstream gradients"))
    yield Sample("padding-idx", embedding_inputs(PADDED, 6, 4, zero_row=0), {"padding_idx": 0}, skip=PADDING_FD,
                 note=N_("padding_idx=0 on a table whose row 0 is zero, as nn.Embedding initialises it: the pads "
                 "output zeros and row 0 gets no gradient"))
    yield Sample("padding-idx-negative", embedding_inputs([[5, 1, 5], [2, 5, 5]], 6, 4, zero_row=5),
                 {"padding_idx": -1}, skip=PADDING_FD, note=N_("padding_idx=-1 counts from the end: row 5"))
    yield Sample("padding-row-loaded", embedding_inputs(PADDED, 6, 4), {"padding_idx": 0},
                 skip={**PADDING_FD, "paddle": PADDLE_ZEROES_PADDING_OUTPUT},
                 note=N_("a padding row that is not zero (loaded weights): torch returns it, and still gives it no "
                 "gradient"))


def layer_norm_benchmarks(rng):
    yield Sample("x32x128x768", affine_inputs((32, 128, 768), 1), {"eps": 1e-5},
                 note=N_("a BERT-base activation: 32 sequences of 128 tokens, 768 features"))


LARGE_MEAN_FLOAT64 = {"float64": Tolerance(
    atol=1e-11,
    rtol=1e-10,
    reason=N_("the large-mean sample (1000 + [0, 0.1, 0.2, 0.3]) is ill-conditioned: x - mu carries the rounding of "
    "x itself, ulp(1000) = 1.1e-13, which is 1e-12 of the spread 0.11; outputs and gradients near zero differ "
    "between libraries by up to 2.4e-12 (measured over six seeds). Elsewhere float64 agrees to 1e-14."),
)}
"""float64 tolerance of layer_norm and group_norm, the concepts with the large-mean sample."""


NORMALISE_BACKWARD = (r"\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}\Big(g - \overline{g} - "
                      r"\hat x\, \overline{g \hat x}\Big),\ g = \gamma\,\delta,")

register(
    Concept(
        name="layer_norm",
        family="layers",
        summary=N_("Layer normalisation over the trailing axes gamma covers, with scale and shift."),
        samples=layer_norm_samples,
        reference=(ref.layer_norm_forward, ref.layer_norm_backward),
        implementations=implementations("layers.layer_norm"),
        grad_wrt=("x", "gamma", "beta"),
        tolerance=LARGE_MEAN_FLOAT64,
        divergences=catalog.LAYER_NORM,
        tutorial=N_("Normalising each example over its own features, independent of the batch (transformers)."),
        forward_math=r"\hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}},\ \mu = \overline{x},"
        r"\ \sigma^2 = \overline{(x - \mu)^2},\quad y = \gamma \hat x + \beta",
        backward_math=NORMALISE_BACKWARD + r"\ \frac{\partial L}{\partial \gamma} = \sum \delta \hat x,"
        r"\ \frac{\partial L}{\partial \beta} = \sum \delta",
        benchmarks=layer_norm_benchmarks,
    ),
    Concept(
        name="group_norm",
        family="layers",
        summary=N_("Group normalisation: statistics per sample over groups of channels, per-channel scale and shift."),
        samples=group_norm_samples,
        reference=(ref.group_norm_forward, ref.group_norm_backward),
        implementations=implementations("layers.group_norm"),
        grad_wrt=("x", "gamma", "beta"),
        tolerance=LARGE_MEAN_FLOAT64,
        divergences=catalog.GROUP_NORM,
        tutorial=N_("Batch-independent normalisation for small batches; one group is layer norm, C groups "
        "instance norm."),
        forward_math=r"\hat x = \frac{x - \mu_g}{\sqrt{\sigma_g^2 + \epsilon}},\quad y = \gamma_c \hat x + \beta_c",
        backward_math=NORMALISE_BACKWARD + r"\ \frac{\partial L}{\partial \gamma_c} = \sum \delta \hat x,"
        r"\ \frac{\partial L}{\partial \beta_c} = \sum \delta",
    ),
    Concept(
        name="rms_norm",
        family="layers",
        summary=N_("RMS normalisation: x divided by its root mean square over the trailing axes, times gamma."),
        samples=rms_norm_samples,
        reference=(ref.rms_norm_forward, ref.rms_norm_backward),
        implementations=implementations("layers.rms_norm", frameworks=("torch", "tensorflow", "jax")),
        no_version={"paddle": (
            N_("paddle.nn.functional.rms_norm has no CPU kernel in Paddle 3.3.1 ('The kernel rms_norm is not "
            "registered'); paddle.incubate's fused_rms_norm runs float32 forward only (no CPU gradient kernel, "
            "no float64)"))},
        grad_wrt=("x", "gamma"),
        divergences=catalog.RMS_NORM,
        tutorial=N_("Layer norm without centring or shift, as in LLaMA-style transformers."),
        forward_math=r"y = \gamma\,\frac{x}{\sqrt{\overline{x^2} + \epsilon}}",
        backward_math=r"\frac{\partial L}{\partial x} = r\big(g - \hat x\,\overline{g \hat x}\big),"
        r"\ r = (\overline{x^2} + \epsilon)^{-1/2},\ \hat x = r x,\ g = \gamma\,\delta,"
        r"\ \frac{\partial L}{\partial \gamma} = \sum \delta \hat x",
    ),
    Concept(
        name="embedding",
        family="layers",
        summary=N_("Embedding lookup: one table row per integer id; the gradient flows into the table."),
        samples=embedding_samples,
        reference=(ref.embedding_forward, ref.embedding_backward),
        implementations=implementations("layers.embedding"),
        grad_wrt=("table",),
        divergences=catalog.EMBEDDING,
        tutorial=N_("A lookup is a one-hot vector times a matrix: its gradient adds each upstream row to its "
        "id's row."),
        forward_math=r"y_i = W_{t_i}",
        backward_math=r"\frac{\partial L}{\partial W_v} = [v \ne p] \sum_{i:\,t_i = v} \delta_i",
    ),
)
