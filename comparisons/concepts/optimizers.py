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
from comparisons.registry import FRAMEWORKS, Concept, Sample, Tolerance, implementation, implementations, register
from reference import optimizers as ref

HYPER = {
    "sgd": {"lr": 2.0**-4},
    "sgd_momentum": {"lr": 2.0**-5, "momentum": 0.875},
    "nesterov": {"lr": 2.0**-5, "momentum": 0.875},
    "adagrad": {"lr": 2.0**-3, "eps": NEGLIGIBLE_EPS, "initial_accumulator_value": 0.125},
    "rmsprop": {"lr": 2.0**-6, "alpha": 0.875, "eps": NEGLIGIBLE_EPS},
    "adam": {"lr": 2.0**-6, "beta1": 0.875, "beta2": 1 - 2.0**-10, "eps": NEGLIGIBLE_EPS},
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
}
"""The update rule of each optimiser, for the report."""

SUMMARY = {
    "sgd": N_("Plain gradient descent, fed a sequence of 50 gradients."),
    "sgd_momentum": N_("Heavy-ball momentum: torch's buffer b = mu b + g against Keras's velocity v = mu v - lr g."),
    "nesterov": N_("Nesterov momentum: the step looks ahead along the momentum buffer."),
    "adagrad": N_("Adagrad: per-coordinate step lr / sqrt(sum of squared gradients)."),
    "rmsprop": N_("RMSprop: divide by a running root mean square of the gradients."),
    "adam": N_("Adam: bias-corrected moving averages of the gradient and its square."),
}

TRAJECTORY_TOLERANCE = {
    "float32": Tolerance(
        1e-6,
        1e-5,
        "the default float32 tolerance holds for whole 50-step trajectories: every update is a few "
        "roundings in a different order (torch forms Adam's bias corrections in Python float64, Keras "
        "in float32), and the contracting updates keep them from growing beyond a few ulp",
    ),
    "float64": Tolerance(
        1e-12,
        1e-10,
        "the default float64 tolerance: rounding accumulated over 50 steps stays far below 1e-10, "
        "once hyper-parameters are exact in float32 (Keras casts them through float32)",
    ),
}


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
}
"""Optimiser -> framework -> why no argument reproduces the reference's (torch's) epsilon placement."""


def fed_samples(name):
    def samples(rng):
        yield Sample(
            "gaussian-gradients",
            fed_gradients((2, 3)),
            dict(HYPER[name]),
            note=N_("a (2, 3) parameter fed 50 standard normal gradients; the update is element-wise"),
        )
        if "eps" in HYPER[name]:
            yield Sample(
                "eps-comparable",
                small_gradients(1e-3, (2, 3)),
                {**HYPER[name], "eps": 2.0**-10},
                skip=EPS_PLACEMENT.get(name, {}),
                note=N_("gradients of size 1e-3 and eps = 2^-10: eps is as large as the root it is added to, "
                "so its placement shows in every step"),
            )

    return samples


DIVERGENCES = {
    "adam": (catalog.ADAM_EPSILON, catalog.OPTAX_ADAM_EPS_ROOT),
    "rmsprop": (catalog.RMSPROP_EPSILON, catalog.OPTAX_RMSPROP_EPS_IN_SQRT, catalog.PADDLE_RMSPROP_DEFAULTS),
    "adagrad": (catalog.OPTAX_ADAGRAD_INITIAL_ACCUMULATOR, catalog.PADDLE_ADAGRAD_EPSILON),
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
            tolerance=TRAJECTORY_TOLERANCE,
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
            hyper = {**hyper, "lr": hyper["lr"] / 4} if name in ("rmsprop", "adam") else hyper
            yield Sample(name, problem(), {"optimizer": name, "steps": STEPS, "hyper": dict(hyper)})

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
