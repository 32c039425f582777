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

from comparisons.registry import Concept, Divergence, Sample, Tolerance, implementations, register
from reference import optimizers as ref

STEPS = 50
NEGLIGIBLE_EPS = 1e-30
"""Epsilon small enough that where it is added (to sqrt(v) in torch, inside the root in
Keras, to sqrt(v_hat) or sqrt(v) in Adam) changes nothing at either precision; the
catalog entries adam-epsilon and rmsprop-epsilon show the defaults, where it does."""

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
    "sgd": "Plain gradient descent, fed a sequence of 50 gradients.",
    "sgd_momentum": "Heavy-ball momentum: torch's buffer b = mu b + g against Keras's velocity v = mu v - lr g.",
    "nesterov": "Nesterov momentum: the step looks ahead along the momentum buffer.",
    "adagrad": "Adagrad: per-coordinate step lr / sqrt(sum of squared gradients).",
    "rmsprop": "RMSprop: divide by a running root mean square of the gradients.",
    "adam": "Adam: bias-corrected moving averages of the gradient and its square.",
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


def fed_gradients(shape=(3,)):
    """theta0 and 50 standard normal gradients of the parameter's shape."""
    return lambda rng: {"theta0": rng.standard_normal(shape), "grads": rng.standard_normal((STEPS, *shape))}


def fed_samples(name):
    def samples(rng):
        yield Sample(
            "gaussian-gradients",
            fed_gradients((2, 3)),
            dict(HYPER[name]),
            note="a (2, 3) parameter fed 50 standard normal gradients; the update is element-wise",
        )

    return samples


def framework_trajectories(name, theta0, grads, torch_hyper, keras_hyper, torch_lr_at=None, keras_lr=None):
    """The parameter trajectory of torch.optim and of keras.optimizers for one fed gradient sequence.

    ``torch_lr_at(step)`` and ``keras_lr`` (a Keras schedule) change the learning rate
    during the run; by default it stays constant.
    """
    from comparisons.backends import WITNESSES
    from framework_impls.tf_impl import optimizers as keras_side

    torch, tf = WITNESSES["torch"].framework, WITNESSES["tensorflow"].framework
    from framework_impls.torch_impl import optimizers as torch_side

    theta = torch.tensor(theta0).requires_grad_(True)
    optimizer = torch_side.OPTIMIZERS[name]([theta], **torch_hyper)
    torch_rows = []
    for step, g in enumerate(grads):
        if torch_lr_at is not None:
            optimizer.param_groups[0]["lr"] = torch_lr_at(step)
        theta.grad = torch.tensor(g)
        optimizer.step()
        torch_rows.append(theta.detach().numpy().copy())
    if keras_lr is not None:
        keras_hyper = {**keras_hyper, "lr": keras_lr}
    keras_theta = keras_side.fed_trajectory(name, tf.constant(theta0), tf.constant(grads), **keras_hyper)["theta"]
    return np.stack(torch_rows), keras_theta.numpy()


def small_gradients(scale, shape=(3,)):
    """theta0 and 50 gradients of size ``scale``: small enough for epsilon to matter."""
    return lambda rng: {"theta0": rng.standard_normal(shape), "grads": scale * rng.standard_normal((STEPS, *shape))}


def _eps(name, torch_eps, keras_eps):
    def pair(theta0, grads, **hyper):
        return framework_trajectories(name, theta0, grads, {**hyper, "eps": torch_eps}, {**hyper, "eps": keras_eps})

    return pair


def _lr_schedule(theta0, grads, *, lr, momentum):
    """Halve the learning rate after 25 steps, in torch (param_groups) and in Keras (a schedule)."""
    import keras

    halved = keras.optimizers.schedules.PiecewiseConstantDecay([25], [lr, lr / 2])
    hyper = {"lr": lr, "momentum": momentum}
    return framework_trajectories("sgd_momentum", theta0, grads, hyper, hyper,
                                  torch_lr_at=lambda step: lr if step < 25 else lr / 2, keras_lr=halved)


def _constant_lr(theta0, grads, *, lr, momentum):
    hyper = {"lr": lr, "momentum": momentum}
    return framework_trajectories("sgd_momentum", theta0, grads, hyper, hyper)


def _momentum_in_float64(momentum):
    def pair(theta0, grads, *, lr):
        from comparisons.backends import WITNESSES
        from framework_impls.tf_impl import optimizers as keras_side

        tf = WITNESSES["tensorflow"].framework
        reference = ref.sgd_momentum_trajectory(theta0, grads, lr=lr, momentum=momentum)[0]["theta"]
        keras_theta = keras_side.sgd_momentum(tf.constant(theta0), tf.constant(grads), lr=lr, momentum=momentum)
        return reference, keras_theta["theta"].numpy()

    return pair


