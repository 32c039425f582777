"""Broadcasting concepts: broadcast arithmetic, matrix products and the neuron as a matrix product."""

import numpy as np

from comparisons.registry import Concept, Divergence, Sample, implementations, register
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


def normal_pair(shape_a, shape_b, names=("a", "b")):
    """A sample drawer: two standard normal operands of the given shapes."""
    return lambda rng: {names[0]: rng.standard_normal(shape_a), names[1]: rng.standard_normal(shape_b)}


def broadcast_samples(rng):
    for name, shape_a, shape_b, note in BROADCAST_SHAPES:
        yield Sample(name, normal_pair(shape_a, shape_b), note=f"a {shape_a}, b {shape_b}: {note}")


def matmul_samples(rng):
    yield Sample("matrix", normal_pair((3, 4), (4, 2)), note="(3, 4) @ (4, 2): each out[i, j] is a dot product")
    yield Sample("row-dot-column", normal_pair((1, 5), (5, 1)), note="the neuron's sum(x * w) as a (1, 1) product")
    yield Sample("batched", normal_pair((2, 3, 4), (2, 4, 5)), note="one product per leading index")
    yield Sample(
        "broadcast-batch",
        normal_pair((2, 1, 3, 4), (3, 4, 2)),
        note="batch axes (2, 1) and (3,) broadcast to (2, 3); db sums over the 2",
    )


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


# Divergences. Frameworks are imported inside the functions: listing concepts stays framework-free.


def numpy_vs_torch_float64_scalar(a, b, *, scale):
    """x * np.float64(s): NumPy promotes a float32 array to float64, torch keeps float32."""
    import torch

    return a * np.float64(scale), torch.from_numpy(a) * torch.tensor(scale, dtype=torch.float64)


def numpy_vs_torch_run_dtype_scalar(a, b, *, scale):
    """The scalar cast to the array's dtype first: both stay float32."""
    import torch

    return a * a.dtype.type(scale), torch.from_numpy(a) * scale


def numpy_dot_vs_torch_matmul(a, b):
    """np.dot on 3-d arrays contracts a's last axis with b's second-to-last, pairing every batch."""
    import torch

    return np.dot(a, b), torch.matmul(torch.from_numpy(a), torch.from_numpy(b))


def numpy_matmul_vs_torch_matmul(a, b):
    import torch

    return np.matmul(a, b), torch.matmul(torch.from_numpy(a), torch.from_numpy(b))


def _torch_linear_and_keras_dense(x, w, b, kernel):
    """torch.nn.Linear holding w, and a keras Dense layer holding ``kernel``, on the same x."""
    import keras
    import torch

    torch_layer = torch.nn.Linear(w.shape[1], w.shape[0], dtype=getattr(torch, str(x.dtype)))
    with torch.no_grad():
        torch_layer.weight.copy_(torch.from_numpy(w))
        torch_layer.bias.copy_(torch.from_numpy(b))
    dense = keras.layers.Dense(w.shape[0], dtype=str(x.dtype))
    dense.build((None, w.shape[1]))
    dense.set_weights([kernel, b])
    return torch_layer(torch.from_numpy(x)).detach(), dense(x)


def linear_weight_copied_as_is(x, w, b):
    return _torch_linear_and_keras_dense(x, w, b, kernel=w)


def linear_weight_transposed(x, w, b):
    return _torch_linear_and_keras_dense(x, w, b, kernel=w.T)  # torch (out, in) -> Keras (in, out)


FLOAT_DEFAULTS = Divergence(
    id="float-defaults",
    frameworks=("numpy", "torch"),
    differs="A float32 array times a NumPy float64 scalar becomes float64 in NumPy 2 (NEP 50: only Python "
    "scalars are 'weak'); torch treats any 0-d tensor as weak and keeps float32.",
    naive=numpy_vs_torch_float64_scalar,
    faithful=numpy_vs_torch_run_dtype_scalar,
    naive_mapping="a * np.float64(s) in NumPy against x * torch.tensor(s, dtype=float64) in torch",
    faithful_mapping="cast the scalar to the array's dtype (a * a.dtype.type(s)), or use a Python float",
    source="https://numpy.org/neps/nep-0050-scalar-promotion.html; "
    "https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc",
    sample=Sample("float32-times-float64-scalar", normal_pair((3, 4), (4,)), params={"scale": 0.1}),
    dtype="float32",
)

