"""Initialisation concepts: Glorot/Xavier and He, uniform and normal, for dense and conv kernels.

Concepts ``<scheme>_init`` for the schemes of :data:`reference.init.SCHEMES`:
``glorot_uniform_init``, ``glorot_normal_init``, ``he_uniform_init``,
``he_normal_init``, and the seed tutorials' ``small_normal_init`` (randn * 0.01) and
``uniform_pm1_init`` (uniform in [-1, 1]).

NumPy, PyTorch and Keras each draw from their own random stream, so the draws differ;
what is compared is deterministic: the fans each framework computes for the same
shape, and pass/fail flags of the draw against the intended law (standard deviation
within 5 standard errors, the uniform bound reached within 2 % and never exceeded,
Kolmogorov-Smirnov at alpha = 1e-3). Every framework draws with a fixed seed, so the
flags are the same on every run; a flag that flips is a real difference in the law.
"""

import numpy as np

from comparisons.divergences import init as catalog
from comparisons.divergences.init import SEED
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, implementations, register
from reference import init as ref

SHAPES = (
    ("dense", (64, 32), N_("a dense weight (out=64, in=32): fan_in 32, fan_out 64")),
    ("conv", (16, 8, 3, 3), N_("a conv kernel (out=16, in=8, 3x3): fan_in 8*9 = 72, fan_out 16*9 = 144")),
)

SUMMARY = {
    "glorot_uniform": N_("Glorot/Xavier uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out))."),
    "glorot_normal": N_("Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)), untruncated as in torch."),
    "he_uniform": N_("He/Kaiming uniform: U(-b, b), b = sqrt(6 / fan_in), for ReLU layers."),
    "he_normal": N_("He/Kaiming normal: N(0, 2 / fan_in), untruncated as in torch."),
    "small_normal": N_("The tutorials' small random weights: np.random.randn(...) * 0.01."),
    "uniform_pm1": N_("The tutorials' uniform weights in [-1, 1]."),
}

MATH = {
    "glorot_uniform": r"W \sim U\!\left(-\sqrt{\tfrac{6}{n_{in}+n_{out}}},\ \sqrt{\tfrac{6}{n_{in}+n_{out}}}\right)",
    "glorot_normal": r"W \sim \mathcal N\!\left(0,\ \tfrac{2}{n_{in}+n_{out}}\right)",
    "he_uniform": r"W \sim U\!\left(-\sqrt{\tfrac{6}{n_{in}}},\ \sqrt{\tfrac{6}{n_{in}}}\right)",
    "he_normal": r"W \sim \mathcal N\!\left(0,\ \tfrac{2}{n_{in}}\right)",
    "small_normal": r"W \sim 0.01\,\mathcal N(0, 1)",
    "uniform_pm1": r"W \sim U(-1, 1)",
}


def init_samples(scheme):
    def samples(rng):
        for name, shape, note in SHAPES:
            yield Sample(name, {"like": np.zeros(0)}, {"scheme": scheme, "shape": shape, "seed": SEED}, note=note)

    return samples


DIVERGENCES = {"glorot_uniform": (catalog.DEFAULT_INIT,), "glorot_normal": (catalog.TRUNCATED_NORMAL,)}


for _scheme in ref.SCHEMES:
    register(
        Concept(
            name=f"{_scheme}_init",
            family="init",
            summary=SUMMARY[_scheme],
            samples=init_samples(_scheme),
            reference=(ref.init_forward, None),
            implementations=implementations("init.init"),
            grad_wrt=(),
            tutorial=N_("Random initialisation breaks symmetry; its scale decides whether signals vanish."),
            forward_math=MATH[_scheme],
            divergences=DIVERGENCES.get(_scheme, ()),
        )
    )
