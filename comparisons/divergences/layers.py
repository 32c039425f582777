"""Catalog entries of the layer concepts: batch-norm momentum, epsilon and running variance, dropout,
weight decay, normalisation epsilons and variances, embedding padding."""

import numpy as np

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import layers as ref


def batch_norm_inputs(shape):
    """x of ``shape`` (channels on axis 1), gamma, beta and running statistics for C channels."""
    channels = shape[1]

    def draw(rng):
        return {
            "x": rng.standard_normal(shape),
            "gamma": rng.uniform(0.5, 1.5, channels),
            "beta": rng.standard_normal(channels),
            "running_mean": rng.standard_normal(channels),
            "running_var": rng.uniform(0.5, 2.0, channels),
        }

    return draw


def torch_bn(output, **params):
    """The torch side of a batch-norm entry: one output of torch's training-mode batch norm."""
    return Side("torch", implementation("torch", "layers.batch_norm_output"), {"output": output, **params})


def keras_bn(output, **options):
    """The Keras side of a batch-norm entry: one output of keras.layers.BatchNormalization(**options)."""
    return Side("tensorflow", implementation("tensorflow", "layers.keras_batch_norm"), {"output": output, **options})


def paddle_bn(output, **options):
    """The Paddle side of a batch-norm entry: one output of F.batch_norm(training=True, **options)."""
    return Side("paddle", implementation("paddle", "layers.builtin_batch_norm"), {"output": output, **options})


def reference_batch_norm_output(x, gamma, beta, running_mean, running_var, *, output, momentum=0.1, eps=1e-5):
    """One output of the reference batch norm in training mode (torch's conventions)."""
    outputs, _ = ref.batch_norm_forward(x, gamma, beta, running_mean, running_var, momentum=momentum, eps=eps)
    return outputs[output]


BN_SAMPLE = Sample("conv-train", batch_norm_inputs((2, 3, 2, 2)))
BN_SOURCE = (
    "https://github.com/keras-team/keras/blob/master/keras/src/layers/normalization/batch_normalization.py "
    "(momentum=0.99, epsilon=1e-3; moving_mean * momentum + mean * (1 - momentum); variance from "
    "ops.moments, biased); https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html (momentum=0.1, "
    "eps=1e-5, running_var with the unbiased variance)"
)


BATCHNORM_MOMENTUM = Divergence(
    id="batchnorm-momentum",
    differs=N_("torch's momentum (default 0.1) is the weight of the new batch, running = (1 - m) running + "
    "m batch; Keras's (default 0.99) is the weight of the old value, moving = m moving + (1 - m) batch."),
    naive=(torch_bn("running_mean"), keras_bn("running_mean", momentum=0.1, epsilon=1e-5)),
    faithful=(torch_bn("running_mean"), keras_bn("running_mean", momentum=0.9, epsilon=1e-5)),
    naive_mapping=N_("Keras momentum = torch momentum = 0.1"),
    faithful_mapping=N_("Keras momentum = 1 - torch momentum = 0.9"),
    source=BN_SOURCE,
    sample=BN_SAMPLE,
    quantity="running_mean",
    shows=Difference("values", at=None, at_least=0.1),  # every channel: 0.1 and 0.9 of the old value swapped
)


BATCHNORM_EPSILON = Divergence(
    id="batchnorm-epsilon",
    differs=N_("default eps: torch 1e-5, Keras 1e-3, added to the variance before the square root. "
    "TensorFlow 2.21's fused kernel (tf.compat.v1.nn.fused_batch_norm) does not raise eps to 1.001e-5 "
    "on CPU: 1e-6 is used as given (the clamp was in tf.keras 2's fused layer)."),
    naive=(torch_bn("out"), keras_bn("out", momentum=0.9)),
    faithful=(torch_bn("out"), keras_bn("out", momentum=0.9, epsilon=1e-5)),
    naive_mapping=N_("each framework's default epsilon"),
    faithful_mapping=N_("the same epsilon passed to both (epsilon=1e-5 in Keras)"),
    source=BN_SOURCE,
    sample=BN_SAMPLE,
    quantity="out",
    shows=Difference("values", at=None, at_least=3e-4),  # every output: 1 / sqrt(var + eps) changes
)


