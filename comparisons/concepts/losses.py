"""Cost concepts: the losses the tutorials train with."""

from comparisons.registry import Concept, Sample, Tolerance, register, tf_impl, torch_impl
from reference import losses as ref


def _probabilities(*shape):
    """Draw p strictly inside (0.02, 0.98) and targets in {0, 1}."""

    def draw(rng):
        return {
            "p": rng.uniform(0.02, 0.98, size=shape),
            "y": rng.integers(0, 2, size=shape).astype(float),
        }

    return draw


def bce_samples(rng):
    for reduction in ("none", "mean", "sum"):
        yield Sample(f"batch-{reduction}", _probabilities(8), {"reduction": reduction})
    yield Sample("matrix-mean", _probabilities(4, 3), {"reduction": "mean"})
    yield Sample("tensor3d-sum", _probabilities(2, 3, 2), {"reduction": "sum"})


register(
    Concept(
        name="binary_cross_entropy",
        family="losses",
        summary="Cross-entropy of predicted probabilities p against 0/1 targets y.",
        samples=bce_samples,
        reference=(ref.binary_cross_entropy_forward, ref.binary_cross_entropy_backward),
        torch=torch_impl("losses.binary_cross_entropy"),
        tensorflow=tf_impl("losses.binary_cross_entropy"),
        grad_wrt=("p",),
        tolerance={
            "float32": Tolerance(
                1e-6, 1e-5, "log and division in float32; the gradient 1/(p(1-p)) amplifies rounding near 0 and 1"
            ),
            "float64": Tolerance(
                1e-12,
                1e-9,
                "Keras computes log(1 - p) as log(1 - p), not log1p(-p): a relative "
                "error of eps / (1 - p) in float64",
            ),
        },
        seeds_tutorial="The cross-entropy cost of logistic regression.",
        forward_math=r"L = -\big(y \log p + (1 - y) \log(1 - p)\big)",
        backward_math=r"\frac{\partial L}{\partial p} = \delta\,\frac{p - y}{p\,(1 - p)}",
    )
)
