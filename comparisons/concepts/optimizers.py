"""Optimiser concepts: the update rules of torch.optim and keras.optimizers, step by step.

Each optimiser (sgd, sgd_momentum, nesterov, adagrad, rmsprop, adam) is compared two
ways, always over 50 steps:

* ``<optimizer>``: fed the same sequence of gradients (an input array), which isolates
  the update rule;
* ``optimizer_quadratic`` and ``optimizer_mlp``: driven by their own gradients, on a
  convex quadratic and on a small tanh network (one sample per optimiser), where any
  difference in the update also changes every later gradient.

Hyper-parameters are exact in float32 (lr a power of two, momentum and beta1 0.875,
beta2 1 - 2**-10): Keras keeps the learning rate in a float32 variable and
``keras.ops.cast(0.9, "float64")`` converts the Python float to a float32 tensor
first, so 0.9 reaches a float64 update as 0.89999998 (catalog entry
keras-float32-hyperparameters).
"""

import numpy as np

from comparisons.divergences import optimizers as catalog
from comparisons.divergences.optimizers import NEGLIGIBLE_EPS, STEPS, fed_gradients, small_gradients
from comparisons.i18n import N_
from comparisons.registry import (
    DTYPES, FRAMEWORKS, Concept, Sample, Tolerance, implementation, implementations, register,
)
from reference import optimizers as ref

HYPER = {
    "sgd": {"lr": 2.0**-4},
    "sgd_momentum": {"lr": 2.0**-5, "momentum": 0.875},
    "nesterov": {"lr": 2.0**-5, "momentum": 0.875},
    "adagrad": {"lr": 2.0**-3, "eps": NEGLIGIBLE_EPS, "initial_accumulator_value": 0.125},
    "rmsprop": {"lr": 2.0**-6, "alpha": 0.875, "eps": NEGLIGIBLE_EPS},
    "adam": {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10, "eps": NEGLIGIBLE_EPS},
    "adamw": {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10, "eps": NEGLIGIBLE_EPS, "weight_decay": 0.25},
    # Adadelta's first steps are sqrt(eps) / sqrt(v + eps) * g: eps sets the step size and cannot be negligible.
    "adadelta": {"lr": 1.0, "rho": 0.875, "eps": 2.0**-20},
    # momentum_decay 1 is Keras's fixed schedule 0.96 ** t (torch's default 0.004 has its own samples).
    "nadam": {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10, "eps": NEGLIGIBLE_EPS, "momentum_decay": 1.0},
}
"""Hyper-parameters per optimiser, in the reference's (torch's) names."""

MATH = {
    "sgd": r"\theta_t = \theta_{t-1} - \eta\, g_t",
    "sgd_momentum": r"b_t = \mu b_{t-1} + g_t,\quad \theta_t = \theta_{t-1} - \eta\, b_t",
    "nesterov": r"b_t = \mu b_{t-1} + g_t,\quad \theta_t = \theta_{t-1} - \eta\,(g_t + \mu b_t)",
    "adagrad": r"s_t = s_{t-1} + g_t^2,\quad \theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{s_t} + \epsilon)",
    "rmsprop": r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad "
    r"\theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{v_t} + \epsilon)",
    "adam": r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\ v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\ "
    r"\theta_t = \theta_{t-1} - \eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}",
    "adamw": r"\theta' = (1 - \eta \lambda)\, \theta_{t-1},\quad "
    r"\theta_t = \theta' - \eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}",
    "adadelta": r"v_t = \rho v_{t-1} + (1-\rho) g_t^2,\ \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}"
    r"{\sqrt{v_t + \epsilon}}\, g_t,\ u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2,\ "
    r"\theta_t = \theta_{t-1} - \eta \Delta_t",
    "nadam": r"\mu_t = \beta_1 (1 - \tfrac12 0.96^{t \psi}),\ "
    r"\theta_t = \theta_{t-1} - \eta\, \frac{\frac{1-\mu_t}{1-\prod_{i \le t} \mu_i} g_t + "
    r"\frac{\mu_{t+1}}{1-\prod_{i \le t+1} \mu_i} m_t}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}",
}
"""The update rule of each optimiser, for the report."""

