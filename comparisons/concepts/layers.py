"""Layer concepts: batch normalisation, dropout and L2 regularisation in training."""

from comparisons.divergences import layers as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, implementations, register
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
    yield Sample("conv-p0.2", dropout_inputs((2, 3, 2, 2), 0.2), {"p": 0.2}, note=N_("kept units scaled by 1.25"))
    yield Sample("keep-prob-0.8", dropout_inputs((3, 4), 0.2), {"p": 0.2},
                 note=N_("Ng's keep_prob = 0.8 is p = 0.2: a3 = a3 * d3 / keep_prob"))


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
        summary=N_("Inverted dropout with an injected keep-mask: x * mask / (1 - p), the same mask in the backward pass."),
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