BATCHNORM_RUNNING_VARIANCE = Divergence(
    id="batchnorm-running-variance",
    differs=N_("torch updates running_var with the unbiased batch variance (divided by m - 1, m = N*H*W), "
    "Keras updates moving_variance with the biased one (divided by m); both normalise with the biased one."),
    naive=(torch_bn("running_var"), keras_bn("running_var", momentum=0.9, epsilon=1e-5)),
    faithful=(torch_bn("running_var"), keras_bn("running_var", momentum=0.9, epsilon=1e-5, unbias_running_var=True)),
    naive_mapping=N_("compare running_var with moving_variance directly (momentum and eps mapped)"),
    faithful_mapping=N_("scale Keras's new-batch share of moving_variance by m / (m - 1)"),
    source=BN_SOURCE,
    sample=BN_SAMPLE,
    quantity="running_var",
    shows=Difference("values", at=None, at_least=2e-3),  # every channel, by 0.1 var / (m - 1), m = 8
)


DROPOUT_SAMPLE = Sample("dense-p0.5", lambda rng: {"x": rng.uniform(0.5, 2.0, (8, 8))}, {"p": 0.5})
DROPOUT_DIFFERS = (N_("both frameworks use inverted dropout, scaling kept units by 1 / (1 - p) in training "
                   "(identity in eval); the original dropout paper kept units unscaled and multiplied the "
                   "weights by 1 - p at test time. The masks come from different random streams."))


def dropout_sides(framework, inverted):
    """(x * the framework's own keep-mask, unscaled or / (1 - p); the framework's dropout itself).

    Both sides run in the framework's worker: the hand-written formula needs the mask the
    framework drew, which only exists there (read back from the output, x has no zeros).
    """
    return (
        Side(framework, implementation(framework, "layers.mask_of_seeded_dropout"), {"inverted": inverted}),
        Side(framework, implementation(framework, "layers.seeded_dropout")),
    )


