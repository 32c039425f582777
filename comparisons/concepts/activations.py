"""Activation concepts: element-wise non-linearities, softmax and their derivatives."""

import dataclasses

import numpy as np

from comparisons.divergences import activations as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
from reference import activations as ref

EXP_KERNELS_FLOAT32 = Tolerance(
    1e-7, 1e-6, N_("one exp (or tanh, erf) and one division in float32; libraries use different exp kernels")
)
SOFTMAX_GRADIENT_FLOAT32 = Tolerance(
    1e-6,
    1e-6,
    N_("exp kernels differ, and the gradients s (dout - sum(dout s)) and dout - s sum(dout) subtract "
    "float32 sums of size |dout|: an absolute error of a few ulp of |dout|, up to a few 1e-7"),
)


def _normal(*shape, scale=1.0):
    """A sample input drawer: standard normal of ``shape`` times ``scale``."""
    return lambda rng: {"x": scale * rng.standard_normal(shape)}


def random_samples(params=None, suffix=""):
    """The ordinary random inputs every activation is checked on: 1-D, 2-D and 3-D."""
    params = params or {}
    yield Sample(f"vector{suffix}", _normal(7), params)
    yield Sample(f"matrix{suffix}", _normal(4, 5, scale=3.0), params)
    yield Sample(f"tensor3d{suffix}", _normal(2, 3, 4, scale=3.0), params)
    yield Sample(f"empty{suffix}", _normal(2, 0), params, note=N_("an empty (2, 0) tensor: an empty result and gradient"))


def saturated(*magnitudes):
    """A fixed sample at x = 0 and +-m for every magnitude m."""
    values = [0.0] + [sign * m for m in magnitudes for sign in (1, -1)]
    return {"x": np.array(values)}


def at_zero(name, params=None, skip=None):
    """x = [-1.5, 0, 2]: the kink at exactly 0, where only the one-sided derivatives exist."""
    return Sample(
        name,
        {"x": np.array([-1.5, 0.0, 2.0])},
        params or {},
        skip={
            "finite-diff": N_("no derivative at exactly x = 0 (a kink); central differences average the two sides"),
            **(skip or {}),
        },
        note=N_("x exactly 0: frameworks take the derivative from the left there."),
    )


LEAKY_AT_ZERO_SKIP = {
    "jax": N_("jax.nn.leaky_relu takes the derivative 1 at exactly x = 0 (x >= 0), where torch and the reference "
              "take the slope; no argument changes it (catalog entry leaky-relu-grad-at-zero)"),
    "paddle": N_("Paddle's F.leaky_relu takes the derivative 1 at exactly x = 0 (x >= 0), where torch and the "
                 "reference take the slope; no argument changes it (catalog entry leaky-relu-grad-at-zero-paddle)"),
}


def sigmoid_samples(rng):
    yield from random_samples()
    yield Sample(
        "saturated",
        saturated(20.0, 100.0, 1000.0),
        note=N_("x = 0, +-20, +-100, +-1000: exp(100) overflows float32 in the naive formula."),
    )


def tanh_samples(rng):
    yield from random_samples()
    yield Sample("saturated", saturated(20.0, 100.0), note=N_("tanh saturates to +-1, gradient to 0."))


def relu_samples(rng):
    yield from random_samples()
    yield at_zero("at-zero")


def leaky_relu_samples(rng):
    for slope in (0.01, 0.2):
        yield from random_samples({"negative_slope": slope}, suffix=f"-slope{slope}")
    yield at_zero("at-zero-slope0.2", {"negative_slope": 0.2}, skip=LEAKY_AT_ZERO_SKIP)


def elu_samples(rng):
    yield from random_samples()
    yield Sample("alpha0.5", _normal(3, 4, scale=2.0), {"alpha": 0.5})
    yield Sample("large", saturated(30.0, 100.0), note=N_("exp(100) in the unused branch must not overflow."))


