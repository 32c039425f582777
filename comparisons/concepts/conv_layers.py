"""Convolution-family layers where ports break: transposed convolution, adaptive pooling, flatten then dense.

Kept apart from ``convolution.py`` (conv2d and the fixed-window pools); the family is the same.
"""

from comparisons.concepts.convolution import _image
from comparisons.divergences import conv_layers as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
from reference import conv as ref_conv
from reference import flatten as ref_flatten
from reference import pooling as ref_pool

TF_NO_DILATION = N_("TensorFlow's CPU Conv2DBackpropInput (tf.nn.conv2d_transpose, Keras Conv2DTranspose) refuses dilation > 1")


def _transpose(n, c_in, hw, c_out, kernel, groups=1):
    """Draw x (n, c_in, *hw), w (c_in, c_out / groups, *kernel) scaled by 1/sqrt(fan_in), b (c_out,)."""

    def draw(rng):
        fan_in = c_in // groups * kernel[0] * kernel[1]
        return {
            "x": rng.standard_normal((n, c_in, *hw)),
            "w": rng.standard_normal((c_in, c_out // groups, *kernel)) / fan_in**0.5,
            "b": rng.standard_normal(c_out),
        }

    return draw


def conv_transpose2d_samples(rng):
    yield Sample("basic", _transpose(2, 3, (4, 4), 2, (3, 3)), {})
    yield Sample("stride2", _transpose(2, 3, (4, 5), 4, (3, 3)), {"stride": 2})
    yield Sample(
        "stride2-pad1-outpad1", _transpose(2, 3, (4, 5), 4, (3, 3)), {"stride": 2, "padding": 1, "output_padding": 1},
        note=N_("the usual torch up-sampling by 2: output exactly twice the input, one row cropped at the start"),
    )
    yield Sample(
        "same-stride2", _transpose(2, 3, (4, 5), 4, (3, 3)), {"stride": 2, "padding": "same"},
        note=N_("Keras Conv2DTranspose(padding='same'): output twice the input, the odd row cropped at the end"),
    )
    yield Sample("same-stride2-k4", _transpose(1, 3, (3, 4), 2, (4, 4)), {"stride": 2, "padding": "same"})
    yield Sample("valid-k4-stride2", _transpose(2, 2, (3, 3), 3, (4, 4)), {"stride": 2, "padding": "valid"})
    yield Sample("rect-kernel-pair", _transpose(2, 3, (4, 3), 2, (3, 2)), {"stride": (2, 1), "padding": (1, 0)})
    yield Sample(
        "asymmetric-padding-outpad", _transpose(1, 2, (3, 4), 3, (3, 3)),
        {"stride": 2, "padding": ((1, 0), (0, 2)), "output_padding": 1},
        note=N_("((top, bottom), (left, right)) = ((1, 0), (0, 2)): torch crops the full result with F.pad"),
    )
    yield Sample(
        "kernel-below-stride", _transpose(1, 2, (3, 3), 2, (1, 2)), {"stride": 3, "output_padding": 2},
        note=N_("kernel smaller than the stride: rows no input reaches hold the bias alone"),
    )
    yield Sample("dilation2", _transpose(2, 2, (4, 4), 3, (3, 3)), {"dilation": 2, "padding": 1},
                 skip={"tensorflow": TF_NO_DILATION})
    yield Sample("dilation2-stride2-outpad1", _transpose(1, 2, (3, 3), 2, (3, 3)),
                 {"dilation": 2, "stride": 2, "padding": 2, "output_padding": 1}, skip={"tensorflow": TF_NO_DILATION})
    yield Sample(
        "outpad-below-dilation", _transpose(1, 2, (3, 3), 2, (2, 2)), {"dilation": 3, "output_padding": 2},
        skip={"tensorflow": TF_NO_DILATION},
        note=N_("output_padding 2 at stride 1 is allowed because it is below the dilation (torch's rule)"),
    )
    yield Sample("groups2", _transpose(2, 4, (3, 4), 6, (3, 3), groups=2), {"groups": 2, "stride": 2, "padding": 1})
    yield Sample(
        "depthwise", _transpose(2, 3, (4, 4), 3, (3, 3), groups=3), {"groups": 3, "stride": 2},
        note=N_("groups = channels: one filter per channel"),
    )


def conv_transpose2d_benchmarks(rng):
    yield Sample("x8x64x16x16-w64x64x4x4-stride2-pad1", _transpose(8, 64, (16, 16), 64, (4, 4)),
                 {"stride": 2, "padding": 1})


JAX_NOT_DIVISIBLE = (N_("JAX and flax have no adaptive pooling; a fixed window and stride reproduce torch's "
                     "windows only where the output size divides the input size"))


def adaptive_avg_pool2d_samples(rng):
    yield Sample(
        "7-to-2", _image(2, 3, 7, 7), {"output_size": 2}, skip={"jax": JAX_NOT_DIVISIBLE},
        note=N_("windows [0, 4) and [3, 7): they overlap by one row, unlike any fixed window and stride"),
    )
    yield Sample("7-to-3", _image(2, 2, 7, 7), {"output_size": 3}, skip={"jax": JAX_NOT_DIVISIBLE})
    yield Sample("rect-5x7-to-2x3", _image(2, 2, 5, 7), {"output_size": (2, 3)}, skip={"jax": JAX_NOT_DIVISIBLE})
    yield Sample("divisible-8x6-to-4x3", _image(2, 3, 8, 6), {"output_size": (4, 3)},
                 note=N_("the output divides the input: fixed 2x2 windows with stride 2"))
    yield Sample("global-1", _image(2, 3, 5, 6), {"output_size": 1},
                 note=N_("output 1: global average pooling"))
    yield Sample("identity", _image(2, 2, 4, 5), {"output_size": (4, 5)},
                 note=N_("output = input: every window is one pixel"))
    yield Sample("upsample-3-to-5", _image(1, 2, 3, 3), {"output_size": 5}, skip={"jax": JAX_NOT_DIVISIBLE},
                 note=N_("output larger than the input: windows of one or two pixels repeat"))


PADDLE_ADAPTIVE_POOL_FLOAT64 = Tolerance(
    1e-7,
    6e-8,
    N_("Paddle's CPU adaptive_avg_pool2d gradient scales dout by float scale = 1.0f / pool_size, a float32 number also "
    "for float64 tensors (paddle/phi/kernels/funcs/pooling.cc, Pool2dGradFunctor, as for avg_pool2d): the float64 "
    "gradient equals the reference with each window's 1 / count rounded to float32 exactly (measured 0.0), a "
    "relative error up to 2^-24 = 5.96e-8 (5.2e-8 for the 30-element global window; rtol). Where windows of "
    "different sizes overlap (7 -> 3) the errors no longer scale with the summed gradient, which can cancel to "
    "near 0: at most 5.96e-8 times sum |dout| / n over an element's windows, under 1e-7 here (measured 2.9e-9; "
    "atol). The forward pass is exact"),
)


def _flatten_dense(n, chw, out):
    """Draw x (n, *chw), w (out, C H W) scaled by 1/sqrt(C H W), b (out,)."""

    def draw(rng):
        features = chw[0] * chw[1] * chw[2]
        return {"x": rng.standard_normal((n, *chw)), "w": rng.standard_normal((out, features)) / features**0.5,
                "b": rng.standard_normal(out)}

    return draw


def flatten_dense_samples(rng):
    yield Sample("c3-h4-w5-out6", _flatten_dense(2, (3, 4, 5), 6))
    yield Sample("c8-h2-w2-out4", _flatten_dense(3, (8, 2, 2), 4))
    yield Sample("c1-h3-w3-out2", _flatten_dense(2, (1, 3, 3), 2),
                 note=N_("one channel: (C, H, W) and (H, W, C) orders coincide"))
    yield Sample("c5-h1-w1-out3", _flatten_dense(2, (5, 1, 1), 3),
                 note=N_("1x1 maps (after global pooling): the orders coincide too"))


register(
    Concept(
        name="conv_transpose2d",
        family="convolution",
        summary=N_("Transposed convolution (conv2d's input gradient) with stride, padding, output_padding, "
                   "dilation and groups; Keras 'same' cropping."),
        samples=conv_transpose2d_samples,
        reference=(ref_conv.conv_transpose2d_forward, ref_conv.conv_transpose2d_backward),
        implementations=implementations("conv.conv_transpose2d"),
        grad_wrt=("x", "w", "b"),
        divergences=(catalog.CONV_TRANSPOSE_LAYOUT_SAME, catalog.FLAX_CONV_TRANSPOSE_KERNEL),
        tutorial=N_("Up-sampling with learned weights: every input pixel stamps a scaled copy of the kernel "
                    "into the output, stride pixels apart; the same weights read conv2d backwards."),
        forward_math=r"\mathrm{full}_{n,o,\,is+pd,\,js+qd} \mathrel{+}= \sum_{c \in g(o)} x_{n,c,i,j}\, w_{c,o,p,q},"
        r"\quad \mathrm{out}_{n,o,i,j} = b_o + \mathrm{full}_{n,o,\,t+i,\,l+j}",
        backward_math=r"\frac{\partial L}{\partial x_{n,c,i,j}} = \sum_{o,p,q} w_{c,o,p,q}\,\tilde\delta_{n,o,\,is+pd,\,js+qd},"
        r"\quad \frac{\partial L}{\partial w_{c,o,p,q}} = \sum_{n,i,j} x_{n,c,i,j}\,\tilde\delta_{n,o,\,is+pd,\,js+qd},"
        r"\quad \frac{\partial L}{\partial b_o} = \sum_{n,i,j} \delta_{n,o,i,j}",
        benchmarks=conv_transpose2d_benchmarks,
    ),
    Concept(
        name="adaptive_avg_pool2d",
        family="convolution",
        summary=N_("Average pooling to a fixed output size with torch's windows [floor(i H / o), ceil((i + 1) H / o)); "
                   "output 1 is global average pooling."),
        samples=adaptive_avg_pool2d_samples,
        reference=(ref_pool.adaptive_avg_pool2d_forward, ref_pool.adaptive_avg_pool2d_backward),
        implementations=implementations("pooling.adaptive_avg_pool2d"),
        grad_wrt=("x",),
        tolerance={("float64", "paddle"): PADDLE_ADAPTIVE_POOL_FLOAT64},
        divergences=(catalog.ADAPTIVE_POOL,),
        tutorial=N_("The pooling that makes a network accept any image size: the window adapts to the input "
                    "so the output always has the same size."),
        forward_math=r"\mathrm{out}_{n,c,i,j} = \frac{1}{|R_i| |C_j|} \sum_{h \in R_i} \sum_{w \in C_j} x_{n,c,h,w},"
        r"\quad R_i = [\lfloor iH/H_o \rfloor, \lceil (i+1)H/H_o \rceil)",
        backward_math=r"\frac{\partial L}{\partial x_{n,c,h,w}} = \sum_{i: h \in R_i} \sum_{j: w \in C_j} "
        r"\frac{\delta_{n,c,i,j}}{|R_i| |C_j|}",
    ),
    Concept(
        name="flatten_dense",
        family="convolution",
        summary=N_("A conv feature map flattened and fed to a dense layer; torch flattens (C, H, W), Keras and flax "
                   "(H, W, C)."),
        samples=flatten_dense_samples,
        reference=(ref_flatten.flatten_dense_forward, ref_flatten.flatten_dense_backward),
        implementations=implementations("flatten.flatten_dense"),
        grad_wrt=("x", "w", "b"),
        divergences=(catalog.FLATTEN_DENSE_ORDER,),
        tutorial=N_("The classifier head after the convolutions: flatten the feature map and apply a dense layer; "
                    "which pixel meets which weight depends on the flatten order."),
        forward_math=r"\mathrm{out}_{n,o} = b_o + \sum_{c,h,w} W_{o,\,(cH+h)W+w}\, x_{n,c,h,w}",
        backward_math=r"\frac{\partial L}{\partial x_{n,c,h,w}} = \sum_o \delta_{n,o} W_{o,\,(cH+h)W+w},\quad"
        r"\frac{\partial L}{\partial W} = \delta^\top x_{\mathrm{flat}},\quad \frac{\partial L}{\partial b} = \sum_n \delta_n",
    ),
)