DROPOUT_SCALING = Divergence(
    id="dropout-scaling",
    differs=DROPOUT_DIFFERS,
    naive=dropout_sides("torch", inverted=False),
    faithful=dropout_sides("torch", inverted=True),
    naive_mapping=N_("x * mask with torch's mask (unscaled, as in the original paper)"),
    faithful_mapping=N_("x * mask / (1 - p) with the mask read back from torch's output"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.Dropout.html (outputs are scaled by 1/(1-p))",
    sample=DROPOUT_SAMPLE,
    shows=Difference("values", at=None, at_least=0.5),  # the kept units: x against 2 x
)


DROPOUT_SCALING_TF = Divergence(
    id="dropout-scaling-tf",
    differs=DROPOUT_DIFFERS,
    naive=dropout_sides("tensorflow", inverted=False),
    faithful=dropout_sides("tensorflow", inverted=True),
    naive_mapping=N_("x * mask with TensorFlow's mask (unscaled)"),
    faithful_mapping=N_("x * mask / (1 - p) with the mask read back from TensorFlow's output"),
    source="https://www.tensorflow.org/api_docs/python/tf/nn/dropout (kept elements scaled up by 1 / (1 - rate))",
    sample=DROPOUT_SAMPLE,
    shows=Difference("values", at=None, at_least=0.5),  # the kept units: x against 2 x
)


DECAY = 2.0**-2
DECAY_SAMPLE = Sample("fed-gradients", lambda rng: {"theta0": rng.standard_normal(4),
                                                    "grads": rng.standard_normal((50, 4))},
                      {"lr": 2.0**-4, "weight_decay": DECAY})
ADAM = {"beta1": 0.875, "beta2": 1 - 2.0**-10, "eps": 1e-30}
"""Adam's hyper-parameters in the weight-decay-adam entry: exact in float32, epsilon negligible."""


WEIGHT_DECAY = Divergence(
    id="weight-decay",
    differs=N_("torch weight_decay=l adds l * theta to the gradient; keras.regularizers.L2(l) adds "
    "l * sum(theta**2) to the loss, whose gradient is 2 l theta."),
    naive=(
        Side("torch", implementation("torch", "regularization.sgd_weight_decay_trajectory")),
        # the Keras implementation adds L2(weight_decay / 2); twice the decay makes it L2(l)
        Side("tensorflow", implementation("tensorflow", "regularization.sgd_weight_decay_trajectory"),
             {"weight_decay": 2 * DECAY}),
    ),
    faithful=(
        Side("torch", implementation("torch", "regularization.sgd_weight_decay_trajectory")),
        Side("tensorflow", implementation("tensorflow", "regularization.sgd_weight_decay_trajectory")),
    ),
    naive_mapping=N_("torch SGD(weight_decay=l) against Keras L2(l) in the loss"),
    faithful_mapping=N_("torch SGD(weight_decay=l) against Keras L2(l / 2)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/regularizers/regularizers.py "
    "(L2: self.l2 * ops.sum(ops.square(x))); https://github.com/pytorch/pytorch/blob/main/torch/optim/sgd.py "
    "(grad = grad.add(param, alpha=weight_decay))",
    sample=DECAY_SAMPLE,
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.07),  # every step: the decay doubled
)


WEIGHT_DECAY_ADAM = Divergence(
    id="weight-decay-adam",
    differs=N_("Keras optimisers' weight_decay is decoupled (AdamW: theta -= lr * wd * theta, outside the "
    "adaptive step); torch.optim.Adam's weight_decay adds wd * theta to the gradient (an L2 term, then "
    "rescaled by Adam). torch.optim.AdamW is the decoupled one."),
    naive=(
        Side("torch", implementation("torch", "regularization.adam_weight_decay"), ADAM),
        Side("tensorflow", implementation("tensorflow", "regularization.adam_weight_decay"), ADAM),
    ),
    faithful=(
        Side("torch", implementation("torch", "regularization.adam_weight_decay"), {**ADAM, "decoupled": True}),
        Side("tensorflow", implementation("tensorflow", "regularization.adam_weight_decay"), ADAM),
    ),
    naive_mapping=N_("torch Adam(weight_decay=wd) against Keras Adam(weight_decay=wd)"),
    faithful_mapping=N_("torch AdamW(weight_decay=wd) against Keras Adam(weight_decay=wd)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/base_optimizer.py "
    "(_apply_weight_decay: variable.assign(variable - variable * wd * lr)); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/adamw.py (param.mul_(1 - lr * weight_decay))",
    sample=DECAY_SAMPLE,
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.02),  # every step
)


# PaddlePaddle ------------------------------------------------------------------------

PADDLE_BN_SOURCE = (
    "https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/norm.py (batch_norm("
    "momentum=0.9, epsilon=1e-05): running = momentum * running + (1 - momentum) * batch); "
    "paddle/phi/kernels/cpu/batch_norm_kernel.cc (the running variance takes the biased batch variance)"
)

PADDLE_BATCHNORM_MOMENTUM = Divergence(
    id="paddle-batchnorm-momentum",
    differs=N_("Paddle's batch-norm momentum (default 0.9) is the weight of the old running value, as in "
    "Keras: running = m running + (1 - m) batch; torch's (default 0.1) is the weight of the new batch. "
    "Passing torch's 0.1 puts the running mean off by up to 0.49 on the catalog sample."),
    naive=(torch_bn("running_mean"), paddle_bn("running_mean", momentum=0.1)),
    faithful=(torch_bn("running_mean"), paddle_bn("running_mean", momentum=0.9)),
    naive_mapping=N_("Paddle momentum = torch momentum = 0.1"),
    faithful_mapping=N_("Paddle momentum = 1 - torch momentum = 0.9 (Paddle's default)"),
    source=PADDLE_BN_SOURCE,
    sample=BN_SAMPLE,
    quantity="running_mean",
    shows=Difference("values", at=None, at_least=0.15),  # every channel: 0.1 and 0.9 of the old value swapped
)

PADDLE_BATCHNORM_RUNNING_VARIANCE = Divergence(
    id="paddle-batchnorm-running-variance",
    differs=N_("Paddle updates the running variance with the biased batch variance (divided by m, m = N*H*W), "
    "torch with the unbiased one (divided by m - 1); both normalise with the biased one: 0.028 (2%) on "
    "the catalog sample, m = 8."),
    naive=(torch_bn("running_var"), paddle_bn("running_var", momentum=0.9)),
    faithful=(torch_bn("running_var"), Side("paddle", implementation("paddle", "layers.batch_norm_output"),
                                             {"output": "running_var"})),
    naive_mapping=N_("compare running_var with Paddle's directly (momentum mapped, eps 1e-5 on both)"),
    faithful_mapping=N_("scale Paddle's new-batch share of the running variance by m / (m - 1) "
    "(framework_impls/paddle_impl/layers.py batch_norm)"),
    source=PADDLE_BN_SOURCE,
    sample=BN_SAMPLE,
    quantity="running_var",
    shows=Difference("values", at=None, at_least=9e-3),  # every channel, by 0.1 var / (m - 1), m = 8
)

PADDLE_BATCHNORM_FLOAT32_ATTRIBUTES = Divergence(
    id="paddle-batchnorm-float32-attributes",
    differs=N_("Paddle's batch_norm keeps momentum and epsilon as float32 op attributes, also for float64 "
    "tensors: momentum 0.9 acts as 0.89999998 and epsilon 1e-3 as 1.0000000475e-3, a relative "
    "difference of 2.6e-8 in the running statistics (4.6e-8 absolute on the catalog sample), far above "
    "float64 rounding."),
    naive=(
        Side("numpy", reference_batch_norm_output, {"output": "running_mean", "momentum": 0.1}),
        Side("paddle", implementation("paddle", "layers.batch_norm_output"),
             {"output": "running_mean", "momentum": 0.1}),
    ),
    faithful=(
        Side("numpy", reference_batch_norm_output, {"output": "running_mean", "momentum": 0.125}),
        Side("paddle", implementation("paddle", "layers.batch_norm_output"),
             {"output": "running_mean", "momentum": 0.125}),
    ),
    naive_mapping=N_("torch momentum 0.1 (Paddle 0.9) in a float64 run"),
    faithful_mapping=N_("hyper-parameters exact in float32 (momentum 0.125, Paddle 0.875; eps a power of two)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/batch_norm_kernel.h "
    "(BatchNormKernel(..., float momentum, float epsilon, ...)); np.float32(0.9) - 0.9 = -2.4e-8",
    sample=BN_SAMPLE,
    dtype="float64",
    quantity="running_mean",
    shows=Difference("values", at=None, at_least=1.5e-8),  # every channel, 2.4e-8 times |batch mean - running mean|
)

PADDLE_DROPOUT_MODE = Divergence(
    id="paddle-dropout-mode",
    differs=N_("Paddle's F.dropout has two modes: 'upscale_in_train' (the default, inverted dropout like torch: "
    "kept units / (1 - p) in training, identity in eval) and 'downscale_in_infer' (kept units unscaled in "
    "training, everything times 1 - p in eval), the default of the old paddle.fluid.layers.dropout."),
    naive=(
        Side("paddle", implementation("paddle", "layers.inverted_dropout_of_seeded_mask"),
             {"mode": "downscale_in_infer"}),
        Side("paddle", implementation("paddle", "layers.seeded_dropout"), {"mode": "downscale_in_infer"}),
    ),
    faithful=(
        Side("paddle", implementation("paddle", "layers.inverted_dropout_of_seeded_mask")),
        Side("paddle", implementation("paddle", "layers.seeded_dropout")),
    ),
    naive_mapping=N_("torch's F.dropout(x, p) ported as F.dropout(x, p, mode='downscale_in_infer')"),
    faithful_mapping=N_("mode='upscale_in_train' (Paddle's default): x * mask / (1 - p) with Paddle's own mask"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/common.py "
    "(dropout(..., mode='upscale_in_train'))",
    sample=DROPOUT_SAMPLE,
    shows=Difference("values", at=None, at_least=0.6),  # the kept units: 2 x against x (up to 1.9)
)


PADDLE_DROPOUT_FLOAT32_P = Divergence(
    id="paddle-dropout-float32-p",
    differs=N_("Paddle's dropout kernel reads p as a float32 scalar also for float64 tensors: p = 0.2 scales kept "
    "units by 1 / (1 - float32(0.2)) = 1.2499999814 instead of 1.25, a relative difference of 1.5e-8, far above "
    "float64 rounding. Like the batch-norm attributes, a p exact in float32 avoids it."),
    naive=(
        Side("paddle", implementation("paddle", "layers.inverted_dropout_of_seeded_mask"), {"p": 0.2}),
        Side("paddle", implementation("paddle", "layers.seeded_dropout"), {"p": 0.2}),
    ),
    faithful=(
        Side("paddle", implementation("paddle", "layers.inverted_dropout_of_seeded_mask"), {"p": 0.25}),
        Side("paddle", implementation("paddle", "layers.seeded_dropout"), {"p": 0.25}),
    ),
    naive_mapping=N_("p = 0.2 in a float64 run: x * mask / 0.8 in float64 against Paddle's dropout"),
    faithful_mapping=N_("a p exact in float32 (0.25)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/cpu/dropout_kernel.cc "
    "(DropoutRawKernel(..., const Scalar& p, ...), the probability read as float)",
    sample=Sample("dense-p0.2", lambda rng: {"x": rng.uniform(0.5, 2.0, (8, 8))}),
    dtype="float64",
    shows=Difference("values", at=None, at_least=5e-9),  # every kept unit, 1.5e-8 times x (0.5 to 2) * 1.25
)


BATCH_NORM = (
    BATCHNORM_MOMENTUM, BATCHNORM_EPSILON, BATCHNORM_RUNNING_VARIANCE,
    PADDLE_BATCHNORM_MOMENTUM, PADDLE_BATCHNORM_RUNNING_VARIANCE, PADDLE_BATCHNORM_FLOAT32_ATTRIBUTES,
)
DROPOUT = (DROPOUT_SCALING, DROPOUT_SCALING_TF, PADDLE_DROPOUT_MODE, PADDLE_DROPOUT_FLOAT32_P)
L2_REGULARIZATION = (WEIGHT_DECAY, WEIGHT_DECAY_ADAM)


# Normalisation layers and embeddings -------------------------------------------------------

LARGE_MEAN = 1000 + np.array([0.0, 0.1, 0.2, 0.3])
"""A large mean and a small spread: the one-pass variance mean(x^2) - mean(x)^2 cancels here."""


def normalised_inputs(shape, *, scale=1.0, channels=None, with_beta=True):
    """x of ``shape`` times ``scale``; gamma (and beta) per channel (axis 1) or over the last axis."""
    affine = (shape[1] if channels else shape[-1],)

    def draw(rng):
        inputs = {"x": scale * rng.standard_normal(shape), "gamma": rng.uniform(0.5, 1.5, affine)}
        if with_beta:
            inputs["beta"] = rng.standard_normal(affine)
        return inputs

    return draw


def large_mean_inputs(shape, affine, values=LARGE_MEAN):
    def draw(rng):
        return {"x": values.reshape(shape), "gamma": np.ones(affine), "beta": np.zeros(affine)}

    return draw


def reference_layer_norm(x, gamma, beta, *, eps=1e-5):
    """The reference layer norm's output (two-pass variance)."""
    return ref.layer_norm_forward(x, gamma, beta, eps=eps)[0]


def reference_group_norm(x, gamma, beta, *, num_groups, eps=1e-5):
    """The reference group norm's output (two-pass variance)."""
    return ref.group_norm_forward(x, gamma, beta, num_groups=num_groups, eps=eps)[0]


def torch_side(function, **params):
    return Side("torch", implementation("torch", f"layers.{function}"), params)


NORM_SOURCE = (
    "https://github.com/keras-team/keras/blob/master/keras/src/layers/normalization/layer_normalization.py "
    "(epsilon=1e-3); .../group_normalization.py (epsilon=1e-3); .../rms_normalization.py (epsilon=1e-6); "
    "https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html (eps=1e-5), torch.nn.GroupNorm "
    "(eps=1e-5), torch.nn.RMSNorm (eps=None: torch.finfo(x.dtype).eps)"
)

NORM_EPSILONS = Divergence(
    id="norm-epsilons",
    differs=N_("LayerNorm's default epsilon: torch (and Paddle) 1e-5, Keras 1e-3, flax 1e-6, added to the "
    "variance before the square root; on activations of variance 0.01 Keras's default shrinks the output by "
    "5 percent."),
    naive=(torch_side("builtin_layer_norm"),
           Side("tensorflow", implementation("tensorflow", "layers.keras_layer_norm"))),
    faithful=(torch_side("builtin_layer_norm"),
              Side("tensorflow", implementation("tensorflow", "layers.keras_layer_norm"), {"epsilon": 1e-5})),
    naive_mapping=N_("nn.LayerNorm(D) ported as keras.layers.LayerNormalization() (each default epsilon)"),
    faithful_mapping=N_("keras.layers.LayerNormalization(epsilon=1e-5)"),
    source=NORM_SOURCE,
    sample=Sample("activations-var-0.01", normalised_inputs((4, 8), scale=0.1)),
    shows=Difference("values", at=None, at_least=0.02),  # every output, by about 5% of x_hat
)

NORM_EPSILONS_GROUP_NORM = Divergence(
    id="norm-epsilons-group-norm",
    differs=N_("GroupNorm's default epsilon: torch (and Paddle) 1e-5, Keras 1e-3, flax 1e-6. Keras's "
    "GroupNormalization also defaults to groups=32 and channels last (axis=-1); torch requires num_groups."),
    naive=(torch_side("builtin_group_norm", num_groups=2),
           Side("tensorflow", implementation("tensorflow", "layers.keras_group_norm"), {"num_groups": 2})),
    faithful=(torch_side("builtin_group_norm", num_groups=2),
              Side("tensorflow", implementation("tensorflow", "layers.keras_group_norm"),
                   {"num_groups": 2, "epsilon": 1e-5})),
    naive_mapping=N_("nn.GroupNorm(2, C) ported as GroupNormalization(groups=2, axis=1) (each default epsilon)"),
    faithful_mapping=N_("GroupNormalization(groups=2, axis=1, epsilon=1e-5)"),
    source=NORM_SOURCE,
    sample=Sample("nchw-var-0.01", normalised_inputs((2, 4, 3, 3), scale=0.1, channels=True)),
    shows=Difference("values", at=None, at_least=0.02),  # every output, by about 5% of x_hat
)

FLOAT32_EPS = float(np.finfo(np.float32).eps)

NORM_EPSILONS_RMS_NORM = Divergence(
    id="norm-epsilons-rms-norm",
    differs=N_("RMSNorm's default epsilon: torch eps=None, the dtype's machine epsilon (1.2e-7 in float32, 2.2e-16 "
    "in float64); keras.layers.RMSNormalization and flax RMSNorm 1e-6; keras.ops.rms_normalization "
    "keras.config.epsilon() = 1e-7. It matters where the mean square is small: activations of size 1e-3 come "
    "out 30 percent smaller in Keras."),
    naive=(torch_side("builtin_rms_norm"), Side("tensorflow", implementation("tensorflow", "layers.keras_rms_norm"))),
    faithful=(torch_side("builtin_rms_norm"),
              Side("tensorflow", implementation("tensorflow", "layers.keras_rms_norm"), {"epsilon": FLOAT32_EPS})),
    naive_mapping=N_("nn.RMSNorm(D) ported as keras.layers.RMSNormalization() (each default epsilon)"),
    faithful_mapping=N_("RMSNormalization(epsilon=torch.finfo(torch.float32).eps), 1.19e-7"),
    source=NORM_SOURCE,
    sample=Sample("activations-1e-3", normalised_inputs((3, 8), scale=1e-3, with_beta=False)),
    shows=Difference("values", at=None, at_least=0.1),  # every output, by about 30%
)

FLAX_NORM_SOURCE = (
    "https://github.com/google/flax/blob/main/flax/linen/normalization.py (LayerNorm, GroupNorm, RMSNorm: "
    "epsilon=1e-6, use_fast_variance=True; _compute_stats: var = mean(x^2) - mean(x)^2 when use_fast_variance)"
)

FLAX_LAYERNORM_EPSILON = Divergence(
    id="flax-layernorm-epsilon",
    differs=N_("flax.linen.LayerNorm's default epsilon is 1e-6, torch's 1e-5 (Keras's 1e-3): on activations of "
    "variance 1e-4 the outputs differ by 4 percent."),
    naive=(torch_side("builtin_layer_norm"), Side("jax", implementation("jax", "layers.flax_layer_norm"))),
    faithful=(torch_side("builtin_layer_norm"),
              Side("jax", implementation("jax", "layers.flax_layer_norm"),
                   {"epsilon": 1e-5, "use_fast_variance": False})),
    naive_mapping=N_("nn.LayerNorm(D) ported as flax.linen.LayerNorm() (each default epsilon)"),
    faithful_mapping=N_("flax.linen.LayerNorm(epsilon=1e-5, use_fast_variance=False)"),
    source=FLAX_NORM_SOURCE,
    sample=Sample("activations-var-1e-4", normalised_inputs((4, 8), scale=0.01)),
    shows=Difference("values", at=None, at_least=0.01),  # every output, by about 4% of x_hat
)

FLAX_LAYERNORM_FAST_VARIANCE = Divergence(
    id="flax-layernorm-fast-variance",
    differs=N_("flax.linen.LayerNorm (and GroupNorm) compute the variance as mean(x^2) - mean(x)^2 by default "
    "(use_fast_variance=True). At a large mean with a small spread this cancels: 1000 + [0, 0.1, 0.2, 0.3] in "
    "float32 normalises to about +-47 with eps 1e-5 (+-150 with flax's default 1e-6) instead of +-1.34; in float64 "
    "it is off by 2e-8. torch, Keras and the reference take mean((x - mu)^2)."),
    naive=(Side("numpy", reference_layer_norm),
           Side("jax", implementation("jax", "layers.flax_layer_norm"), {"epsilon": 1e-5})),
    faithful=(Side("numpy", reference_layer_norm),
              Side("jax", implementation("jax", "layers.flax_layer_norm"),
                   {"epsilon": 1e-5, "use_fast_variance": False})),
    naive_mapping=N_("flax.linen.LayerNorm(epsilon=1e-5): the fast one-pass variance"),
    faithful_mapping=N_("flax.linen.LayerNorm(epsilon=1e-5, use_fast_variance=False): the two-pass variance"),
    source=FLAX_NORM_SOURCE,
    sample=Sample("mean-1000-spread-0.3", large_mean_inputs((1, 4), (4,))),
    shows=Difference("values", at=None, at_least=10.0),  # every output: +-150 against +-1.34
)

PADDLE_GROUP_NORM_VARIANCE = Divergence(
    id="paddle-group-norm-variance",
    differs=N_("Paddle's F.group_norm (CPU kernel) computes the variance in one pass, mean(x^2) - mean(x)^2, and "
    "cancels at a large mean with a small spread: 1000 + [0, 0.125, 0.25, 0.375] (exact in float32) normalises "
    "to about +-59 instead of +-1.34, 1000 + [0, 0.1] to +-15.8 instead of +-1; in float64 it is off by 1e-8. Its "
    "F.layer_norm takes the two-pass variance."),
    naive=(Side("numpy", reference_group_norm, {"num_groups": 1}),
           Side("paddle", implementation("paddle", "layers.builtin_group_norm"), {"num_groups": 1})),
    faithful=(Side("numpy", reference_group_norm, {"num_groups": 1}),
              Side("paddle", implementation("paddle", "layers.group_norm_centred"), {"num_groups": 1})),
    naive_mapping=N_("F.group_norm(x, 1) on the raw activations"),
    faithful_mapping=N_("F.group_norm on x minus its detached per-group mean (group norm ignores the shift)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/kernels/cpu/group_norm_kernel.cc "
    "(x_mean += x, x_var += x * x; var = x_var / m - x_mean^2)",
    sample=Sample("mean-1000-dyadic", large_mean_inputs((1, 2, 2), (2,), 1000 + np.arange(4) / 8)),
    shows=Difference("values", at=None, at_least=1.0),
)


PADDED_IDS = np.array([[3, 1, 4, 0, 0], [2, 2, 5, 1, 0]])
"""Two sequences padded with id 0 at the end: three pads."""


def padded_inputs(rng):
    return {"ids": PADDED_IDS.astype(np.int64), "table": rng.standard_normal((6, 4))}


EMBEDDING_SAMPLE = Sample("two-padded-sequences", padded_inputs)

PADDING_MASK = Divergence(
    id="padding-mask",
    differs=N_("torch's padding_idx keeps that row out of the gradient (nn.Embedding also initialises it to "
    "zeros); keras.layers.Embedding has no such argument: mask_zero=True keeps id 0's vector and its "
    "gradient and only tells later layers (RNNs, attention) to skip the step. With three pads, row 0's "
    "gradient is 3 in Keras and 0 in torch."),
    naive=(
        Side("torch", implementation("torch", "layers.embedding"), {"padding_idx": 0}, gradient_of="table"),
        Side("tensorflow", implementation("tensorflow", "layers.keras_embedding"), {"mask_zero": True},
             gradient_of="table"),
    ),
    faithful=(
        Side("torch", implementation("torch", "layers.embedding"), {"padding_idx": 0}, gradient_of="table"),
        Side("tensorflow", implementation("tensorflow", "layers.embedding"), {"padding_idx": 0}, gradient_of="table"),
    ),
    naive_mapping=N_("nn.Embedding(V, D, padding_idx=0) ported as keras.layers.Embedding(V, D, mask_zero=True)"),
    faithful_mapping=N_("the Keras table with tf.stop_gradient on row 0 (framework_impls/tf_impl/layers.py embedding)"),
    source="https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html (padding_idx: the entries do not "
    "contribute to the gradient); https://keras.io/api/layers/core_layers/embedding/ (mask_zero)",
    sample=EMBEDDING_SAMPLE,
    quantity="dtable",
    shows=Difference("values", at=(0, 1, 2, 3), at_least=2.5),  # row 0 of the (6, 4) gradient only: 3 against 0
)

PADDLE_EMBEDDING_PADDING_OUTPUT = Divergence(
    id="paddle-embedding-padding-output",
    differs=N_("Paddle's F.embedding(padding_idx) outputs zeros at padding ids whatever the padding row holds; "
    "torch's F.embedding returns the row (it only keeps it out of the gradient). They agree while the row is "
    "zero, as both nn.Embedding layers initialise it, and differ after loading weights with a non-zero row."),
    naive=(torch_side("embedding", padding_idx=0),
           Side("paddle", implementation("paddle", "layers.builtin_embedding"), {"padding_idx": 0})),
    faithful=(torch_side("embedding", padding_idx=0),
              Side("paddle", implementation("paddle", "layers.embedding_returning_padding_row"), {"padding_idx": 0})),
    naive_mapping=N_("F.embedding(ids, table, padding_idx=0) in both"),
    faithful_mapping=N_("Paddle F.embedding without padding_idx on a table whose padding row is detached"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/functional/input.py "
    "(embedding: 'It will output all-zero padding data whenever lookup encounters padding_idx')",
    sample=EMBEDDING_SAMPLE,
    shows=Difference("values", at=tuple(range(12, 20)) + tuple(range(36, 40)), at_least=0.1),  # the three pads
)


LAYER_NORM = (NORM_EPSILONS, FLAX_LAYERNORM_EPSILON, FLAX_LAYERNORM_FAST_VARIANCE)
GROUP_NORM = (NORM_EPSILONS_GROUP_NORM, PADDLE_GROUP_NORM_VARIANCE)
RMS_NORM = (NORM_EPSILONS_RMS_NORM,)
EMBEDDING = (PADDING_MASK, PADDLE_EMBEDDING_PADDING_OUTPUT)