SUMMARY = {
    "sgd": N_("Plain gradient descent, fed a sequence of 50 gradients."),
    "sgd_momentum": N_("Heavy-ball momentum: torch's buffer b = mu b + g against Keras's velocity v = mu v - lr g."),
    "nesterov": N_("Nesterov momentum: the step looks ahead along the momentum buffer."),
    "adagrad": N_("Adagrad: per-coordinate step lr / sqrt(sum of squared gradients)."),
    "rmsprop": N_("RMSprop: divide by a running root mean square of the gradients."),
    "adam": N_("Adam: bias-corrected moving averages of the gradient and its square."),
    "adamw": N_("AdamW: Adam with the weight decay taken out of the gradient and applied to the weights."),
    "adadelta": N_("Adadelta: a step scaled by the running root mean square of past steps over that of the gradients."),
    "nadam": N_("NAdam: Adam with a Nesterov look-ahead on a momentum that follows a schedule."),
}

TRAJECTORY_TOLERANCE = {
    "float32": Tolerance(
        1e-6,
        1e-5,
        N_("the default float32 tolerance holds for whole 50-step trajectories: every update is a few "
        "roundings in a different order (torch forms Adam's bias corrections in Python float64, Keras "
        "in float32), and the contracting updates keep them from growing beyond a few ulp"),
    ),
    "float64": Tolerance(
        1e-12,
        1e-10,
        N_("the default float64 tolerance: rounding accumulated over 50 steps stays far below 1e-10, "
        "once hyper-parameters are exact in float32 (Keras casts them through float32)"),
    ),
}

NADAM_TOLERANCE = {
    **TRAJECTORY_TOLERANCE,
    ("float64", "torch"): Tolerance(
        1e-9,
        1e-8,
        N_("torch's NAdam keeps the running product of its momentum coefficients in a float32 tensor unless "
        "torch's default dtype is float64 (catalog entry torch-nadam-float32-product): a float64 run carries "
        "float32 rounding of that product, about 1e-9 relative after 50 steps"),
    ),
    ("float64", "tensorflow"): Tolerance(
        1e-8,
        1e-7,
        N_("Keras's Nadam casts its schedule constant 0.96 with ops.cast, through float32 (0.95999998): "
        "the momentum coefficients of a float64 run are off by about 2e-8 relative (the rule of catalog entry "
        "keras-float32-hyperparameters, for a constant no argument reaches)"),
    ),
}
"""NAdam's float64 trajectories: two frameworks hold part of the schedule in float32."""


EPS_PLACEMENT = {
    "adagrad": {
        "tensorflow": "Keras adds epsilon inside the square root, g / sqrt(s + eps): no setting moves it "
        "outside (catalog entry rmsprop-epsilon has the same rule)",
        "jax": "optax adds eps inside the square root, g * rsqrt(s + eps): no optax setting moves it outside "
        "(catalog entry optax-adagrad-initial-accumulator)",
    },
    "rmsprop": {
        "tensorflow": "Keras adds epsilon inside the square root, g / sqrt(v + eps) (catalog entry rmsprop-epsilon)",
        "paddle": "Paddle adds epsilon inside the square root (catalog entry paddle-rmsprop-defaults)",
    },
    "adam": {
        "tensorflow": "Keras adds epsilon to sqrt(v), not sqrt(v_hat): matching torch needs the step-dependent "
        "eps * sqrt(1 - beta2^t), which no constant argument gives (catalog entry adam-epsilon)",
    },
    "adamw": {
        "tensorflow": "Keras's AdamW adds epsilon to sqrt(v), not sqrt(v_hat), as its Adam: no constant "
        "argument gives torch's placement (catalog entry adam-epsilon)",
    },
}
"""Optimiser -> framework -> why no argument reproduces the reference's (torch's) epsilon placement."""


