"""Catalog entries of the optimiser concepts: where epsilon goes, momentum under a schedule, float32 hyper-parameters.

Every entry feeds one sequence of gradients to both sides and compares the parameter
trajectories, (50 steps, *theta.shape).
"""

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation
from reference import optimizers as ref

STEPS = 50
NEGLIGIBLE_EPS = 1e-30
"""Epsilon small enough that where it is added (to sqrt(v) in torch, inside the root in
Keras, to sqrt(v_hat) or sqrt(v) in Adam) changes nothing at either precision."""


def fed_gradients(shape=(3,)):
    """theta0 and 50 standard normal gradients of the parameter's shape."""
    return lambda rng: {"theta0": rng.standard_normal(shape), "grads": rng.standard_normal((STEPS, *shape))}


def small_gradients(scale, shape=(3,)):
    """theta0 and 50 gradients of size ``scale``: small enough for epsilon to matter."""
    return lambda rng: {"theta0": rng.standard_normal(shape), "grads": scale * rng.standard_normal((STEPS, *shape))}


def trajectories(optimizer, **hyper):
    """(torch side, Keras side): the named optimiser fed the sample's gradients, with these hyper-parameters."""
    params = {"optimizer": optimizer, **hyper}
    return tuple(Side(f, implementation(f, "optimizers.trajectory"), params) for f in ("torch", "tensorflow"))


# NumPy halves ------------------------------------------------------------------------


def reference_trajectory(theta0, grads, *, optimizer, **hyper):
    """The reference optimiser's parameter after each fed gradient, in the run's dtype throughout."""
    outputs, _ = getattr(ref, f"{optimizer}_trajectory")(theta0, grads, **hyper)
    return outputs["theta"]


# Entries -----------------------------------------------------------------------------

ADAM_EPSILON = Divergence(
    id="adam-epsilon",
    differs=N_("torch adds eps to sqrt(v_hat) (the bias-corrected second moment); Keras adds epsilon to "
    "sqrt(v) and folds the bias correction into the learning rate, so the same number acts as "
    "eps * sqrt(1 - beta2**t) in torch's terms. Defaults: torch eps 1e-8, Keras 1e-7."),
    naive=trajectories("adam", eps=1e-7),
    faithful=trajectories("adam", eps=NEGLIGIBLE_EPS),
    naive_mapping=N_("the same epsilon, 1e-7, on both sides, with gradients of size 1e-6"),
    faithful_mapping=N_("an epsilon negligible next to sqrt(v) on both sides (1e-30); no constant "
    "Keras epsilon equals torch's at every step"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/adam.py (update_step: "
    "alpha = lr * sqrt(1 - beta_2_power) / (1 - beta_1_power); m * alpha / (sqrt(v) + epsilon)); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/adam.py (denom = exp_avg_sq.sqrt() / "
    "bias_correction2_sqrt + eps)",
    sample=Sample("small-gradients", small_gradients(1e-6),
                  {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10}),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.013),  # every step
)

RMSPROP_EPSILON = Divergence(
    id="rmsprop-epsilon",
    differs=N_("torch divides by sqrt(v) + eps, Keras by sqrt(v + epsilon). Defaults differ too: torch "
    "alpha 0.99, eps 1e-8, lr 1e-2; Keras rho 0.9, epsilon 1e-7, lr 1e-3. Keras 3 starts the "
    "average of squares at 0 like torch (TF1's RMSPropOptimizer started it at 1)."),
    naive=trajectories("rmsprop", eps=1e-7),
    faithful=trajectories("rmsprop", eps=NEGLIGIBLE_EPS),
    naive_mapping=N_("alpha = rho = 0.875, the same lr, epsilon 1e-7 on both sides, gradients of size 1e-4"),
    faithful_mapping=N_("alpha = rho, the same lr, epsilon negligible on both sides (1e-30)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/rmsprop.py (denominator "
    "= velocity + epsilon; increment = lr * gradient / sqrt(denominator)); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/rmsprop.py (avg = square_avg.sqrt().add_(eps))",
    sample=Sample("small-gradients", small_gradients(1e-4), {"lr": 2.0**-6, "alpha": 0.875}),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.025),  # every step
)

LR_CHANGE_STEP = STEPS // 2
"""The sgd-momentum entry halves the learning rate from this step (0-based) on, in both frameworks."""

SGD_MOMENTUM = Divergence(
    id="sgd-momentum",
    differs=N_("torch accumulates raw gradients, b = mu b + g, and steps by lr * b; Keras accumulates "
    "scaled steps, v = mu v - lr g. The parameters are the same while lr is constant; when lr "
    "changes, torch applies the new lr to the whole history at once, Keras only to new gradients."),
    naive=tuple(
        Side(f, implementation(f, "optimizers.sgd_momentum_lr_halved"), {"from_step": LR_CHANGE_STEP})
        for f in ("torch", "tensorflow")
    ),
    faithful=trajectories("sgd_momentum"),
    naive_mapping=N_("the same momentum and the same schedule (lr halved after 25 of 50 steps) on both sides"),
    faithful_mapping=N_("a constant learning rate (or rescale torch's buffer by lr_old / lr_new at a change)"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/optim/sgd.py (buf.mul_(momentum)."
    "add_(grad); param.add_(buf, alpha=-lr)); https://github.com/keras-team/keras/blob/master/keras/src/"
    "optimizers/sgd.py (m = m * momentum - gradient * learning_rate; variable += m)",
    sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-5, "momentum": 0.875}),
    quantity="theta",
    # equal while lr is constant; every parameter of every step from the change on differs
    shows=Difference("values", at=tuple(range(3 * LR_CHANGE_STEP, 3 * STEPS)), at_least=0.06),
)

KERAS_FLOAT32_HYPERPARAMETERS = Divergence(
    id="keras-float32-hyperparameters",
    differs=N_("Keras optimisers cast Python hyper-parameters with keras.ops.cast, which makes a float32 "
    "tensor first: in a float64 run momentum 0.9 acts as 0.89999998 (and the learning rate is a "
    "float32 variable), a relative difference of 2.6e-8, far above float64 rounding."),
    naive=(
        Side("numpy", reference_trajectory, {"optimizer": "sgd_momentum", "momentum": 0.9}),
        Side("tensorflow", implementation("tensorflow", "optimizers.trajectory"),
             {"optimizer": "sgd_momentum", "momentum": 0.9}),
    ),
    faithful=(
        Side("numpy", reference_trajectory, {"optimizer": "sgd_momentum", "momentum": 0.875}),
        Side("tensorflow", implementation("tensorflow", "optimizers.trajectory"),
             {"optimizer": "sgd_momentum", "momentum": 0.875}),
    ),
    naive_mapping=N_("momentum 0.9 in float64 on both sides"),
    faithful_mapping=N_("hyper-parameters exact in float32 (momentum 0.875, lr a power of two)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/sgd.py "
    "(ops.cast(self.momentum, variable.dtype)); keras.ops.cast(0.9, 'float64') - 0.9 = -2.4e-8",
    sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-5}),
    dtype="float64",
    quantity="theta",
    shows=Difference("values", at=None, at_least=9e-8),  # from the second step on
)