DIVERGENCES = {
    "adam": (
        Divergence(
            id="adam-epsilon",
            frameworks=("torch", "tensorflow"),
            differs="torch adds eps to sqrt(v_hat) (the bias-corrected second moment); Keras adds epsilon to "
            "sqrt(v) and folds the bias correction into the learning rate, so the same number acts as "
            "eps * sqrt(1 - beta2**t) in torch's terms. Defaults: torch eps 1e-8, Keras 1e-7.",
            naive=_eps("adam", 1e-7, 1e-7),
            faithful=_eps("adam", NEGLIGIBLE_EPS, NEGLIGIBLE_EPS),
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
        ),
    ),
    "rmsprop": (
        Divergence(
            id="rmsprop-epsilon",
            frameworks=("torch", "tensorflow"),
            differs="torch divides by sqrt(v) + eps, Keras by sqrt(v + epsilon). Defaults differ too: torch "
            "alpha 0.99, eps 1e-8, lr 1e-2; Keras rho 0.9, epsilon 1e-7, lr 1e-3. Keras 3 starts the "
            "average of squares at 0 like torch (TF1's RMSPropOptimizer started it at 1).",
            naive=_eps("rmsprop", 1e-7, 1e-7),
            faithful=_eps("rmsprop", NEGLIGIBLE_EPS, NEGLIGIBLE_EPS),
            naive_mapping="alpha = rho = 0.875, the same lr, epsilon 1e-7 on both sides, gradients of size 1e-4",
            faithful_mapping="alpha = rho, the same lr, epsilon negligible on both sides (1e-30)",
            source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/rmsprop.py (denominator "
            "= velocity + epsilon; increment = lr * gradient / sqrt(denominator)); "
            "https://github.com/pytorch/pytorch/blob/main/torch/optim/rmsprop.py (avg = square_avg.sqrt().add_(eps))",
            sample=Sample("small-gradients", small_gradients(1e-4), {"lr": 2.0**-6, "alpha": 0.875}),
            quantity="theta",
        ),
    ),
    "sgd_momentum": (
        Divergence(
            id="sgd-momentum",
            frameworks=("torch", "tensorflow"),
            differs="torch accumulates raw gradients, b = mu b + g, and steps by lr * b; Keras accumulates "
            "scaled steps, v = mu v - lr g. The parameters are the same while lr is constant; when lr "
            "changes, torch applies the new lr to the whole history at once, Keras only to new gradients.",
            naive=_lr_schedule,
            faithful=_constant_lr,
            naive_mapping="the same momentum and the same schedule (lr halved after 25 of 50 steps) on both sides",
            faithful_mapping="a constant learning rate (or rescale torch's buffer by lr_old / lr_new at a change)",
            source="https://github.com/pytorch/pytorch/blob/main/torch/optim/sgd.py (buf.mul_(momentum)."
            "add_(grad); param.add_(buf, alpha=-lr)); https://github.com/keras-team/keras/blob/master/keras/src/"
            "optimizers/sgd.py (m = m * momentum - gradient * learning_rate; variable += m)",
            sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-5, "momentum": 0.875}),
            quantity="theta",
        ),
        Divergence(
            id="keras-float32-hyperparameters",
            frameworks=("numpy", "tensorflow"),
            differs="Keras optimisers cast Python hyper-parameters with keras.ops.cast, which makes a float32 "
            "tensor first: in a float64 run momentum 0.9 acts as 0.89999998 (and the learning rate is a "
            "float32 variable), a relative difference of 2.6e-8, far above float64 rounding.",
            naive=_momentum_in_float64(0.9),
            faithful=_momentum_in_float64(0.875),
            naive_mapping="momentum 0.9 in float64 on both sides",
            faithful_mapping="hyper-parameters exact in float32 (momentum 0.875, lr a power of two)",
            source="https://github.com/keras-team/keras/blob/master/keras/src/optimizers/sgd.py "
            "(ops.cast(self.momentum, variable.dtype)); keras.ops.cast(0.9, 'float64') - 0.9 = -2.4e-8",
            sample=Sample("gaussian-gradients", fed_gradients((3,)), {"lr": 2.0**-5}),
            dtype="float64",
            quantity="theta",
        ),
    ),
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
            tutorial="The update step of gradient descent, theta := theta - alpha * dJ/dtheta.",
            forward_math=MATH[_name],
            divergences=DIVERGENCES.get(_name, ()),
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
        summary="Each optimiser minimising a convex quadratic with its own gradients A theta - b (50 steps).",
        samples=driven_samples(quadratic_problem),
        reference=(ref.quadratic_descent, None),
        implementations=implementations("optimizers.quadratic_descent"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial="Gradient descent on a bowl-shaped cost: the loss falls step by step.",
        forward_math=r"f(\theta) = \tfrac12 \theta^\top A \theta - b^\top \theta,\quad \nabla f = A\theta - b",
    ),
    Concept(
        name="optimizer_mlp",
        family="optimizers",
        summary="Each optimiser training a 3-4-1 tanh network on mean squared error, full batch (50 steps).",
        samples=driven_samples(mlp_problem),
        reference=(ref.mlp_descent, None),
        implementations=implementations("optimizers.mlp_descent"),
        grad_wrt=(),
        tolerance=TRAJECTORY_TOLERANCE,
        tutorial="The training loop: forward, cost, backward, update.",
        forward_math=r"\hat y = \tanh(x W_1^\top + b_1) W_2^\top + b_2,\quad L = \operatorname{mean}(\hat y - y)^2",
    ),
)