DOT_VS_MATMUL = Divergence(
    id="dot-vs-matmul",
    frameworks=("numpy", "torch"),
    differs="For 3-d operands np.dot(a, b) is a sum over a's last and b's second-to-last axis for every "
    "pair of batch indices (shape (2, 3, 2, 5)); torch.matmul and np.matmul multiply batch by batch "
    "(shape (2, 3, 5)). torch.dot only takes 1-d vectors.",
    naive=numpy_dot_vs_torch_matmul,
    faithful=numpy_matmul_vs_torch_matmul,
    naive_mapping="np.dot(a, b) against torch.matmul(a, b)",
    faithful_mapping="np.matmul(a, b) (the @ operator) against torch.matmul(a, b)",
    source="https://numpy.org/doc/stable/reference/generated/numpy.dot.html; "
    "https://pytorch.org/docs/stable/generated/torch.matmul.html",
    sample=Sample("batched-3d", normal_pair((2, 3, 4), (2, 4, 5))),
    dtype="float64",
)

DENSE_KERNEL_LAYOUT = Divergence(
    id="dense-kernel-layout",
    frameworks=("torch", "tensorflow"),
    differs="torch.nn.Linear stores weight as (out_features, in_features) and computes x w^T + b; "
    "keras.layers.Dense stores kernel as (input_dim, units) and computes x kernel + b.",
    naive=linear_weight_copied_as_is,
    faithful=linear_weight_transposed,
    naive_mapping="copy the torch weight into the Keras kernel unchanged (shapes fit when in == out)",
    faithful_mapping="kernel = weight.T",
    source="torch/nn/modules/linear.py (weight: (out_features, in_features)); "
    "keras/src/layers/core/dense.py (kernel shape (input_dim, self.units), ops.matmul(inputs, kernel))",
    sample=Sample("square-layer", _linear(4, 3, 3)),
    dtype="float64",
)

register(
    Concept(
        name="broadcast_add",
        family="broadcasting",
        summary="a + b with NumPy broadcasting; the backward pass sums the gradient over broadcast axes.",
        samples=broadcast_samples,
        reference=(ref.broadcast_add_forward, ref.broadcast_add_backward),
        implementations=implementations("broadcasting.broadcast_add"),
        grad_wrt=("a", "b"),
        tutorial="Vectorisation: adding a bias to every row without a loop, and the rank-1 pitfall.",
        forward_math=r"\mathrm{out}_{i} = a_{i \bmod A} + b_{i \bmod B}",
        backward_math=r"da = \textstyle\sum_{\text{axes } a \text{ was broadcast along}} \delta,\quad "
        r"db = \textstyle\sum_{\text{axes } b \text{ was broadcast along}} \delta",
    ),
    Concept(
        name="broadcast_mul",
        family="broadcasting",
        summary="Element-wise a * b with broadcasting (not the matrix product); gradients un-broadcast.",
        samples=broadcast_samples,
        reference=(ref.broadcast_mul_forward, ref.broadcast_mul_backward),
        implementations=implementations("broadcasting.broadcast_mul"),
        grad_wrt=("a", "b"),
        divergences=(FLOAT_DEFAULTS,),
        tutorial="x * w element by element, the first half of the neuron's sum(x * w).",
        forward_math=r"\mathrm{out}_{i} = a_{i \bmod A}\, b_{i \bmod B}",
        backward_math=r"da = \mathrm{unbroadcast}(\delta \odot b),\quad db = \mathrm{unbroadcast}(\delta \odot a)",
    ),
    Concept(
        name="matmul",
        family="broadcasting",
        summary="Matrix product a @ b, batched over broadcast leading axes; gradients for both operands.",
        samples=matmul_samples,
        reference=(ref.matmul_forward, ref.matmul_backward),
        implementations=implementations("broadcasting.matmul"),
        grad_wrt=("a", "b"),
        divergences=(DOT_VS_MATMUL,),
        tutorial="np.dot versus element-wise *: the neuron's sum(x * w) is one dot product.",
        forward_math=r"\mathrm{out}_{\dots ij} = \textstyle\sum_k a_{\dots ik}\, b_{\dots kj}",
        backward_math=r"da = \delta\, b^\top,\quad db = a^\top \delta \quad(\text{summed over broadcast batch axes})",
    ),
    Concept(
        name="linear",
        family="broadcasting",
        summary="Fully connected layer out = x w^T + b: the neuron v = sum(x w) + b for a whole batch.",
        samples=linear_samples,
        reference=(layers_ref.linear_forward, layers_ref.linear_backward),
        implementations=implementations("layers.linear"),
        grad_wrt=("x", "w", "b"),
        divergences=(DENSE_KERNEL_LAYOUT,),
        tutorial="The neuron v = sum(x * w) + b, vectorised over a batch.",
        forward_math=r"\mathrm{out} = x W^\top + b",
        backward_math=r"dx = \delta W,\quad dW = \delta^\top x,\quad db = \textstyle\sum_n \delta_n",
    ),
)