# JAX (optax) and PaddlePaddle --------------------------------------------------------


def optax_side(optimizer, **hyper):
    """A JAX side: optax.<optimizer>(**hyper) in optax's own names, fed the sample's gradients."""
    return Side("jax", implementation("jax", "optimizers.optax_trajectory"), {"optimizer": optimizer, **hyper})


def paddle_side(optimizer, **options):
    """A Paddle side: paddle.optimizer.<optimizer>(**options) in Paddle's own names, fed the sample's gradients."""
    return Side("paddle", implementation("paddle", "optimizers.paddle_trajectory"), {"optimizer": optimizer, **options})


def reference_side(optimizer, **hyper):
    """The NumPy side: the reference optimiser (torch's conventions) with these hyper-parameters."""
    return Side("numpy", reference_trajectory, {"optimizer": optimizer, **hyper})


ADAM_HYPER = {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10}
OPTAX_ADAM_HYPER = {"learning_rate": 2.0**-6, "b1": 0.875, "b2": 1 - 2.0**-10}

OPTAX_ADAM_EPS_ROOT = Divergence(
    id="optax-adam-eps-root",
    differs=N_("optax.adam has two epsilons: eps (default 1e-8) is added to sqrt(v_hat), as torch's eps; eps_root "
    "(default 0) is added to v_hat under the root. Putting torch's eps into eps_root (the root's epsilon, "
    "as in Keras-style sqrt(v + eps) ports) makes every step of size-1e-6 gradients about 100 times smaller: "
    "theta off by up to 0.11 after 50 steps."),
    naive=(reference_side("adam", **ADAM_HYPER, eps=1e-8),
           optax_side("adam", **OPTAX_ADAM_HYPER, eps=0.0, eps_root=1e-8)),
    faithful=(reference_side("adam", **ADAM_HYPER, eps=1e-8),
              optax_side("adam", **OPTAX_ADAM_HYPER, eps=1e-8, eps_root=0.0)),
    naive_mapping=N_("torch Adam(eps=1e-8) as optax.adam(eps=0, eps_root=1e-8), gradients of size 1e-6"),
    faithful_mapping=N_("optax.adam(eps=1e-8, eps_root=0.0): optax's defaults are torch's"),
    source="https://github.com/google-deepmind/optax/blob/main/optax/_src/transform.py (scale_by_adam: "
    "mu_hat / (jnp.sqrt(nu_hat + eps_root) + eps))",
    sample=Sample("small-gradients", small_gradients(1e-6)),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.035),  # every step
)

