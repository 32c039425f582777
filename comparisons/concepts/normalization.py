"""Normalisation concepts: scaling data column-wise before training, with gradients."""

import numpy as np

from comparisons.divergences import normalization as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, implementations, register
from reference import normalization as ref

DISCONTINUOUS = (
    N_("the scaling is discontinuous at a constant column: moving one entry by h makes the "
    "range (or std) of order h, and that entry's output jumps from 0 to +-1")
)
KINKED = N_("tied minima and maxima are kinks: moving one of the tied entries changes which one is the extreme")


def _normal(*shape):
    """Columns with different offsets and scales, as raw features have."""

    def draw(rng):
        columns = shape[1:] or (1,)
        offset = rng.uniform(-5, 5, size=columns).reshape(shape[1:])
        scale = rng.uniform(0.5, 4, size=columns).reshape(shape[1:])
        return {"x": offset + scale * rng.standard_normal(shape)}

    return draw


def _pixels(rng):
    """Integer grey levels 0..16 like the digits data set: ties at the min and max."""
    return {"x": rng.integers(0, 17, size=(8, 4)).astype(float)}


def _constant_column(rng):
    """A table whose middle column is exactly 2.5 (its mean and variance are computed exactly)."""
    x = rng.standard_normal((5, 3))
    x[:, 1] = 2.5
    return {"x": x}


def normalization_samples(rng):
    yield Sample("vector", _normal(8))
    yield Sample("table", _normal(6, 3))
    yield Sample("tensor3d", _normal(4, 2, 3))
    yield Sample("table-axis1", _normal(3, 5), {"axis": 1}, note=N_("statistics along the feature axis"))
    yield Sample(
        "integer-pixels",
        _pixels,
        skip={"finite-diff": KINKED},
        note=N_("ties at the extremes: every framework splits the gradient evenly among them"),
    )
    yield Sample(
        "constant-column",
        _constant_column,
        skip={"finite-diff": DISCONTINUOUS},
        note=N_("a constant column divides by zero; its scale is replaced by 1 and the column becomes 0"),
    )


def standardize_samples(rng):
    for sample in normalization_samples(rng):
        if sample.name == "integer-pixels":  # ties only matter for min and max
            sample = Sample(sample.name, sample.inputs, sample.params, note=N_("integer grey levels 0..16"))
        yield sample


register(
    Concept(
        name="min_max_normalize",
        family="normalization",
        summary=N_("Column-wise min-max scaling (x - min) / (max - min) to [0, 1]; constant columns become 0."),
        samples=normalization_samples,
        reference=(ref.min_max_normalize_forward, ref.min_max_normalize_backward),
        implementations=implementations("normalization.min_max_normalize"),
        grad_wrt=("x",),
        tutorial=N_("Scaling the inputs to [0, 1] before training (pixel values / 16 for the digits)."),
        forward_math=r"\hat x_{ij} = \frac{x_{ij} - \min_k x_{kj}}{\max_k x_{kj} - \min_k x_{kj}}",
        backward_math=r"dx = \frac{\delta}{s} + e_{\arg\min}\Big(\textstyle\sum_i \frac{\delta_i (\hat x_i - 1)}{s}\Big)"
        r" - e_{\arg\max}\textstyle\sum_i \frac{\delta_i \hat x_i}{s},\quad s = \max - \min",
    ),
    Concept(
        name="standardize",
        family="normalization",
        summary=N_("Column-wise z-score (x - mean) / std with the population std; constant columns become 0."),
        samples=standardize_samples,
        reference=(ref.standardize_forward, ref.standardize_backward),
        implementations=implementations("normalization.standardize"),
        grad_wrt=("x",),
        divergences=catalog.STANDARDIZE,
        tutorial=N_("Standardising features to mean 0 and variance 1 so gradient descent converges faster."),
        forward_math=r"z_{ij} = \frac{x_{ij} - \mu_j}{\sigma_j},\quad \sigma_j^2 = \tfrac{1}{N}\textstyle\sum_i (x_{ij} - \mu_j)^2",
        backward_math=r"dx = \frac{1}{\sigma}\Big(\delta - \overline{\delta} - z\,\overline{\delta z}\Big)",
    ),
)


def _vectors(*shape, scales=None):
    """Standard normal vectors, each row (along axis 0) scaled by ``scales`` when given."""

    def draw(rng):
        x = rng.standard_normal(shape)
        if scales is not None:
            x = x * np.reshape(scales, (-1,) + (1,) * (len(shape) - 1))
        return {"x": x}

    return draw


PADDLE_NORM_GRADIENT = (
    N_("Paddle's F.normalize differentiates its norm as x / (||x|| + epsilon), not x / ||x|| (catalog entry "
    "paddle-normalize-grad): off by a factor ||x|| / (||x|| + epsilon) where epsilon is not negligible")
)


def l2_normalize_samples(rng):
    yield Sample("matrix", _vectors(4, 5), note=N_("(N, features), normalised along axis 1 as torch's default"))
    yield Sample("vector", _vectors(6), {"axis": 0})
    yield Sample("tensor3d-last", _vectors(2, 3, 4), {"axis": -1})
    yield Sample("eps-1", _vectors(4, 3, scales=[0.05, 0.2, 3.0, 5.0]), {"eps": 1.0},
                 skip={"paddle": PADDLE_NORM_GRADIENT},
                 note=N_("rows shorter than eps are divided by eps, longer ones by their length"))
    yield Sample("tiny-vectors", _vectors(3, 4, scales=[1e-7, 3e-7, 1.0]),
                 skip={"finite-diff": N_("the difference step 1e-6 is larger than the vectors themselves (1e-7)"),
                       "paddle": PADDLE_NORM_GRADIENT},
                 note=N_("vectors of length about 1e-7, far above eps 1e-12: still scaled to length 1"))


register(
    Concept(
        name="l2_normalize",
        family="normalization",
        summary=N_("Scale every vector along an axis to unit Euclidean length: x / max(||x||, eps) (torch's F.normalize)."),
        samples=l2_normalize_samples,
        reference=(ref.l2_normalize_forward, ref.l2_normalize_backward),
        implementations=implementations("normalization.l2_normalize"),
        grad_wrt=("x",),
        divergences=(catalog.L2_NORMALIZE_EPS, catalog.PADDLE_NORMALIZE_GRAD),
        tutorial=N_("Unit-length embeddings before a cosine similarity or a contrastive loss."),
        forward_math=r"y = \frac{x}{\max(\lVert x \rVert_2, \epsilon)}",
        backward_math=r"dx = \frac{\delta - y\,(\delta \cdot y)}{\lVert x \rVert_2}\ \text{where}\ \lVert x \rVert_2 \ge \epsilon,\ \frac{\delta}{\epsilon}\ \text{elsewhere}",
    ),
)
