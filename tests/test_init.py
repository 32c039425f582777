"""Init family: fans, intended laws and the deterministic checks of a draw."""

import numpy as np
import pytest

from comparisons.concepts import init as concepts
from reference import init as ref

SCHEMES = sorted(ref.SCHEMES)


@pytest.mark.parametrize(
    "shape, expected",
    [((64, 32), (32, 64)), ((16, 8, 3, 3), (72, 144)), ((4, 2, 5), (10, 20))],
)
def test_fans_in_torch_layout(shape, expected):
    assert ref.fans(shape) == expected


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ref.fans((5,))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_intended_variances_follow_the_papers(scheme):
    """Glorot: Var = 2 / (fan_in + fan_out); He: Var = 2 / fan_in (both for uniform and normal)."""
    expected = {
        "glorot_uniform": 2 / (32 + 64), "glorot_normal": 2 / (32 + 64),
        "he_uniform": 2 / 32, "he_normal": 2 / 32, "small_normal": 1e-4, "uniform_pm1": 1 / 3,
    }[scheme]
    assert ref.intended(scheme, 32, 64).std ** 2 == pytest.approx(expected)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_draw_passes_every_check(scheme, dtype):
    for sample in concepts.init_samples(scheme)(None):
        out, _ = ref.init_forward(np.zeros(0, dtype), **sample.params)
        assert out["std_ok"] == out["bound_ok"] == out["ks_pass"] == 1.0


@pytest.mark.parametrize("scheme", SCHEMES)
def test_checks_reject_a_draw_twice_too_wide(scheme):
    fan_in, fan_out = 32, 64
    law, rng = ref.intended(scheme, fan_in, fan_out), np.random.default_rng(0)
    draw = rng.uniform(-1, 1, 2048) if law.distribution == "uniform" else rng.standard_normal(2048)
    w = 2 * law.scale * draw
    facts = ref.describe(w, scheme, fan_in, fan_out)
    assert facts["std_ok"] == 0.0 and facts["ks_pass"] == 0.0


@pytest.mark.parametrize("scheme", ["glorot_uniform", "he_normal"])
@pytest.mark.parametrize("n", [size for _, shape, _ in concepts.SHAPES for size in [int(np.prod(shape))]])
@pytest.mark.parametrize("widen", [1.0, 1.05, 1.1])
def test_kolmogorov_smirnov_by_hand_agrees_with_scipy(scheme, n, widen):
    """The distance exactly; the p-value (Kolmogorov's limit law) within 2 % of scipy's exact one
    from a tenth of the test's level up, and the same decision everywhere."""
    from scipy import stats

    law = ref.intended(scheme, 32, 64)
    frozen = stats.uniform(-law.scale, 2 * law.scale) if law.distribution == "uniform" else stats.norm(0, law.scale)
    for seed in range(20):
        w = widen * frozen.rvs(size=n, random_state=np.random.default_rng(seed))
        expected = stats.kstest(w, frozen.cdf, method="exact")
        d = ref.ks_statistic(w, law.cdf)
        assert d == pytest.approx(expected.statistic, abs=1e-15)
        pvalue = ref.ks_pvalue(d, n)
        assert (pvalue > ref.KS_ALPHA) == (expected.pvalue > ref.KS_ALPHA)
        if expected.pvalue > ref.KS_ALPHA / 10:
            assert pvalue == pytest.approx(expected.pvalue, rel=0.02)


@pytest.mark.parametrize("n", [1152, 2048])
@pytest.mark.parametrize("pvalue", [0.5, 0.1, 1e-2, 3e-3, ref.KS_ALPHA, 3e-4])
def test_kolmogorov_smirnov_pvalue_at_scipys_quantiles(n, pvalue):
    from scipy import stats

    assert ref.ks_pvalue(stats.kstwo.isf(pvalue, n), n) == pytest.approx(pvalue, rel=0.02)


def test_checks_reject_a_truncated_normal_bound_too_small():
    w = np.clip(np.random.default_rng(0).standard_normal(2048), -2, 2) * np.sqrt(2 / 32)
    facts = ref.describe(w, "he_uniform", 32, 64)  # a uniform bound of sqrt(6/32) is never reached
    assert facts["bound_ok"] == 0.0


def test_describe_returns_float64_numbers():
    out = ref.describe(np.zeros(10, np.float32) + 0.1, "uniform_pm1", 2, 5)
    assert all(np.asarray(v).dtype == np.float64 and np.ndim(v) == 0 for v in out.values())


@pytest.mark.parametrize("scheme", SCHEMES)
def test_torch_and_keras_fans_agree_with_reference(scheme):
    from framework_impls.tf_impl.init import keras_shape
    from keras.src.initializers.random_initializers import compute_fans
    from torch import empty, nn

    for _, shape, _ in concepts.SHAPES:
        assert nn.init._calculate_fan_in_and_fan_out(empty(shape)) == ref.fans(shape)
        assert tuple(map(int, compute_fans(keras_shape(shape)))) == ref.fans(shape)