OPTAX_RMSPROP_EPS_IN_SQRT = Divergence(
    id="optax-rmsprop-eps-in-sqrt",
    differs=N_("optax.rmsprop divides by sqrt(v + eps) by default (eps_in_sqrt=True, like Keras), torch by "
    "sqrt(v) + eps; the defaults differ too (optax decay 0.9, torch alpha 0.99; both eps 1e-8). With "
    "gradients of size 1e-4, v is about 1e-9 and eps = 1e-8 under the root dominates it: theta off by up "
    "to 0.11 after 50 steps."),
    naive=(reference_side("rmsprop", lr=2.0**-6, alpha=0.875, eps=1e-8),
           optax_side("rmsprop", learning_rate=2.0**-6, decay=0.875, eps=1e-8)),
    faithful=(reference_side("rmsprop", lr=2.0**-6, alpha=0.875, eps=1e-8),
              optax_side("rmsprop", learning_rate=2.0**-6, decay=0.875, eps=1e-8, eps_in_sqrt=False)),
    naive_mapping=N_("optax.rmsprop(lr, decay=alpha, eps=eps) for torch RMSprop(lr, alpha, eps)"),
    faithful_mapping=N_("optax.rmsprop(..., eps_in_sqrt=False): eps outside the root, as torch"),
    source="https://github.com/google-deepmind/optax/blob/main/optax/_src/transform.py (scale_by_rms: "
    "jax.lax.rsqrt(nu + eps) if eps_in_sqrt else 1 / (jnp.sqrt(nu) + eps))",
    sample=Sample("small-gradients", small_gradients(1e-4)),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.035),  # every step
)

OPTAX_ADAGRAD_INITIAL_ACCUMULATOR = Divergence(
    id="optax-adagrad-initial-accumulator",
    differs=N_("optax.adagrad starts its sum of squares at initial_accumulator_value=0.1 (and adds eps=1e-7 "
    "under the root); torch's Adagrad starts at 0 (eps 1e-10 outside the root). The first steps of "
    "unit-size gradients shrink by 1 / sqrt(1 + 0.1 / g^2): theta off by up to 0.068 after 50 steps."),
    naive=(reference_side("adagrad", lr=2.0**-3, eps=NEGLIGIBLE_EPS, initial_accumulator_value=0.0),
           optax_side("adagrad", learning_rate=2.0**-3, eps=NEGLIGIBLE_EPS)),
    faithful=(reference_side("adagrad", lr=2.0**-3, eps=NEGLIGIBLE_EPS, initial_accumulator_value=0.0),
              optax_side("adagrad", learning_rate=2.0**-3, eps=NEGLIGIBLE_EPS, initial_accumulator_value=0.0)),
    naive_mapping=N_("optax.adagrad(lr) for torch Adagrad(lr) (epsilon negligible on both sides)"),
    faithful_mapping=N_("optax.adagrad(lr, initial_accumulator_value=0.0); eps under the root cannot be "
    "moved outside, so keep it negligible"),
    source="https://github.com/google-deepmind/optax/blob/main/optax/_src/alias.py (def adagrad(learning_rate, "
    "initial_accumulator_value=0.1, eps=1e-7)); optax/_src/transform.py (scale_by_rss: rsqrt(sum_of_squares + eps))",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.02),  # every step
)

PADDLE_ADAGRAD_EPSILON = Divergence(
    id="paddle-adagrad-epsilon",
    differs=N_("paddle.optimizer.Adagrad's epsilon defaults to 1e-6 (torch 1e-10), added outside the root as "
    "in torch; with gradients of size 1e-5 the default shrinks every step by several percent: theta off "
    "by up to 0.053 (13%) after 50 steps."),
    naive=(reference_side("adagrad", lr=2.0**-3, eps=1e-10, initial_accumulator_value=0.0),
           paddle_side("Adagrad", learning_rate=2.0**-3)),
    faithful=(reference_side("adagrad", lr=2.0**-3, eps=1e-10, initial_accumulator_value=0.0),
              paddle_side("Adagrad", learning_rate=2.0**-3, epsilon=1e-10)),
    naive_mapping=N_("paddle Adagrad(learning_rate) for torch Adagrad(lr), defaults otherwise"),
    faithful_mapping=N_("pass epsilon=1e-10 (initial_accumulator_value is 0 in both)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/optimizer/adagrad.py "
    "(Adagrad(learning_rate, epsilon=1e-06, ..., initial_accumulator_value=0.0))",
    sample=Sample("small-gradients", small_gradients(1e-5)),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.017),  # every step
)

