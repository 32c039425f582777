"""Broadcasting concepts: broadcast arithmetic, matrix products and the neuron as a matrix product."""

from comparisons.divergences import broadcasting as catalog
from comparisons.divergences.broadcasting import linear_inputs, normal_pair
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, implementations, register
from reference import broadcasting as ref
from reference import layers as layers_ref

BROADCAST_SHAPES = (
    ("same-shape", (3, 4), (3, 4), "no broadcasting: the gradient passes through unchanged"),
    ("row-vector", (3, 4), (4,), "b is added to every row; db sums dout over the rows"),
    ("column", (3, 4), (3, 1), "b of shape (3, 1) is repeated along the columns; db keeps its size-1 axis"),
    ("rank1-pitfall", (5,), (5, 1), "(5,) against (5, 1) is a (5, 5) table, not 5 element-wise results"),
    ("scalar", (3, 4), (), "a 0-d operand receives the sum of the whole upstream gradient"),
    ("size1-both-sides", (4, 1, 3), (1, 5, 1), "both operands are stretched, along different axes"),
    ("leading-axes", (2, 3, 4, 5), (4, 5), "b gains two leading axes; db sums over them"),
)
"""(name, shape of a, shape of b, what the sample shows) for broadcast_add and broadcast_mul."""


def broadcast_samples(rng):
    for name, shape_a, shape_b, note in BROADCAST_SHAPES:
        yield Sample(name, normal_pair(shape_a, shape_b), note=f"a {shape_a}, b {shape_b}: {note}")


def matmul_samples(rng):
    yield Sample("matrix", normal_pair((3, 4), (4, 2)), note=N_("(3, 4) @ (4, 2): each out[i, j] is a dot product"))
    yield Sample("row-dot-column", normal_pair((1, 5), (5, 1)), note=N_("the neuron's sum(x * w) as a (1, 1) product"))
    yield Sample("batched", normal_pair((2, 3, 4), (2, 4, 5)), note=N_("one product per leading index"))
    yield Sample(
        "broadcast-batch",
        normal_pair((2, 1, 3, 4), (3, 4, 2)),
        note=N_("batch axes (2, 1) and (3,) broadcast to (2, 3); db sums over the 2"),
    )
    yield Sample("vector-dot-vector", normal_pair((5,), (5,)),
                 note=N_("(5,) @ (5,): NumPy's rule makes a row times a column, the 0-d dot product"))
    yield Sample("vector-matrix", normal_pair((4,), (4, 3)), note=N_("a 1-D a is a row (1, 4); the result drops that axis"))
    yield Sample("matrix-vector", normal_pair((3, 4), (4,)), note=N_("a 1-D b is a column (4, 1); the result drops that axis"))
    yield Sample("vector-batched", normal_pair((4,), (2, 4, 3)), note=N_("a 1-D a against a batch of matrices: (2, 3)"))
    yield Sample("batched-vector", normal_pair((2, 3, 4), (4,)), note=N_("a batch of matrices times one vector: (2, 3)"))


def linear_samples(rng):
    yield Sample("single-row", linear_inputs(1, 3, 2))
    yield Sample("batch", linear_inputs(8, 5, 4))
    yield Sample("wide", linear_inputs(16, 64, 10), note=N_("the digits classifier's output layer"))
    yield Sample("unbatched", linear_inputs((), 5, 3), note=N_("x of shape (in,): one sample, out of shape (out,)"))
    yield Sample("sequence", linear_inputs((2, 3), 5, 4), note=N_("x (N, T, in): every leading axis is a batch axis"))
    yield Sample("shared-bias", linear_inputs(4, 5, 3, bias_shape=(1,)),
                 note=N_("b of shape (1,): one bias for every unit, broadcast; db sums over the units too"))
    yield Sample("empty-batch", linear_inputs(0, 5, 3), note=N_("no rows: an empty output, dw and db zero"))


register(
    Concept(
        name="broadcast_add",
        family="broadcasting",
        summary=N_("a + b with NumPy broadcasting; the backward pass sums the gradient over broadcast axes."),
        samples=broadcast_samples,
        reference=(ref.broadcast_add_forward, ref.broadcast_add_backward),
        implementations=implementations("broadcasting.broadcast_add"),
        grad_wrt=("a", "b"),
        tutorial=N_("Vectorisation: adding a bias to every row without a loop, and the rank-1 pitfall."),
        forward_math=r"\mathrm{out}_{i} = a_{i \bmod A} + b_{i \bmod B}",
        backward_math=r"da = \textstyle\sum_{\text{axes } a \text{ was broadcast along}} \delta,\quad "
        r"db = \textstyle\sum_{\text{axes } b \text{ was broadcast along}} \delta",
    ),
    Concept(
        name="broadcast_mul",
        family="broadcasting",
        summary=N_("Element-wise a * b with broadcasting (not the matrix product); gradients un-broadcast."),
        samples=broadcast_samples,
        reference=(ref.broadcast_mul_forward, ref.broadcast_mul_backward),
        implementations=implementations("broadcasting.broadcast_mul"),
        grad_wrt=("a", "b"),
        divergences=(catalog.FLOAT_DEFAULTS,),
        tutorial=N_("x * w element by element, the first half of the neuron's sum(x * w)."),
        forward_math=r"\mathrm{out}_{i} = a_{i \bmod A}\, b_{i \bmod B}",
        backward_math=r"da = \mathrm{unbroadcast}(\delta \odot b),\quad db = \mathrm{unbroadcast}(\delta \odot a)",
    ),
    Concept(
        name="matmul",
        family="broadcasting",
        summary=N_("Matrix product a @ b, batched over broadcast leading axes; gradients for both operands."),
        samples=matmul_samples,
        reference=(ref.matmul_forward, ref.matmul_backward),
        implementations=implementations("broadcasting.matmul"),
        grad_wrt=("a", "b"),
        divergences=(catalog.DOT_VS_MATMUL, catalog.JAX_X64),
        tutorial=N_("np.dot versus element-wise *: the neuron's sum(x * w) is one dot product."),
        forward_math=r"\mathrm{out}_{\dots ij} = \textstyle\sum_k a_{\dots ik}\, b_{\dots kj}",
        backward_math=r"da = \delta\, b^\top,\quad db = a^\top \delta \quad(\text{summed over broadcast batch axes})",
    ),
    Concept(
        name="linear",
        family="broadcasting",
        summary=N_("Fully connected layer out = x w^T + b: the neuron v = sum(x w) + b for a whole batch."),
        samples=linear_samples,
        reference=(layers_ref.linear_forward, layers_ref.linear_backward),
        implementations=implementations("layers.linear"),
        grad_wrt=("x", "w", "b"),
        divergences=(catalog.DENSE_KERNEL_LAYOUT, catalog.PADDLE_LINEAR_LAYOUT),
        tutorial=N_("The neuron v = sum(x * w) + b, vectorised over a batch."),
        forward_math=r"\mathrm{out} = x W^\top + b",
        backward_math=r"dx = \delta W,\quad dW = \delta^\top x,\quad db = \textstyle\sum_n \delta_n",
    ),
)