def fed_samples(name):
    def samples(rng):
        yield Sample(
            "gaussian-gradients",
            fed_gradients((2, 3)),
            dict(HYPER[name]),
            skip=NADAM_SCHEDULES.get(name, {}),
            note=N_("a (2, 3) parameter fed 50 standard normal gradients; the update is element-wise"),
        )
        if name == "nadam":
            yield from nadam_samples(rng)
        if "eps" in HYPER[name]:
            yield Sample(
                "eps-comparable",
                small_gradients(1e-3, (2, 3)),
                {**HYPER[name], "eps": 2.0**-10},
                skip={**EPS_PLACEMENT.get(name, {}), **NADAM_SCHEDULES.get(name, {})},
                note=N_("gradients of size 1e-3 and eps = 2^-10: eps is as large as the root it is added to, "
                "so its placement shows in every step"),
            )

    return samples


NADAM_SCHEDULES = {
    "nadam": {
        "jax": "optax's nadam has no momentum schedule (mu_t = b1 at every step, torch's momentum_decay = inf): "
        "no argument gives 0.96 ** (t * momentum_decay) (catalog entry optax-nadam-schedule)",
    },
}
"""Optimiser -> framework -> why it cannot run the concept's (scheduled) NAdam."""


def nadam_samples(rng):
    """NAdam under the three schedules that a framework can express: Keras's, optax's (none), torch's default."""
    no_keras = {"tensorflow": "Keras's Nadam schedule is fixed at 0.96 ** t, torch's momentum_decay = 1 "
                "(catalog entry nadam-momentum-schedule)"}
    yield Sample(
        "no-schedule",
        fed_gradients((2, 3)),
        {**HYPER["nadam"], "momentum_decay": float("inf")},
        skip=no_keras,
        note=N_("momentum_decay = inf: the momentum is beta1 at every step, as in optax's nadam"),
    )
    yield Sample(
        "torch-default-schedule",
        fed_gradients((2, 3)),
        {**HYPER["nadam"], "momentum_decay": 4e-3},
        skip={**no_keras, **NADAM_SCHEDULES["nadam"]},
        note=N_("torch's and Paddle's default momentum_decay 0.004: the momentum climbs from beta1 / 2 very slowly"),
    )


DIVERGENCES = {
    "adam": (catalog.ADAM_EPSILON, catalog.OPTAX_ADAM_EPS_ROOT),
    "rmsprop": (catalog.RMSPROP_EPSILON, catalog.OPTAX_RMSPROP_EPS_IN_SQRT, catalog.PADDLE_RMSPROP_DEFAULTS),
    "adagrad": (catalog.OPTAX_ADAGRAD_INITIAL_ACCUMULATOR, catalog.PADDLE_ADAGRAD_EPSILON,
                catalog.KERAS_ADAGRAD_DEFAULTS),
    "adamw": (catalog.ADAM_WEIGHT_DECAY, catalog.PADDLE_ADAM_WEIGHT_DECAY, catalog.ADAMW_DEFAULT_DECAY,
              catalog.OPTAX_ADAMW_DEFAULT_DECAY),
    "adadelta": (catalog.OPTIMIZER_DEFAULTS_2, catalog.PADDLE_ADADELTA_DEFAULTS),
    "nadam": (catalog.NADAM_MOMENTUM_SCHEDULE, catalog.OPTAX_NADAM_SCHEDULE, catalog.TORCH_NADAM_FLOAT32_PRODUCT),
    "sgd_momentum": (catalog.SGD_MOMENTUM, catalog.KERAS_FLOAT32_HYPERPARAMETERS),
}


for _name in HYPER:
    register(
        Concept(
            name=_name,
            family="optimizers",
            summary=SUMMARY[_name],
            samples=fed_samples(_name),
            reference=(getattr(ref, f"{_name}_trajectory"), None),
            implementations=implementations(f"optimizers.{_name}"),
            grad_wrt=(),
            tolerance=NADAM_TOLERANCE if _name == "nadam" else TRAJECTORY_TOLERANCE,
            tutorial=N_("The update step of gradient descent, theta := theta - alpha * dJ/dtheta."),
            forward_math=MATH[_name],
            divergences=DIVERGENCES.get(_name, ()),
            # The page shows the update rule and each optimiser's construction and step, not the driver.
            shown={
                "numpy": (getattr(ref, f"{_name}_step"), ref.fed_trajectory),
                **{
                    framework: (implementation(framework, f"optimizers.{_name}_optimizer"),
                                implementation(framework, "optimizers.fed_trajectory"))
                    for framework in FRAMEWORKS
                },
            },
        )
    )


