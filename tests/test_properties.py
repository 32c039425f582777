"""Property-based: no witness pair disagrees on any valid conv or pooling parameter combination.

Hypothesis draws the shapes and hyper-parameters; the harness runs every witness
(numpy, torch, tensorflow, jax, paddle, finite-diff) on them in the witness workers,
exactly as for a registered sample.
Broadcastable shape pairs are covered the same way in tests/test_broadcasting.py.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comparisons import harness
from comparisons.agreement import AGREE
from comparisons.registry import Sample, load_all
from comparisons.witnesses import FRAMEWORKS, ONNX

WITNESSES = {"numpy", "finite-diff", *(n for n, f in FRAMEWORKS.items() if n != ONNX and (f.required or not f.missing_reason()))}
"""NumPy, finite differences, the required frameworks and the optional ones that are installed: all must take part."""

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def assert_no_witness_disagrees(concept_name, inputs, params, pool):
    """Every pair of every witness agrees on every quantity: none disagrees, errs or is skipped."""
    concept = load_all()[concept_name]
    sample = Sample("generated", inputs, params)
    for dtype in ("float64", "float32"):
        records = harness.run_sample(concept, sample, dtype, 0, pool).records
        assert {r.witness_a for r in records} | {r.witness_b for r in records} == WITNESSES
        bad = [r for r in records if r.verdict != AGREE]
        assert not bad, "\n".join(
            f"{params} {dtype} {r.witness_a}~{r.witness_b} {r.quantity}: {r.verdict} {r.detail}" for r in bad
        )


def paddings(kernel):
    """Every padding form of the reference; explicit amounts at most half the kernel (torch's pooling rule)."""
    small = st.integers(0, kernel // 2)
    return st.one_of(
        small, st.tuples(small, small), st.tuples(st.tuples(small, small), st.tuples(small, small)),
        st.sampled_from(["valid", "same"]),
    )


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = draw(st.integers(1, 2))
    stride = draw(st.integers(1, 2))
    padding = draw(paddings(min(kernel)))
    reach = [(k - 1) * dilation + 1 for k in kernel]
    size = (draw(st.integers(reach[0], 7)), draw(st.integers(reach[1], 7)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    inputs = {
        "x": rng.standard_normal((draw(st.integers(1, 2)), c_in, *size)),
        "w": rng.standard_normal((c_out, c_in // groups, *kernel)),
        "b": rng.standard_normal(c_out),
    }
    return inputs, {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@st.composite
def pool_cases(draw, average):
    kernel = draw(st.integers(1, 3))
    padding = draw(paddings(kernel))
    if average and padding == "same":
        padding = 0  # torch's avg_pool2d has no 'same'; the rule itself is checked on conv and max pooling
    params = {"kernel_size": kernel, "stride": draw(st.integers(1, 3)), "padding": padding}
    if average:
        params["count_include_pad"] = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    size = (draw(st.integers(kernel, 7)), draw(st.integers(kernel, 7)))
    return {"x": rng.standard_normal((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size))}, params


@SETTINGS
@given(conv_cases())
def test_conv2d_agrees_on_generated_parameters(pool, case):
    assert_no_witness_disagrees("conv2d", *case, pool)


@SETTINGS
@given(pool_cases(average=False))
def test_max_pool2d_agrees_on_generated_parameters(pool, case):
    assert_no_witness_disagrees("max_pool2d", *case, pool)


@SETTINGS
@given(pool_cases(average=True))
def test_avg_pool2d_agrees_on_generated_parameters(pool, case):
    assert_no_witness_disagrees("avg_pool2d", *case, pool)
