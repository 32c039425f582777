"""Weight initialisation in NumPy: fans, the intended distributions, and checks of a draw.

Shapes are in PyTorch's layout: a dense weight is (out, in), a conv kernel
(out_channels, in_channels, kh, kw). Keras stores (in, out) and (kh, kw, in, out); the
fans are the same numbers.

Initialisation is random, and each framework has its own random stream, so the
comparison is about what each framework *intends*: the fans it computes, and whether
its draws pass a test against the intended distribution (:func:`describe`).
"""

import math
from dataclasses import dataclass

import numpy as np

from reference import checks

KS_ALPHA = 1e-3
"""Significance level of the Kolmogorov-Smirnov test of a draw against its intended law."""

SCHEMES = {
    # name: (distribution, scale from (fan_in, fan_out)): the bound of U(-b, b) or the std of N(0, s^2)
    "glorot_uniform": ("uniform", lambda fan_in, fan_out: np.sqrt(6.0 / (fan_in + fan_out))),
    "glorot_normal": ("normal", lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out))),
    "he_uniform": ("uniform", lambda fan_in, fan_out: np.sqrt(6.0 / fan_in)),
    "he_normal": ("normal", lambda fan_in, fan_out: np.sqrt(2.0 / fan_in)),
    "small_normal": ("normal", lambda fan_in, fan_out: 0.01),
    "uniform_pm1": ("uniform", lambda fan_in, fan_out: 1.0),
}
"""Initialisation scheme -> (distribution, scale). Glorot/Xavier keeps the variance of
activations and gradients (2 / (fan_in + fan_out)); He doubles it for ReLU (2 / fan_in);
``small_normal`` is the tutorials' ``np.random.randn(n, m) * 0.01`` and ``uniform_pm1``
their uniform draw in [-1, 1]."""


def fans(shape):
    """(fan_in, fan_out) of a weight in PyTorch's layout.

    Dense (out, in): (in, out). Conv (out, in, *kernel): in * prod(kernel) and
    out * prod(kernel): every kernel position is a connection.

    Raises
    ------
    ValueError
        Naming ``shape`` when it has fewer than 2 dimensions or a size that is not a
        positive int (a fan of 0 would divide by zero).
    """
    if len(shape) < 2:
        raise ValueError(f"shape must have at least 2 dimensions (out, in, *kernel) for fans, got {tuple(shape)}")
    if not all(isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size > 0 for size in shape):
        raise ValueError(f"shape must hold positive ints, got {tuple(shape)}")
    receptive = int(np.prod(shape[2:], dtype=np.int64))
    return shape[1] * receptive, shape[0] * receptive


@dataclass(frozen=True)
class Law:
    """The intended distribution of one weight: U(-scale, scale) or N(0, scale^2)."""

    distribution: str
    scale: float

    @property
    def std(self) -> float:
        """b / sqrt(3) for U(-b, b), s for N(0, s^2)."""
        return self.scale / math.sqrt(3) if self.distribution == "uniform" else self.scale

    def cdf(self, x):
        """P(W <= x), elementwise: (x + b) / 2b clipped to [0, 1], or (1 + erf(x / (s sqrt 2))) / 2."""
        x = np.asarray(x, dtype=np.float64)
        if self.distribution == "uniform":
            return np.clip((x + self.scale) / (2 * self.scale), 0.0, 1.0)
        return 0.5 * (1.0 + _erf(x / (self.scale * math.sqrt(2))).astype(np.float64))


_erf = np.frompyfunc(math.erf, 1, 1)


