"""Catalog entries of the optimiser concepts: where epsilon goes, momentum under a schedule, float32 hyper-parameters.

Every entry feeds one sequence of gradients to both sides and compares the parameter
trajectories, (50 steps, *theta.shape).
"""

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
    differs="torch adds eps to sqrt(v_hat) (the bias-corrected second moment); Keras adds epsilon to "
    "sqrt(v) and folds the bias correction into the learning rate, so the same number acts as "
    "eps * sqrt(1 - beta2**t) in torch's terms. Defaults: torch eps 1e-8, Keras 1e-7.",
    naive=trajectories("adam", eps=1e-7),
    faithful=trajectories("adam", eps=NEGLIGIBLE_EPS),
    naive_mapping="the same epsilon, 1e-7, on both sides, with gradients of size 1e-6",
    faithful_mapping="an epsilon negligible next to sqrt(v) on both sides (1e-30); no constant "
    "Keras epsilon equals torch's at every step",
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
    differs="torch divides by sqrt(v) + eps, Keras by sqrt(v + epsilon). Defaults differ too: torch "
    "alpha 0.99, eps 1e-8, lr 1e-2; Keras rho 0.9, epsilon 1e-7, lr 1e-3. Keras 3 starts the "
    "average of squares at 0 like torch (TF1's RMSPropOptimizer started it at 1).",
    naive=trajectories("rmsprop", eps=1e-7),
    faithful=trajectories("rmsprop", eps=NEGLIGIBLE_EPS),
    naive_mapping="alpha = rho = 0.875, the same lr, epsilon 1e-7 on both sides, gradients of size 1e-4",
    faithful_mapping="alpha = rho, the same lr, epsilon negligible on both sides (1e-30)",
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
    differs="torch accumulates raw gradients, b = mu b + g, and steps by lr * b; Keras accumulates "
    "scaled steps, v = mu v - lr g. The parameters are the same while lr is constant; when lr "
    "changes, torch applies the new lr to the whole history at once, Keras only to new gradients.",
    naive=tuple(
        Side(f, implementation(f, "optimizers.sgd_momentum_lr_halved"), {"from_step": LR_CHANGE_STEP})
        for f in ("torch", "tensorflow")
    ),
    faithful=trajectories("sgd_momentum"),
    naive_mapping="the same momentum and the same schedule (lr halved after 25 of 50 steps) on both sides",
    faithful_mapping="a constant learning rate (or rescale torch's buffer by lr_old / lr_new at a change)",
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
    differs="Keras optimisers cast Python hyper-parameters with keras.ops.cast, which makes a float32 "
    "tensor first: in a float64 run momentum 0.9 acts as 0.89999998 (and the learning rate is a "
    "float32 variable), a relative difference of 2.6e-8, far above float64 rounding.",
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
    naive_mapping="momentum 0.9 in float64 on both sides",
    faithful_mapping="hyper-parameters exact in float32 (momentum 0.875, lr a power of two)",
    source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/sgd.py "
    "(ops.cast(self.momentum, variable.dtype)); keras.ops.cast(0.9, 'float64') - 0.9 = -2.4e-8",
    sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-5}),
    dtype="float64",
    quantity="theta",
    shows=Difference("values", at=None, at_least=9e-8),  # from the second step on
)