PADDLE_RMSPROP_DEFAULTS = Divergence(
    id="paddle-rmsprop-defaults",
    differs=N_("paddle.optimizer.RMSProp defaults to rho 0.95 and epsilon 1e-6 added inside the root, "
    "g / sqrt(v + eps); torch's RMSprop to alpha 0.99 and eps 1e-8 outside, g / (sqrt(v) + eps). No "
    "epsilon maps one onto the other; they agree where eps is negligible next to v. With gradients of "
    "size 1e-4 the defaults put theta off by up to 0.47 after 50 steps."),
    naive=(reference_side("rmsprop", lr=2.0**-6, alpha=0.99, eps=1e-8),
           paddle_side("RMSProp", learning_rate=2.0**-6)),
    faithful=(reference_side("rmsprop", lr=2.0**-6, alpha=0.99, eps=NEGLIGIBLE_EPS),
              paddle_side("RMSProp", learning_rate=2.0**-6, rho=0.99, epsilon=NEGLIGIBLE_EPS)),
    naive_mapping=N_("paddle RMSProp(learning_rate) for torch RMSprop(lr), defaults otherwise"),
    faithful_mapping=N_("rho = alpha, and an epsilon negligible next to v on both sides (1e-30)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/optimizer/rmsprop.py "
    "(RMSProp(learning_rate, rho=0.95, epsilon=1e-06, ...): w -= lr * g / sqrt(r + epsilon))",
    sample=Sample("small-gradients", small_gradients(1e-4)),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.15),  # every step
)


# Weight decay, Adadelta, Adagrad and NAdam defaults, clipping, schedules ------------------


def torch_side(optimizer, **options):
    """A torch side: torch.optim.<optimizer>(**options) in torch's own names, fed the sample's gradients."""
    return Side("torch", implementation("torch", "optimizers.torch_trajectory"), {"optimizer": optimizer, **options})


def keras_side(optimizer, **options):
    """A Keras side: keras.optimizers.<optimizer>(**options) in Keras's own names, fed the sample's gradients."""
    return Side("tensorflow", implementation("tensorflow", "optimizers.keras_trajectory"),
                {"optimizer": optimizer, **options})


TORCH_ADAM = {"lr": 2.0**-6, "betas": (0.875, 1 - 2.0**-10), "eps": NEGLIGIBLE_EPS}
KERAS_ADAM = {"learning_rate": 2.0**-6, "beta_1": 0.875, "beta_2": 1 - 2.0**-10, "epsilon": NEGLIGIBLE_EPS}
PADDLE_ADAM = {"learning_rate": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10, "epsilon": NEGLIGIBLE_EPS}

ADAM_WEIGHT_DECAY = Divergence(
    id="adam-weight-decay",
    differs=N_("torch's Adam(weight_decay) adds weight_decay * theta to the gradient (L2), which Adam then "
    "normalises away; every Keras 3 optimizer's weight_decay is decoupled, so Keras's Adam(weight_decay) is "
    "AdamW: theta -= lr * weight_decay * theta apart from the gradient. With weight_decay 0.25 the two "
    "trajectories part by up to 0.04 in 50 steps."),
    naive=(torch_side("Adam", **TORCH_ADAM, weight_decay=0.25), keras_side("Adam", **KERAS_ADAM, weight_decay=0.25)),
    faithful=(torch_side("AdamW", **TORCH_ADAM, weight_decay=0.25),
              keras_side("Adam", **KERAS_ADAM, weight_decay=0.25)),
    naive_mapping=N_("torch Adam(weight_decay=0.25) for Keras Adam(weight_decay=0.25)"),
    faithful_mapping=N_("torch AdamW(weight_decay=0.25): decoupled in both, and both multiply the decay by lr "
    "(for L2 in Keras, add it to the loss; in optax, chain add_decayed_weights before adam)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/base_optimizer.py "
    "(_apply_weight_decay: variable.assign(variable - variable * wd * lr)); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/adam.py (grad = grad.add(param, alpha=weight_decay))",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.03),
)