def softplus_samples(rng):
    yield from random_samples()
    yield Sample(
        "large",
        saturated(20.0, 100.0),
        note=N_("log(1 + exp(100)) overflows naively; torch returns x itself above its threshold 20."),
    )
    yield Sample("beta2", _normal(4, 5, scale=2.0), {"beta": 2.0},
                 note=N_("log(1 + exp(beta x)) / beta, sharper than beta = 1; TF and JAX have no beta: softplus(beta x) / beta"))
    yield Sample("beta-negative", _normal(7), {"beta": -1.0}, note=N_("beta = -1 gives -softplus(-x), as in torch"))
    yield Sample(
        "beta2-threshold5",
        {"x": np.array([-3.0, -1.0, 0.0, 1.0, 2.0, 2.4, 2.6, 4.0])},
        {"beta": 2.0, "threshold": 5.0},
        skip={
            "tensorflow": N_("tf.math.softplus has no threshold: above beta x = 5 it computes log1p(exp(beta x)) / beta, "
                             "not x (3.4e-3 apart at x = 2.6)"),
            "jax": N_("jax.nn.softplus has no threshold: above beta x = 5 it computes log1p(exp(beta x)) / beta, "
                      "not x (3.4e-3 apart at x = 2.6)"),
        },
        note=N_("above beta x = threshold torch and Paddle return x itself: x = 2.6 and 4 here"),
    )


def gelu_samples(rng):
    for approximate in ("none", "tanh"):
        yield from random_samples({"approximate": approximate}, suffix=f"-{approximate}")
        yield Sample(
            f"tails-{approximate}",
            {"x": np.array([-6.0, -3.0, 0.0, 3.0, 6.0])},
            {"approximate": approximate},
            note=N_("gelu(-3) = -0.00404969 exact, -0.00363739 with tanh."),
        )


SCALAR_SOFTMAX_SKIP = {
    "tensorflow": N_("tf.nn.softmax and tf.nn.log_softmax refuse a 0-d x (logits must have >= 1 dimension)"),
    "jax": N_("jax.nn.softmax and jax.nn.log_softmax refuse a 0-d x (axis -1 is out of bounds)"),
}


def softmax_samples(rng):
    yield Sample("vector", _normal(6))
    yield Sample("scalar", _normal(), skip=SCALAR_SOFTMAX_SKIP,
                 note=N_("a 0-d x is one logit: softmax 1, log-softmax 0, gradient 0, as in torch"))
    yield Sample("empty-axis", _normal(3, 0), note=N_("nothing along the axis: the empty result, as in torch"))
    yield Sample("empty-batch", _normal(0, 4), note=N_("no rows: the empty result"))
    yield Sample("matrix", _normal(4, 5, scale=3.0))
    yield Sample("tensor3d-axis1", _normal(2, 4, 3, scale=3.0), {"axis": 1}, note=N_("a non-last axis (NCHW channels)."))
    yield Sample("matrix-axis0", _normal(4, 5), {"axis": 0})
    for magnitude in (20.0, 100.0, 1000.0):
        yield Sample(
            f"large-logits-{magnitude:g}",
            {"x": np.array([[magnitude, 0.0, -magnitude, 1.0], [magnitude, magnitude - 1, 2.0, -magnitude]])},
            note=N_("exp of the logits overflows float32 from 89 on: only the max-shifted form is finite."),
        )


PADDLE_SOFTMAX_CLIP_SKIP = (
    N_("Paddle's CPU softmax kernel clips the max-shifted logits at -64: log-probabilities below -64 come out "
    "as -64 (catalog entry paddle-softmax-clip)")
)


def log_softmax_samples(rng):
    """The softmax samples; Paddle skips those whose logits span more than 64 within a row."""
    for sample in softmax_samples(rng):
        fixed = not callable(sample.inputs)
        if fixed and np.ptp(sample.inputs["x"], axis=sample.params.get("axis", -1)).max() > 64:
            sample = dataclasses.replace(sample, skip={**sample.skip, "paddle": PADDLE_SOFTMAX_CLIP_SKIP})
        yield sample


