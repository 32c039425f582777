"""Broadcasting concepts: vectorised products and the neuron as a matrix product."""

from comparisons.registry import Concept, Sample, register, tf_impl, torch_impl
from reference import layers as ref


def _linear(n, n_in, n_out):
    """Draw x (n, n_in), w (n_out, n_in) and b (n_out,)."""

    def draw(rng):
        return {
            "x": rng.standard_normal((n, n_in)),
            "w": rng.standard_normal((n_out, n_in)) / n_in**0.5,
            "b": rng.standard_normal(n_out),
        }

    return draw


def linear_samples(rng):
    yield Sample("single-row", _linear(1, 3, 2))
    yield Sample("batch", _linear(8, 5, 4))
    yield Sample("wide", _linear(16, 64, 10), note="the digits classifier's output layer")


register(
    Concept(
        name="linear",
        family="broadcasting",
        summary="Fully connected layer out = x w^T + b: the neuron v = sum(x w) + b for a whole batch.",
        samples=linear_samples,
        reference=(ref.linear_forward, ref.linear_backward),
        torch=torch_impl("layers.linear"),
        tensorflow=tf_impl("layers.linear"),
        grad_wrt=("x", "w", "b"),
        seeds_tutorial="The neuron v = sum(x * w) + b, vectorised over a batch.",
        forward_math=r"\mathrm{out} = x W^\top + b",
        backward_math=r"dx = \delta W,\quad dW = \delta^\top x,\quad db = \textstyle\sum_n \delta_n",
    )
)