def intended(scheme, fan_in, fan_out):
    """The intended distribution of one weight of a scheme at these fans.

    Raises
    ------
    ValueError
        Naming ``scheme`` when it is not a key of :data:`SCHEMES`, ``fan_in`` or
        ``fan_out`` when not positive.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {tuple(SCHEMES)}, got {scheme!r}")
    checks.positive(fan_in, "fan_in")
    checks.positive(fan_out, "fan_out")
    distribution, scale = SCHEMES[scheme]
    return Law(distribution, scale(fan_in, fan_out))


def ks_statistic(w, cdf):
    r"""Kolmogorov-Smirnov distance between the empirical law of ``w`` and ``cdf``.

    With the draws sorted, :math:`D = \max_i \max(i/n - F(w_{(i)}),\ F(w_{(i)}) - (i-1)/n)`:
    the empirical CDF jumps by 1/n at each draw, so the largest gap is at a jump, from above
    or below.
    """
    w = np.sort(np.asarray(w, dtype=np.float64).ravel())
    n = w.size
    f = cdf(w)
    steps = np.arange(1, n + 1) / n
    return float(max((steps - f).max(), (f - (steps - 1 / n)).max()))


def ks_pvalue(d, n):
    r"""P(D_n >= d) for ``n`` draws from the law tested, by Kolmogorov's limit law.

    :math:`\sqrt n D_n` tends to the Kolmogorov distribution,
    :math:`P(K > \lambda) = 2 \sum_{k \ge 1} (-1)^{k-1} e^{-2 k^2 \lambda^2}`; Stephens'
    :math:`\lambda = d(\sqrt n + 0.12 + 0.11 / \sqrt n)` makes it accurate from a few
    dozen draws. Below :math:`\lambda = 1.18` that series converges slowly, and Jacobi's
    form of the CDF, :math:`\frac{\sqrt{2\pi}}{\lambda} \sum_{k \ge 1} e^{-(2k-1)^2 \pi^2 / (8 \lambda^2)}`,
    quickly; seven terms of either reach double precision.
    """
    lam = d * (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n))
    if lam <= 0:
        return 1.0
    k = np.arange(1, 8)
    if lam < 1.18:
        return float(1.0 - math.sqrt(2 * math.pi) / lam * np.exp(-((2 * k - 1) ** 2) * math.pi**2 / (8 * lam**2)).sum())
    return float(min(1.0, 2 * np.sum((-1.0) ** (k - 1) * np.exp(-2 * k**2 * lam**2))))


def describe(w, scheme, fan_in, fan_out):
    """Deterministic facts about one draw ``w`` of a scheme, as float64 numbers.

    Returns
    -------
    dict
        ``fan_in``, ``fan_out``: as given (the framework's own). ``std_ok``: 1 when the
        sample standard deviation is within 5 standard errors of the intended one
        (relative standard error sqrt(1 / (2 n)) for a normal law, sqrt(0.8 / (4 n)) for
        a uniform one). ``bound_ok``: uniform: 1 when every |w| <= b and max |w| > 0.98 b
        (the bound is the intended one within 2 %); normal: 1 when max |w| < 6 s.
        ``ks_pass``: 1 when the Kolmogorov-Smirnov test does not reject the intended law
        at :data:`KS_ALPHA`.

    Raises
    ------
    ValueError
        Naming ``w`` when it is empty, and the arguments as :func:`intended` does.
    """
    w = np.asarray(w, dtype=np.float64).ravel()
    n = w.size
    if n == 0:
        raise ValueError("w must hold at least one draw, got an empty array")
    law = intended(scheme, fan_in, fan_out)
    s = law.scale
    relative_se = np.sqrt(1 / (2 * n)) if law.distribution == "normal" else np.sqrt(0.8 / (4 * n))
    std_ok = abs(w.std() / law.std - 1) < 5 * relative_se
    peak = np.abs(w).max()
    # float32 rounding can put a draw a half-ulp beyond b
    bound_ok = (0.98 * s < peak <= s * (1 + 1e-6)) if law.distribution == "uniform" else peak < 6 * s
    ks_pass = ks_pvalue(ks_statistic(w, law.cdf), n) > KS_ALPHA
    facts = {"fan_in": fan_in, "fan_out": fan_out, "std_ok": std_ok, "bound_ok": bound_ok, "ks_pass": ks_pass}
    return {name: np.float64(value) for name, value in facts.items()}


def init_forward(like, *, scheme, shape, seed):
    """Draw a weight of ``shape`` with NumPy and describe it.

    Parameters
    ----------
    like : ndarray, shape (0,)
        Carries only the run's dtype: the weight is drawn in float64 and cast to it.
    scheme : str
        A key of :data:`SCHEMES`.
    shape : tuple of int
        PyTorch layout.
    seed : int

    Returns
    -------
    out : dict
        :func:`describe` of the draw.
    cache : None

    Raises
    ------
    ValueError
        Naming ``like`` when its dtype is not floating, ``seed`` when it is not a
        non-negative int, ``shape`` as :func:`fans` does and ``scheme`` as :func:`intended`.
    """
    if not np.issubdtype(like.dtype, np.floating):
        raise ValueError(f"like must have a floating dtype (the run's), got {like.dtype}")
    checks.count(seed, "seed")
    rng = np.random.default_rng(seed)
    fan_in, fan_out = fans(shape)
    law = intended(scheme, fan_in, fan_out)
    s = law.scale
    w = rng.uniform(-s, s, shape) if law.distribution == "uniform" else s * rng.standard_normal(shape)
    return describe(w.astype(like.dtype), scheme, fan_in, fan_out), None