def quadratic_problem(n=3):
    """A convex quadratic 1/2 theta^T A theta - b^T theta with A symmetric positive definite."""

    def draw(rng):
        m = rng.standard_normal((n, n))
        return {"theta0": rng.standard_normal(n), "a": m @ m.T / n + 0.5 * np.eye(n), "b": rng.standard_normal(n)}

    return draw


def mlp_problem(n=8, n_in=3, hidden=4):
    """Regression data and the initial weights of a 3-4-1 tanh network."""

    def draw(rng):
        return {
            "x": rng.standard_normal((n, n_in)),
            "y": rng.standard_normal((n, 1)),
            "w1": rng.standard_normal((hidden, n_in)) / np.sqrt(n_in),
            "b1": np.zeros(hidden),
            "w2": rng.standard_normal((1, hidden)) / np.sqrt(hidden),
            "b2": np.zeros(1),
        }

    return draw


def driven_samples(problem):
    def samples(rng):
        for name, hyper in HYPER.items():
            # Normalising optimisers near a minimum divide rounding noise by its own size: keep them away from it.
            hyper = {**hyper, "lr": hyper["lr"] / 4} if name in ("rmsprop", "adam", "adamw", "nadam") else hyper
            yield Sample(
                name,
                problem(),
                {"optimizer": name, "steps": STEPS, "hyper": dict(hyper)},
                skip=NADAM_SCHEDULES.get(name, {}),
                # torch and Keras hold part of NAdam's schedule in float32 (see the nadam concept's tolerance)
                dtypes=("float32",) if name == "nadam" else DTYPES,
            )

    return samples


