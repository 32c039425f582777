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