PADDLE_ADAM_WEIGHT_DECAY = Divergence(
    id="paddle-adam-weight-decay",
    differs=N_("paddle.optimizer.Adam(weight_decay=float) is an L2 regulariser added to the gradient, as "
    "torch's Adam; paddle.optimizer.AdamW is decoupled, theta *= 1 - lr * weight_decay, as torch's AdamW "
    "(both default to 0.01)."),
    naive=(reference_side("adamw", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, weight_decay=0.25),
           paddle_side("Adam", **PADDLE_ADAM, weight_decay=0.25)),
    faithful=(reference_side("adamw", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, weight_decay=0.25),
              paddle_side("AdamW", **PADDLE_ADAM, weight_decay=0.25)),
    naive_mapping=N_("paddle Adam(weight_decay=0.25) for torch AdamW(weight_decay=0.25)"),
    faithful_mapping=N_("paddle AdamW(weight_decay=0.25)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/optimizer/adam.py (weight_decay: "
    "float is L2Decay, a regularizer on the gradient); python/paddle/optimizer/adamw.py (coeff, decoupled)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.03),
)

ADAMW_DEFAULT_DECAY = Divergence(
    id="adamw-default-decay",
    differs=N_("AdamW's default weight_decay is 0.01 in torch and Paddle, 0.004 in Keras and 1e-4 in optax; "
    "all four multiply it by the learning rate."),
    naive=(torch_side("AdamW", **TORCH_ADAM), keras_side("AdamW", **KERAS_ADAM)),
    faithful=(torch_side("AdamW", **TORCH_ADAM), keras_side("AdamW", **KERAS_ADAM, weight_decay=0.01)),
    naive_mapping=N_("torch AdamW() for Keras AdamW(), default weight decay on both sides"),
    faithful_mapping=N_("pass weight_decay=0.01 to Keras (optax: weight_decay=0.01)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/adamw.py (weight_decay=0.004); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/adamw.py (weight_decay=1e-2); "
    "https://github.com/google-deepmind/optax/blob/main/optax/_src/alias.py (adamw: weight_decay=1e-4)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=1e-4),
)

OPTAX_ADAMW_DEFAULT_DECAY = Divergence(
    id="optax-adamw-default-decay",
    differs=N_("optax.adamw's default weight_decay is 1e-4, a hundredth of torch's AdamW default 0.01; both "
    "multiply it by the learning rate and leave it out of Adam's moments."),
    naive=(reference_side("adamw", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, weight_decay=0.01),
           optax_side("adamw", **OPTAX_ADAM_HYPER, eps=NEGLIGIBLE_EPS)),
    faithful=(reference_side("adamw", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, weight_decay=0.01),
              optax_side("adamw", **OPTAX_ADAM_HYPER, eps=NEGLIGIBLE_EPS, weight_decay=0.01)),
    naive_mapping=N_("optax.adamw(learning_rate) for torch AdamW(lr), default weight decay on both sides"),
    faithful_mapping=N_("optax.adamw(..., weight_decay=0.01)"),
    source="https://github.com/google-deepmind/optax/blob/main/optax/_src/alias.py (def adamw(..., "
    "weight_decay=1e-4, ...))",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=1e-4),
)

OPTIMIZER_DEFAULTS_2 = Divergence(
    id="optimizer-defaults-2",
    differs=N_("Adadelta's defaults: torch lr 1.0, rho 0.9, eps 1e-6; Keras learning_rate 0.001, rho 0.95, "
    "epsilon 1e-7 (Paddle 0.001, 0.95, 1e-6; optax rho 0.9, eps 1e-6, no default lr). The update itself is the "
    "same, eps inside both roots. Keras's default learning rate makes every step 1000 times smaller."),
    naive=(torch_side("Adadelta"), keras_side("Adadelta")),
    faithful=(torch_side("Adadelta"), keras_side("Adadelta", learning_rate=1.0, rho=0.9, epsilon=1e-6)),
    naive_mapping=N_("torch Adadelta() for Keras Adadelta(), defaults on both sides"),
    faithful_mapping=N_("Keras Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-6)"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/adadelta.py (learning_rate=0.001, "
    "rho=0.95, epsilon=1e-7); https://github.com/pytorch/pytorch/blob/main/torch/optim/adadelta.py (lr=1.0, "
    "rho=0.9, eps=1e-6)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.01),
)

PADDLE_ADADELTA_DEFAULTS = Divergence(
    id="paddle-adadelta-defaults",
    differs=N_("paddle.optimizer.Adadelta defaults to learning_rate 0.001 and rho 0.95 (torch lr 1.0, rho 0.9; "
    "epsilon 1e-6 in both), and multiplies its step by the learning rate as torch does."),
    naive=(reference_side("adadelta", lr=1.0, rho=0.9, eps=1e-6), paddle_side("Adadelta")),
    faithful=(reference_side("adadelta", lr=1.0, rho=0.9, eps=1e-6),
              paddle_side("Adadelta", learning_rate=1.0, rho=0.9, epsilon=1e-6)),
    naive_mapping=N_("paddle Adadelta() for torch Adadelta(), defaults on both sides"),
    faithful_mapping=N_("paddle Adadelta(learning_rate=1.0, rho=0.9)"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/optimizer/adadelta.py "
    "(learning_rate=0.001, epsilon=1e-06, rho=0.95)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.01),
)

KERAS_ADAGRAD_DEFAULTS = Divergence(
    id="keras-adagrad-defaults",
    differs=N_("Keras's Adagrad starts its sum of squares at initial_accumulator_value 0.1 and adds epsilon 1e-7 "
    "inside the root; torch's starts at 0 and adds eps 1e-10 outside (Paddle 0 and 1e-6 outside, optax 0.1 and "
    "1e-7 inside). With unit gradients the first steps shrink by 1 / sqrt(1 + 0.1 / g^2)."),
    naive=(torch_side("Adagrad", lr=2.0**-3), keras_side("Adagrad", learning_rate=2.0**-3)),
    faithful=(torch_side("Adagrad", lr=2.0**-3, eps=NEGLIGIBLE_EPS),
              keras_side("Adagrad", learning_rate=2.0**-3, initial_accumulator_value=0.0, epsilon=NEGLIGIBLE_EPS)),
    naive_mapping=N_("torch Adagrad(lr) for Keras Adagrad(learning_rate), defaults otherwise"),
    faithful_mapping=N_("Keras initial_accumulator_value=0.0; epsilon inside the root cannot be moved outside, "
    "so keep it negligible on both sides"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/adagrad.py "
    "(initial_accumulator_value=0.1, epsilon=1e-7; lr * g / sqrt(accumulator + epsilon)); "
    "https://github.com/pytorch/pytorch/blob/main/torch/optim/adagrad.py (initial_accumulator_value=0, eps=1e-10)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.02),
)

NADAM_HYPER = {"lr": 2.0**-6, "betas": (0.875, 1 - 2.0**-10), "eps": NEGLIGIBLE_EPS}

NADAM_MOMENTUM_SCHEDULE = Divergence(
    id="nadam-momentum-schedule",
    differs=N_("NAdam's momentum follows mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)); torch and "
    "Paddle default to momentum_decay 0.004 (mu climbs from 0.45 towards 0.9 over thousands of steps), Keras's "
    "Nadam hard-codes 0.96 ** t (momentum_decay 1, mu near 0.9 within 100 steps). torch's momentum_decay=1 "
    "matches Keras exactly: no hand-written schedule is needed in this direction, but Keras cannot take "
    "torch's default (that would need a custom optimizer). tf.keras 2's Nadam (optimizer_v2) used torch's "
    "0.96 ** (0.004 t): checkpoints trained with it follow torch's default."),
    naive=(torch_side("NAdam", **NADAM_HYPER),
           keras_side("Nadam", learning_rate=2.0**-6, beta_1=0.875, beta_2=1 - 2.0**-10, epsilon=NEGLIGIBLE_EPS)),
    faithful=(torch_side("NAdam", **NADAM_HYPER, momentum_decay=1.0),
              keras_side("Nadam", learning_rate=2.0**-6, beta_1=0.875, beta_2=1 - 2.0**-10, epsilon=NEGLIGIBLE_EPS)),
    naive_mapping=N_("torch NAdam() (momentum_decay 0.004) for Keras Nadam(), the same other hyper-parameters"),
    faithful_mapping=N_("torch NAdam(momentum_decay=1.0): its schedule is then Keras's 0.96 ** t"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/nadam.py (u_t = beta_1 * "
    "(1.0 - 0.5 * ops.power(decay, local_step)), decay = 0.96); https://github.com/pytorch/pytorch/blob/main/"
    "torch/optim/nadam.py (mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))); tf.keras 2.0 "
    "tensorflow/python/keras/optimizer_v2/nadam.py (mu_t = beta_1 * (1 - 0.5 * 0.96 ** (0.004 * t)))",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.01),
)

OPTAX_NADAM_SCHEDULE = Divergence(
    id="optax-nadam-schedule",
    differs=N_("optax.nadam has no momentum schedule: its Nesterov look-ahead uses b1 at every step, with "
    "Adam's bias corrections 1 - b1 ** t. torch's NAdam reaches that with momentum_decay=inf "
    "(0.96 ** inf = 0); torch's default schedule (0.004) has no optax argument."),
    naive=(torch_side("NAdam", **NADAM_HYPER),
           optax_side("nadam", learning_rate=2.0**-6, b1=0.875, b2=1 - 2.0**-10, eps=NEGLIGIBLE_EPS)),
    faithful=(torch_side("NAdam", **NADAM_HYPER, momentum_decay=float("inf")),
              optax_side("nadam", learning_rate=2.0**-6, b1=0.875, b2=1 - 2.0**-10, eps=NEGLIGIBLE_EPS)),
    naive_mapping=N_("torch NAdam() (momentum_decay 0.004) for optax.nadam, the same other hyper-parameters"),
    faithful_mapping=N_("torch NAdam(momentum_decay=float('inf')): mu_t = beta1 at every step"),
    source="https://github.com/google-deepmind/optax/blob/main/optax/_src/transform.py (scale_by_adam, "
    "nesterov=True: b1 * bias_correction(mu, b1, t + 1) + (1 - b1) * bias_correction(g, b1, t))",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.01),
)

CLIP_SAMPLE = Sample(
    "grads-3-and-4",
    {"w0": [0.0], "b0": [0.0], "w_grads": [[3.0]], "b_grads": [[4.0]]},
)
"""One SGD step with lr 1 from zero: the parameters become minus the clipped gradients."""

TORCH_CLIPPED = Side("torch", implementation("torch", "optimizers.clipped_sgd"), {"lr": 1.0, "max_norm": 1.0})

CLIP_GRAD_NORM = Divergence(
    id="clip-grad-norm",
    differs=N_("torch's clip_grad_norm_ scales every gradient by one factor, max_norm / (global norm + 1e-6); "
    "Keras's clipnorm clips each variable by its own norm (global_clipnorm is torch's). Gradients 3 and 4 "
    "with max norm 1: torch (0.6, 0.8), Keras clipnorm (1, 1)."),
    naive=(TORCH_CLIPPED, Side("tensorflow", implementation("tensorflow", "optimizers.clipped_sgd"),
                               {"learning_rate": 1.0, "clipnorm": 1.0})),
    faithful=(TORCH_CLIPPED, Side("tensorflow", implementation("tensorflow", "optimizers.clipped_sgd"),
                                  {"learning_rate": 1.0, "global_clipnorm": 1.0})),
    naive_mapping=N_("Keras SGD(clipnorm=1.0) for torch clip_grad_norm_(max_norm=1.0)"),
    faithful_mapping=N_("Keras SGD(global_clipnorm=1.0); optax clip_by_global_norm is global too"),
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/base_optimizer.py "
    "(_clip_gradients: clipnorm clips each gradient, global_clipnorm uses clip_by_global_norm); "
    "https://github.com/pytorch/pytorch/blob/main/torch/nn/utils/clip_grad.py",
    sample=CLIP_SAMPLE,
    quantity="theta",
    shows=Difference("values", at=(0, 1), at_least=0.39),
)

PADDLE_CLIP_GRAD_BY_NORM = Divergence(
    id="paddle-clip-grad-by-norm",
    differs=N_("paddle.nn.ClipGradByNorm clips each gradient by its own norm; paddle.nn.ClipGradByGlobalNorm "
    "is torch's clip_grad_norm_ (without its + 1e-6). Gradients 3 and 4 with clip_norm 1: (1, 1) against (0.6, 0.8)."),
    naive=(TORCH_CLIPPED, Side("paddle", implementation("paddle", "optimizers.clipped_sgd"),
                               {"learning_rate": 1.0, "clip": "ClipGradByNorm", "clip_norm": 1.0})),
    faithful=(TORCH_CLIPPED, Side("paddle", implementation("paddle", "optimizers.clipped_sgd"),
                                  {"learning_rate": 1.0, "clip": "ClipGradByGlobalNorm", "clip_norm": 1.0})),
    naive_mapping=N_("paddle SGD(grad_clip=ClipGradByNorm(1.0)) for torch clip_grad_norm_(max_norm=1.0)"),
    faithful_mapping=N_("paddle SGD(grad_clip=ClipGradByGlobalNorm(1.0))"),
    source="https://github.com/PaddlePaddle/Paddle/blob/develop/python/paddle/nn/clip.py "
    "(ClipGradByNorm: per tensor; ClipGradByGlobalNorm: clip_norm / max(global_norm, clip_norm))",
    sample=CLIP_SAMPLE,
    quantity="theta",
    shows=Difference("values", at=(0, 1), at_least=0.39),
)

CLIP_NORM_EPSILON = Divergence(
    id="clip-norm-epsilon",
    differs=N_("torch's clip_grad_norm_ scales by max_norm / (norm + 1e-6); Keras's global_clipnorm, optax's "
    "clip_by_global_norm and Paddle's ClipGradByGlobalNorm by max_norm / norm. Negligible for norms far above "
    "1e-6; with gradients of size 1e-6 torch's clipped steps shrink by norm / (norm + 1e-6), about 0.75."),
    naive=(Side("torch", implementation("torch", "optimizers.clipped_sgd"), {"lr": 2.0**16, "max_norm": 2.0**-20}),
           Side("tensorflow", implementation("tensorflow", "optimizers.clipped_sgd"),
                {"learning_rate": 2.0**16, "global_clipnorm": 2.0**-20})),
    faithful=(Side("torch", implementation("torch", "optimizers.clipped_sgd"),
                   {"lr": 2.0**16, "max_norm": 2.0**-20, "cancel_epsilon": True}),
              Side("tensorflow", implementation("tensorflow", "optimizers.clipped_sgd"),
                   {"learning_rate": 2.0**16, "global_clipnorm": 2.0**-20})),
    naive_mapping=N_("torch clip_grad_norm_(max_norm) for Keras SGD(global_clipnorm=max_norm), gradients of size 1e-6"),
    faithful_mapping=N_("no argument removes the 1e-6: in torch, take get_total_norm and pass it less 1e-6 to "
    "clip_grads_with_norm_"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/utils/clip_grad.py (_clip_grads_with_norm_: "
    "clip_coef = max_norm / (total_norm + 1e-6))",
    # parameters of size 1, gradients of size 1e-6 and lr 2^16: steps of about 0.06
    sample=Sample("tiny-gradients", lambda rng: {
        "w0": rng.standard_normal((2, 3)), "b0": rng.standard_normal(3),
        "w_grads": 1e-6 * rng.standard_normal((STEPS, 2, 3)), "b_grads": 1e-6 * rng.standard_normal((STEPS, 3))}),
    quantity="theta",
    shows=Difference("values", at=None, at_least=0.05),
)

LR_SCHEDULE_EPOCHS = Divergence(
    id="lr-schedule-epochs",
    differs=N_("A torch scheduler changes the learning rate when scheduler.step() is called, usually once per "
    "epoch, so StepLR's step_size counts epochs; Keras schedules are evaluated at every optimiser step, so "
    "decay_steps counts batches. With 5 batches per epoch, step_size 2 means 10 optimiser steps in torch."),
    naive=(Side("torch", implementation("torch", "optimizers.epoch_scheduled_sgd"),
                {"step_size": 2, "steps_per_epoch": 5}),
           Side("tensorflow", implementation("tensorflow", "optimizers.staircase_sgd"), {"decay_steps": 2})),
    faithful=(Side("torch", implementation("torch", "optimizers.epoch_scheduled_sgd"),
                   {"step_size": 2, "steps_per_epoch": 5}),
              Side("tensorflow", implementation("tensorflow", "optimizers.staircase_sgd"), {"decay_steps": 10})),
    naive_mapping=N_("StepLR(step_size=2) stepped per epoch for ExponentialDecay(decay_steps=2, staircase=True)"),
    faithful_mapping=N_("decay_steps = step_size * batches per epoch = 10 (or call scheduler.step() every batch)"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/optim/lr_scheduler.py (StepLR: "
    "gamma ** (last_epoch // step_size), last_epoch counts step() calls); https://github.com/keras-team/keras/"
    "blob/master/keras/src/optimizers/schedules/learning_rate_schedule.py (ExponentialDecay.__call__(step))",
    sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-3, "gamma": 0.5}),
    quantity="theta",
    # equal for the first two steps (lr not yet decayed on either side), different from the third on
    shows=Difference("values", at=tuple(range(6, 3 * STEPS)), at_least=0.05),
)

TORCH_NADAM_FLOAT32_PRODUCT = Divergence(
    id="torch-nadam-float32-product",
    differs=N_("torch's NAdam keeps the running product of its momentum coefficients in a scalar tensor of "
    "torch's default dtype, float32 unless set: a float64 model carries float32 rounding into every step, "
    "about 1e-9 relative after 50 steps, a hundred times float64's rounding."),
    naive=(reference_side("nadam", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, momentum_decay=1.0),
           torch_side("NAdam", **NADAM_HYPER, momentum_decay=1.0)),
    faithful=(reference_side("nadam", **ADAM_HYPER, eps=NEGLIGIBLE_EPS, momentum_decay=1.0),
              Side("torch", implementation("torch", "optimizers.torch_trajectory_float64_state"),
                   {"optimizer": "NAdam", **NADAM_HYPER, "momentum_decay": 1.0})),
    naive_mapping=N_("torch NAdam on float64 parameters, default dtype float32"),
    faithful_mapping=N_("torch.set_default_dtype(torch.float64) while the optimiser steps"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/optim/nadam.py (state['mu_product'] = "
    "torch.ones((), dtype=_get_scalar_dtype())); torch/optim/optimizer.py (_get_scalar_dtype: float64 only "
    "when torch.get_default_dtype() is float64)",
    sample=Sample("gaussian-gradients", fed_gradients((3,))),
    dtype="float64",
    quantity="theta",
    shows=Difference("values", at=None, at_least=1e-11),
)

COSINE_AFTER_T_MAX = Divergence(
    id="cosine-after-t-max",
    differs=N_("Past T_max, torch's CosineAnnealingLR keeps following the cosine and climbs back to the initial "
    "learning rate at 2 T_max; Keras's CosineDecay and optax's cosine_decay_schedule stay at their floor "
    "(alpha * lr) once decay_steps is reached. Both agree up to T_max."),
    naive=(Side("torch", implementation("torch", "optimizers.scheduled_rates"), {"t_max": 20}),
           Side("tensorflow", implementation("tensorflow", "optimizers.scheduled_rates"), {"t_max": 20})),
    faithful=(Side("torch", implementation("torch", "optimizers.scheduled_rates"), {"t_max": STEPS}),
              Side("tensorflow", implementation("tensorflow", "optimizers.scheduled_rates"), {"t_max": STEPS})),
    naive_mapping=N_("CosineAnnealingLR(T_max=20) for CosineDecay(decay_steps=20) over 50 steps"),
    faithful_mapping=N_("T_max = decay_steps = the length of the run (or stop calling scheduler.step() at T_max)"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/optim/lr_scheduler.py (CosineAnnealingLR.get_lr: "
    "recursive form of eta_min + (lr - eta_min) (1 + cos(pi t / T_max)) / 2 for every t); "
    "https://github.com/keras-team/keras/blob/master/keras/src/optimizers/schedules/learning_rate_schedule.py "
    "(CosineDecay: global_step_recomp = ops.minimum(global_step_recomp, decay_steps))",
    sample=Sample("gaussian-gradients", fed_gradients((3,)), {"schedule": "cosine", "lr": 2.0**-3, "eta_min": 2.0**-8}),
    quantity="lr",
    # equal up to step 20, different from step 21 on (torch climbs, Keras stays at eta_min)
    shows=Difference("values", at=tuple(range(21, STEPS)), at_least=0.1),
)