register(
    Concept(
        name="sigmoid",
        family="activations",
        summary=N_("Logistic sigmoid sigma(x) = 1 / (1 + exp(-x)) and its derivative sigma(1 - sigma)."),
        samples=sigmoid_samples,
        reference=(ref.sigmoid_forward, ref.sigmoid_backward),
        implementations=implementations("activations.sigmoid"),
        grad_wrt=("x",),
        tolerance={
            "float32": Tolerance(
                5e-7,
                1e-6,
                N_("one exp and one division in float32 with different exp kernels; the derivative "
                "sigma (1 - sigma) cancels where sigma is near 1: an absolute error of about "
                "ulp(1)/2 |dout|, up to 2.4e-7 for |dout| <= 4"),
            )
        },
        divergences=(catalog.SIGMOID_OVERFLOW,),
        tutorial=N_("The neuron's squashing function and its derivative sigma(1 - sigma)."),
        forward_math=r"\sigma(x) = \frac{1}{1 + e^{-x}}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \, \sigma(x)\,(1 - \sigma(x))",
    ),
    Concept(
        name="tanh",
        family="activations",
        summary=N_("Hyperbolic tangent and its derivative 1 - tanh^2."),
        samples=tanh_samples,
        reference=(ref.tanh_forward, ref.tanh_backward),
        implementations=implementations("activations.tanh"),
        grad_wrt=("x",),
        tolerance={
            "float32": Tolerance(
                2e-6,
                1e-5,
                N_("the derivative 1 - tanh^2 cancels where |tanh| is near 1: an absolute error of "
                "about 2 ulp(1) |dout|, up to 1e-6 for |dout| <= 4"),
            )
        },
        tutorial=N_("The hidden-layer activation of the shallow network tutorial."),
        forward_math=r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta\,(1 - \tanh^2 x)",
    ),
    Concept(
        name="relu",
        family="activations",
        summary=N_("Rectified linear unit max(x, 0); its derivative is taken as 0 at x = 0."),
        samples=relu_samples,
        reference=(ref.relu_forward, ref.relu_backward),
        implementations=implementations("activations.relu"),
        grad_wrt=("x",),
        divergences=(catalog.RELU_GRAD_AT_ZERO, catalog.JAX_RELU_MAXIMUM_GRAD),
        tutorial=N_("The hidden activation of deep networks: cheap, and no vanishing gradient for x > 0."),
        forward_math=r"\mathrm{relu}(x) = \max(x, 0)",
        backward_math=r"\frac{\partial L}{\partial x} = \delta\,[x > 0]",
    ),
    Concept(
        name="leaky_relu",
        family="activations",
        summary=N_("Leaky relu: x for x > 0, negative_slope * x otherwise (slope passed explicitly)."),
        samples=leaky_relu_samples,
        reference=(ref.leaky_relu_forward, ref.leaky_relu_backward),
        implementations=implementations("activations.leaky_relu"),
        grad_wrt=("x",),
        tolerance={
            ("float64", "tensorflow"): Tolerance(
                1e-12,
                1e-7,
                N_("tf.nn.leaky_relu stores alpha as a float32 op attribute: in float64 the slope "
                "0.01 becomes 0.0099999998, a relative error up to 3e-8 on the negative side"),
            )
        },
        divergences=(
            catalog.LEAKY_RELU_DEFAULT_SLOPE, catalog.LEAKY_RELU_GRAD_AT_ZERO, catalog.LEAKY_RELU_GRAD_AT_ZERO_PADDLE,
        ),
        tutorial=N_("A relu that keeps a small gradient for negative inputs."),
        forward_math=r"f(x) = \begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
    ),
    Concept(
        name="elu",
        family="activations",
        summary=N_("Exponential linear unit: x for x > 0, alpha (exp(x) - 1) otherwise."),
        samples=elu_samples,
        reference=(ref.elu_forward, ref.elu_backward),
        implementations=implementations("activations.elu"),
        grad_wrt=("x",),
        tolerance={
            ("float32", "tensorflow"): Tolerance(
                1e-6,
                1e-6,
                N_("TF's EluGrad computes exp(x) as elu(x) + 1, which cancels for x << 0: an "
                "absolute error of ulp(1) |dout|, a few 1e-7 (torch and the reference use exp(x))"),
            )
        },
        tutorial=N_("A smooth relu with negative outputs that pull the mean activation towards 0."),
        forward_math=r"f(x) = \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        backward_math=r"\frac{\partial L}{\partial x} = \delta \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
    ),
    Concept(
        name="softplus",
        family="activations",
        summary=N_("Softplus log(1 + exp(x)), the smooth relu whose derivative is the sigmoid."),
        samples=softplus_samples,
        reference=(ref.softplus_forward, ref.softplus_backward),
        implementations=implementations("activations.softplus"),
        grad_wrt=("x",),
        tolerance={"float32": EXP_KERNELS_FLOAT32},
        tutorial=N_("The smooth relu; also the stable form of log-sigmoid, -softplus(-x)."),
        forward_math=r"\mathrm{softplus}(x) = \tfrac{1}{\beta}\log(1 + e^{\beta x})"
        r"\ (x \text{ where } \beta x > \text{threshold})",
        backward_math=r"\frac{\partial L}{\partial x} = \delta\,\sigma(\beta x)\ (\delta \text{ where } \beta x > \text{threshold})",
    ),
    Concept(
        name="gelu",
        family="activations",
        summary=N_("Gaussian error linear unit x Phi(x), exact (erf) or with the tanh approximation."),
        samples=gelu_samples,
        reference=(ref.gelu_forward, ref.gelu_backward),
        implementations=implementations("activations.gelu"),
        grad_wrt=("x",),
        tolerance={
            "float32": Tolerance(
                2e-5,
                1e-5,
                N_("torch's float32 gelu computes x/2 (1 + erf(x/sqrt 2)) and the tanh form "
                "x/2 (1 + tanh(u)): both cancel for x << 0, an absolute error of |x|/2 ulp(1), "
                "about 4e-7 at x = -6 (the reference and TF's exact form use erfc). TF's float32 "
                "tanh (Eigen's rational approximation) returns exactly -1 for u <= -7.9, so between "
                "x = -5.5 and -4.85 its tanh gelu gradient is 0 instead of up to -4.4e-6 dout "
                "(1.3e-5 for |dout| = 3); the gelu-default difference (4e-4 at x = -3) stays visible"),
            ),
            ("float64", "tensorflow"): Tolerance(
                2e-8,
                2e-6,
                N_("tf.nn.gelu casts its constants 1/sqrt(2) and 0.044715 with math_ops.cast of a "
                "Python float, which makes a float32 tensor first: a relative error of 1.6e-8 in "
                "the erfc argument u, amplified about 2u^2 times in the tail (6e-7 at x = -6); the "
                "gradient Phi(x) + x phi(x) is a difference of two terms near 0.23 that cancel at "
                "x = -0.75, an absolute error up to 1e-8 |dout| there"),
            ),
        },
        divergences=(catalog.GELU_DEFAULT, catalog.FLOAT_DEFAULTS, catalog.JAX_GELU_DEFAULT),
        tutorial=N_("The transformer activation; the tanh form is the older, cheaper approximation."),
        forward_math=r"\mathrm{gelu}(x) = x\,\Phi(x) = \tfrac{x}{2}\big(1 + \mathrm{erf}(x/\sqrt{2})\big)"
        r"\approx \tfrac{x}{2}\big(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3))\big)",
        backward_math=r"\frac{\partial L}{\partial x} = \delta\,\big(\Phi(x) + x\,\varphi(x)\big)",
    ),
    Concept(
        name="softmax",
        family="activations",
        summary=N_("Softmax along an axis, max-shifted so that large logits do not overflow."),
        samples=softmax_samples,
        reference=(ref.softmax_forward, ref.softmax_backward),
        implementations=implementations("activations.softmax"),
        grad_wrt=("x",),
        tolerance={"float32": SOFTMAX_GRADIENT_FLOAT32},
        divergences=(catalog.SOFTMAX_OVERFLOW,),
        tutorial=N_("The output layer of the digits classifier: scores to class probabilities."),
        forward_math=r"s_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},\quad m = \max_j x_j",
        backward_math=r"\frac{\partial L}{\partial x_i} = s_i \Big(\delta_i - \sum_j \delta_j s_j\Big)",
    ),
    Concept(
        name="log_softmax",
        family="activations",
        summary=N_("Log-softmax along an axis by log-sum-exp: finite for logits of any size."),
        samples=log_softmax_samples,
        reference=(ref.log_softmax_forward, ref.log_softmax_backward),
        implementations=implementations("activations.log_softmax"),
        grad_wrt=("x",),
        tolerance={"float32": SOFTMAX_GRADIENT_FLOAT32},
        divergences=(catalog.PADDLE_SOFTMAX_CLIP,),
        tutorial=N_("The log-probabilities that cross-entropy is built from."),
        forward_math=r"\log s_i = (x_i - m) - \log \sum_j e^{x_j - m}",
        backward_math=r"\frac{\partial L}{\partial x_i} = \delta_i - s_i \sum_j \delta_j",
    ),
)