register(
    Concept(
        name="optimizer_quadratic",
        family="optimizers",
        summary=N_("Each optimiser minimising a convex quadratic with its own gradients A theta - b (50 steps)."),
        samples=driven_samples(quadratic_problem),
        reference=(ref.quadratic_descent, None),
        implementations=implementations("optimizers.quadratic_descent"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial=N_("Gradient descent on a bowl-shaped cost: the loss falls step by step."),
        forward_math=r"f(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta,\quad \nabla f = A\theta - b",
    ),
    Concept(
        name="optimizer_mlp",
        family="optimizers",
        summary=N_("Each optimiser training a 3-4-1 tanh network on mean squared error, full batch (50 steps)."),
        samples=driven_samples(mlp_problem),
        reference=(ref.mlp_descent, None),
        implementations=implementations("optimizers.mlp_descent"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial=N_("The training loop: forward, cost, backward, update."),
        forward_math=r"\hat y = \tanh(x W_1^\top + b_1) W_2^\top + b_2,\quad L = \operatorname{mean}(\hat y - y)^2",
    ),
)


def clip_problem(scale, shapes=((2, 3), (3,))):
    """Two parameters (a weight and a bias) of size 1 and 50 gradients of each, of size ``scale``."""

    def draw(rng):
        w0, b0 = (rng.standard_normal(shape) for shape in shapes)
        return {"w0": w0, "b0": b0, "w_grads": scale * rng.standard_normal((STEPS, *shapes[0])),
                "b_grads": scale * rng.standard_normal((STEPS, *shapes[1]))}

    return draw


CLIP_EPSILON_SKIP = {
    framework: "torch's clip_grad_norm_ divides max_norm by norm + 1e-6, this framework by the norm alone: no "
    "argument adds the 1e-6 (catalog entry clip-norm-epsilon)"
    for framework in ("tensorflow", "jax", "paddle")
}


def clip_samples(rng):
    # The global norm of 9 standard normal entries is about 3: max_norm 3 clips about half of the steps.
    # lr * scale = 2^-4 in every sample: steps of about 0.1 on parameters of size 1.
    yield Sample(
        "large-gradients",
        clip_problem(2.0**17),
        {"lr": 2.0**-21, "max_norm": 3 * 2.0**17},
        note=N_("gradients of size 1.3e5, about half of the steps clipped: torch's + 1e-6 on the norm is "
        "negligible next to it at both precisions"),
    )
    yield Sample(
        "unit-gradients",
        clip_problem(1.0),
        {"lr": 2.0**-4, "max_norm": 3.0},
        dtypes=("float32",),
        note=N_("unit gradients: torch's + 1e-6 on a norm of 3 is 3e-7 relative, below float32 rounding "
        "(float32 only: float64 sees it)"),
    )
    yield Sample(
        "eps-comparable",
        clip_problem(1e-6),
        {"lr": 2.0**16, "max_norm": 2.0**-20},
        skip=CLIP_EPSILON_SKIP,
        note=N_("gradients of size 1e-6: torch's + 1e-6 on the norm shrinks every clipped step by about a quarter"),
    )


def schedule_samples(rng):
    lr = 2.0**-3
    schedules = (
        ("step", {"step_size": 10, "gamma": 0.5}, N_("lr halved every 10 optimiser steps (torch StepLR)")),
        ("exponential", {"gamma": 0.875}, N_("lr times 0.875 at every optimiser step (torch ExponentialLR)")),
        ("cosine", {"t_max": STEPS, "eta_min": 2.0**-8},
         N_("lr from 0.125 down a half cosine to 2^-8 over the 50 steps (torch CosineAnnealingLR)")),
    )
    for name, hyper, note in schedules:
        yield Sample(name, fed_gradients((2, 3)), {"schedule": name, "lr": lr, **hyper}, note=note)


register(
    Concept(
        name="clip_grad_norm",
        family="optimizers",
        summary=N_("Gradient clipping by the global norm of all gradients, before each SGD step (50 steps)."),
        samples=clip_samples,
        reference=(ref.clip_grad_norm_trajectory, None),
        implementations=implementations("optimizers.clip_grad_norm"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial=N_("Exploding gradients: rescale them when their norm grows too large."),
        forward_math=r"\|g\| = \sqrt{\textstyle\sum_i \|g_i\|^2},\quad "
        r"g_i \leftarrow g_i \min\!\left(1, \frac{c}{\|g\| + 10^{-6}}\right),\quad "
        r"\theta_i \leftarrow \theta_i - \eta g_i",
        divergences=(catalog.CLIP_GRAD_NORM, catalog.PADDLE_CLIP_GRAD_BY_NORM, catalog.CLIP_NORM_EPSILON),
        shown={
            "numpy": (ref.clip_grad_norm, ref.clip_grad_norm_trajectory),
            **{
                framework: (implementation(framework, "optimizers.clip_grad_norm_optimizer"),
                            implementation(framework, "optimizers.clip_grad_norm"))
                for framework in FRAMEWORKS
            },
        },
    ),
    Concept(
        name="lr_schedule",
        family="optimizers",
        summary=N_("Step, exponential and cosine learning-rate schedules driving SGD, one schedule step per update."),
        samples=schedule_samples,
        reference=(ref.lr_schedule_trajectory, None),
        implementations=implementations("optimizers.lr_schedule"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial=N_("Learning-rate decay: large steps first, small steps near the minimum."),
        forward_math=r"\eta_t = \eta \gamma^{\lfloor t / s \rfloor},\ \eta \gamma^t,\ "
        r"\eta_{\min} + (\eta - \eta_{\min}) \tfrac12 (1 + \cos(\pi t / T)),\quad \theta_t = \theta_{t-1} - \eta_t g_t",
        divergences=(catalog.LR_SCHEDULE_EPOCHS, catalog.COSINE_AFTER_T_MAX),
        shown={
            "numpy": (ref.step_lr, ref.exponential_lr, ref.cosine_lr, ref.lr_schedule_trajectory),
            **{
                framework: (implementation(framework, f"optimizers.{builder}"),
                            implementation(framework, "optimizers.lr_schedule"))
                for framework, builder in (("torch", "lr_scheduler"), ("tensorflow", "learning_rate_schedule"),
                                           ("jax", "learning_rate_schedule"), ("paddle", "learning_rate_schedule"))
            },
        },
    ),
)
