"""Convolution concepts: conv2d (vectorised and loop versions), max and average pooling, resizing, transposed
convolution, adaptive average pooling, and a conv feature map flattened into a dense layer."""

from comparisons.divergences import convolution as catalog
from comparisons.i18n import N_
from comparisons.registry import Concept, Sample, Tolerance, implementations, register
from reference import conv as ref_conv
from reference import flatten as ref_flatten
from reference import pooling as ref_pool
from reference import resize as ref_resize


def _conv(n, c, hw, c_out, kernel, groups=1):
    """Draw x (n, c, *hw), w (c_out, c / groups, *kernel) scaled by 1/sqrt(fan_in), b (c_out,)."""

    def draw(rng):
        fan_in = c // groups * kernel[0] * kernel[1]
        return {
            "x": rng.standard_normal((n, c, *hw)),
            "w": rng.standard_normal((c_out, c // groups, *kernel)) / fan_in**0.5,
            "b": rng.standard_normal(c_out),
        }

    return draw


def _unbatched(draw):
    """The inputs of ``draw`` with x's batch axis of one dropped: an unbatched (C, H, W) image."""

    def unbatched(rng):
        inputs = draw(rng)
        return {**inputs, "x": inputs["x"][0]}

    return unbatched


NO_CEIL_MODE = {
    "tensorflow": N_("TensorFlow's pooling has no ceil_mode: its window count is the floor, and the last, "
    "partial window has no counterpart"),
    "jax": N_("flax.linen's pooling has no ceil_mode: its window count is the floor"),
}
NO_DILATED_MAX_POOL = {
    "jax": N_("flax.linen.max_pool has no dilation, and jax.lax.reduce_window's max has no gradient with "
    "window_dilation (NotImplementedError: select_and_gather with window dilation)"),
    "paddle": N_("Paddle's F.max_pool2d has no dilation argument"),
}


def _image(*shape, integers=None):
    """Draw x of ``shape``: standard normal, or small integers (many ties) when ``integers`` is set."""
    if integers:
        return lambda rng: {"x": rng.integers(0, integers, size=shape).astype(float)}
    return lambda rng: {"x": rng.standard_normal(shape)}


def conv2d_samples(rng):
    yield Sample("basic", _conv(2, 3, (5, 5), 4, (3, 3)), {})
    yield Sample("padding1", _conv(2, 3, (5, 5), 4, (3, 3)), {"padding": 1})
    yield Sample("pair-padding-rect-kernel", _conv(2, 3, (5, 6), 4, (3, 2)), {"stride": (2, 1), "padding": (1, 0)})
    yield Sample(
        "asymmetric-padding", _conv(2, 3, (5, 5), 4, (3, 3)), {"padding": ((1, 0), (2, 1))},
        note=N_("((top, bottom), (left, right)) = ((1, 0), (2, 1)): torch needs an explicit F.pad"),
    )
    yield Sample("valid-stride2", _conv(2, 3, (7, 6), 4, (3, 3)), {"stride": 2, "padding": "valid"})
    yield Sample("same-stride1", _conv(2, 3, (5, 5), 4, (3, 3)), {"padding": "same"})
    yield Sample(
        "same-stride2-even", _conv(2, 3, (8, 8), 4, (3, 3)), {"stride": 2, "padding": "same"},
        note=N_("TensorFlow's 'SAME' pads (0, 1) here, not (1, 1)"),
    )
    yield Sample("dilation2", _conv(2, 3, (7, 7), 4, (3, 3)), {"dilation": 2, "padding": 2})
    yield Sample("dilation2-stride2", _conv(1, 3, (9, 8), 4, (2, 3)), {"dilation": (2, 1), "stride": 2, "padding": 1})
    yield Sample("groups2", _conv(2, 4, (5, 5), 6, (3, 3), groups=2), {"groups": 2, "padding": 1})
    yield Sample(
        "depthwise", _conv(2, 3, (5, 5), 6, (3, 3), groups=3), {"groups": 3, "padding": 1},
        note=N_("groups = channels, two filters per channel (depth multiplier 2)"),
    )
    yield Sample("pointwise-1x1", _conv(2, 6, (4, 4), 5, (1, 1)), {})
    yield Sample("unbatched", _unbatched(_conv(1, 3, (5, 5), 4, (3, 3))), {"padding": 1, "stride": 2},
                 note=N_("x (C, H, W) without a batch axis, as F.conv2d takes it: out (C_out, Ho, Wo)"))


def conv2d_naive_samples(rng):
    """Smaller than conv2d's: finite differences call the loop version twice per input element."""
    yield Sample("basic", _conv(1, 2, (4, 4), 3, (3, 3)), {})
    yield Sample("asymmetric-padding", _conv(1, 2, (4, 4), 3, (3, 3)), {"padding": ((1, 0), (2, 1))})
    yield Sample("same-stride2-even", _conv(1, 2, (6, 6), 3, (3, 3)), {"stride": 2, "padding": "same"})
    yield Sample("dilation2-stride2", _conv(1, 2, (7, 6), 2, (2, 3)), {"dilation": (2, 1), "stride": 2, "padding": 1})
    yield Sample("groups2", _conv(1, 4, (4, 4), 4, (3, 3), groups=2), {"groups": 2, "padding": 1})
    yield Sample("depthwise", _conv(1, 2, (4, 4), 4, (3, 3), groups=2), {"groups": 2, "padding": 1})


def max_pool2d_samples(rng):
    yield Sample("2x2-stride2", _image(2, 3, 6, 6), {"kernel_size": 2})
    yield Sample("3x3-stride1-overlap", _image(2, 2, 5, 5), {"kernel_size": 3, "stride": 1})
    yield Sample("3x3-stride2-pad1", _image(2, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1})
    yield Sample("rect-kernel", _image(2, 2, 6, 7), {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 1)})
    yield Sample("same-stride2", _image(2, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": "same"})
    yield Sample("asymmetric-padding", _image(2, 2, 5, 5), {"kernel_size": 2, "padding": ((1, 0), (0, 1))})
    yield Sample(
        "all-negative-padded", lambda rng: {"x": -1.0 - rng.random((1, 2, 4, 4))},
        {"kernel_size": 3, "stride": 1, "padding": 1},
        note=N_("every value is below 0: a zero-padded max would win at the border; -inf never does"),
    )
    yield Sample(
        "ties", _image(2, 2, 6, 6, integers=2), {"kernel_size": 3, "stride": 1, "padding": 1},
        skip={"finite-diff": N_("ties are kinks: the one-sided derivatives differ, central differences split them")},
        note=N_("values in {0, 1}: most windows tie; the gradient goes to the first maximum in row-major order"),
    )
    yield Sample("unbatched", _image(3, 6, 6), {"kernel_size": 2},
                 note=N_("x (C, H, W) without a batch axis, as F.max_pool2d takes it"))
    yield Sample("dilation2-pad1", _image(2, 2, 7, 7), {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2},
                 skip=NO_DILATED_MAX_POOL, note=N_("every other element of a 5 x 5 span"))
    yield Sample("dilation-stride2", _image(1, 2, 9, 8),
                 {"kernel_size": (3, 2), "stride": 2, "padding": 1, "dilation": (2, 3)}, skip=NO_DILATED_MAX_POOL)
    yield Sample("ceil-mode", _image(2, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}, skip=NO_CEIL_MODE,
                 note=N_("5 rows in windows of 2: a third, partial window of one row"))
    yield Sample("ceil-mode-pad1", _image(1, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                 skip=NO_CEIL_MODE, note=N_("the last window reaches past the padding; the part beyond never wins"))
    yield Sample("ceil-mode-last-window-dropped", _image(1, 2, 5, 5),
                 {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True}, skip=NO_CEIL_MODE,
                 note=N_("a third window would start in the bottom padding: torch drops it, 2 windows as without ceil_mode"))


def avg_pool2d_samples(rng):
    yield Sample("2x2-stride2", _image(2, 3, 6, 6), {"kernel_size": 2})
    yield Sample("valid-3x3-stride2", _image(2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": "valid"})
    for include in (True, False):
        tag = "include-pad" if include else "exclude-pad"
        yield Sample(f"3x3-stride1-pad1-{tag}", _image(2, 2, 5, 5),
                     {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": include})
        yield Sample(f"3x3-stride2-pad1-{tag}", _image(2, 2, 6, 6),
                     {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": include})
        yield Sample(f"rect-kernel-{tag}", _image(1, 2, 6, 7),
                     {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 1), "count_include_pad": include})
        yield Sample(f"same-3x3-stride2-{tag}", _image(2, 2, 6, 6),
                     {"kernel_size": 3, "stride": 2, "padding": "same", "count_include_pad": include},
                     note=N_("TensorFlow's 'SAME' on an even size pads one element, at the bottom and right"))
        yield Sample(f"ceil-mode-pad1-{tag}", _image(1, 2, 6, 6),
                     {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": include},
                     skip=NO_CEIL_MODE,
                     note=N_("the last window reaches one row past the padding: that row is never counted"))
    yield Sample("unbatched", _image(3, 6, 6), {"kernel_size": 2},
                 note=N_("x (C, H, W) without a batch axis, as F.avg_pool2d takes it"))
    yield Sample("ceil-mode", _image(2, 2, 5, 5), {"kernel_size": 2, "ceil_mode": True}, skip=NO_CEIL_MODE,
                 note=N_("the partial last windows divide only by their elements inside the input"))
    yield Sample("divisor-override", _image(2, 2, 6, 6), {"kernel_size": 3, "stride": 2, "padding": 1,
                                                          "divisor_override": 4},
                 note=N_("every window's sum divided by 4 instead of its size; TF and JAX: the mean times kh * kw / 4"))
    yield Sample("sum-pool", _image(1, 2, 6, 6), {"kernel_size": 2, "divisor_override": 1},
                 note=N_("divisor_override=1: each window's sum"))


def conv2d_benchmarks(rng):
    yield Sample("x8x64x32x32-w64x64x3x3-pad1", _conv(8, 64, (32, 32), 64, (3, 3)), {"padding": 1})


def pool_benchmarks(rng):
    yield Sample("x8x64x32x32-2x2-stride2", _image(8, 64, 32, 32), {"kernel_size": 2, "stride": 2})


def conv2d_naive_benchmarks(rng):
    yield Sample("x1x64x32x32-w64x64x3x3-pad1", _conv(1, 64, (32, 32), 64, (3, 3)), {"padding": 1},
                 note=N_("one image of the conv2d benchmark: the loop version takes seconds on all eight"))


PADDLE_AVG_POOL_FLOAT64 = Tolerance(
    1e-7,
    3.1e-8,
    N_("Paddle's CPU avg_pool2d gradient scales dout by float scale = 1.0f / pool_size, a float32 number also "
    "for float64 tensors (paddle/phi/kernels/funcs/pooling.cc, Pool2dGradFunctor; catalog entry "
    "paddle-avgpool-float32-scale): relative errors of 2.98e-8 for windows of 3 and 6 elements, 7.45e-9 "
    "for 9, none for 2 and 4, as measured (rtol). Where windows of different sizes overlap "
    "(count_include_pad=False) the errors no longer scale with the gradient, which can cancel to near 0: "
    "at most 2.98e-8 times sum |dout| / n over the windows of an element, under 1e-7 for |dout| <= 3 "
    "since sum 1 / n <= 1 on these samples (measured 2.3e-8 absolute; atol). The forward pass divides in "
    "float64 and is exact"),
)


CONV_MATH = dict(
    forward_math=r"\mathrm{out}_{n,o,i,j} = b_o + \sum_{c \in g(o)} \sum_{p,q} w_{o,c,p,q}\,"
    r"\tilde x_{n,c,\,i s + p d,\,j s + q d}",
    backward_math=r"\frac{\partial L}{\partial \tilde x_{n,c,\,is+pd,\,js+qd}} \mathrel{+}= "
    r"\sum_o w_{o,c,p,q}\,\delta_{n,o,i,j},\quad"
    r"\frac{\partial L}{\partial w_{o,c,p,q}} = \sum_{n,i,j} \delta_{n,o,i,j}\,\tilde x_{n,c,\,is+pd,\,js+qd},\quad"
    r"\frac{\partial L}{\partial b_o} = \sum_{n,i,j} \delta_{n,o,i,j}",
)

register(
    Concept(
        name="conv2d",
        family="convolution",
        summary=N_("2-D cross-correlation with stride, padding (incl. TensorFlow 'SAME'), dilation and groups; im2col."),
        samples=conv2d_samples,
        reference=(ref_conv.conv2d_forward, ref_conv.conv2d_backward),
        implementations=implementations("conv.conv2d"),
        grad_wrt=("x", "w", "b"),
        divergences=(catalog.SAME_PADDING, catalog.CONV_LAYOUT, catalog.CROSS_CORRELATION, catalog.FLAX_CONV_PADDING,
                     catalog.DEPTHWISE_LAYOUT),
        tutorial=N_("A filter slid over the image: each output pixel is a dot product of the filter "
        "with the window under it; im2col turns all those dot products into one matrix product."),
        benchmarks=conv2d_benchmarks,
        bench_floor=lambda inputs, params: ref_conv.conv2d_matmuls(**inputs, **params),
        **CONV_MATH,
    ),
    Concept(
        name="conv2d_naive",
        family="convolution",
        summary=N_("The same conv2d written as loops over image, group, row and column: the sliding window itself."),
        samples=conv2d_naive_samples,
        reference=(ref_conv.conv2d_forward_naive, ref_conv.conv2d_backward_naive),
        implementations=implementations("conv.conv2d"),
        grad_wrt=("x", "w", "b"),
        tutorial=N_("The tutorials' picture of a convolution: slide the window, multiply, sum."),
        benchmarks=conv2d_naive_benchmarks,
        **CONV_MATH,
    ),
    Concept(
        name="max_pool2d",
        family="convolution",
        summary=N_("Maximum over each window; the gradient goes to the first maximum; padding never wins."),
        samples=max_pool2d_samples,
        reference=(ref_pool.max_pool2d_forward, ref_pool.max_pool2d_backward),
        implementations=implementations("pooling.max_pool2d"),
        grad_wrt=("x",),
        divergences=(catalog.MAXPOOL_TIES, catalog.FLAX_MAX_POOL_STRIDE, catalog.PADDLE_CEIL_MODE_WINDOW_IN_PADDING),
        tutorial=N_("Down-sampling a feature map by keeping the strongest response of each window."),
        forward_math=r"\mathrm{out}_{n,c,i,j} = \max_{p,q} \tilde x_{n,c,\,is+p,\,js+q},\quad"
        r"\tilde x = -\infty \text{ on the padding}",
        backward_math=r"\frac{\partial L}{\partial x_{n,c,\,is+p^*,\,js+q^*}} \mathrel{+}= \delta_{n,c,i,j},\quad"
        r"(p^*, q^*) = \text{first argmax in row-major order}",
        benchmarks=pool_benchmarks,
    ),
    Concept(
        name="avg_pool2d",
        family="convolution",
        summary=N_("Mean over each window, dividing by the kernel area or by the real (unpadded) elements."),
        samples=avg_pool2d_samples,
        reference=(ref_pool.avg_pool2d_forward, ref_pool.avg_pool2d_backward),
        implementations=implementations("pooling.avg_pool2d"),
        grad_wrt=("x",),
        tolerance={("float64", "paddle"): PADDLE_AVG_POOL_FLOAT64},
        divergences=(
            catalog.AVGPOOL_PADDING, catalog.PADDLE_AVGPOOL_EXCLUSIVE, catalog.JAX_RESIZE_ANTIALIAS,
            catalog.PADDLE_AVGPOOL_FLOAT32_SCALE,
        ),
        tutorial=N_("Down-sampling by averaging each window."),
        forward_math=r"\mathrm{out}_{n,c,i,j} = \frac{1}{|W_{ij}|} \sum_{p,q} \tilde x_{n,c,\,is+p,\,js+q},\quad"
        r"|W_{ij}| = k_h k_w \text{ or the number of unpadded elements}",
        backward_math=r"\frac{\partial L}{\partial \tilde x_{n,c,\,is+p,\,js+q}} \mathrel{+}= "
        r"\frac{\delta_{n,c,i,j}}{|W_{ij}|}",
        benchmarks=pool_benchmarks,
    ),
)


# Resize ------------------------------------------------------------------------------
# Every ratio below (in / out, or (in - 1) / (out - 1) for align_corners) is a power of two, so the
# sampled positions are exact binary fractions: TensorFlow's bicubic kernel looks its weights up in a
# 1024-entry table, and Paddle keeps the ratio as a float32 even for float64 images; both are exact here.


NO_ASYMMETRIC_TORCH = N_("torch's F.interpolate knows align_corners True and False only; no asymmetric rule")
PADDLE_NEAREST = N_("Paddle's nearest is the asymmetric floor rule only (align_corners is refused for nearest)")
JAX_NEAREST = N_("jax.image.resize's nearest is half-pixel with floor((i + 0.5) * in / out) only; no argument changes it")
TF_HALF_PIXEL_CUBIC = (N_("tf.image.resize's bicubic is Keys' a = -0.5 with outside taps dropped; TF1's a = -0.75 kernel "
                       "comes only with align_corners or the asymmetric rule"))
JAX_CUBIC_A = N_("jax.image.resize's cubic kernel is Keys' a = -0.5 with outside taps dropped; a is not an argument")


def _resize_image(*shape):
    return lambda rng: {"x": rng.standard_normal(shape)}


def resize_samples(rng):
    nearest = {"mode": "nearest"}
    yield Sample(
        "nearest-up2-asymmetric-floor", _resize_image(2, 2, 4, 5),
        {**nearest, "size": (8, 10), "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
        skip={"jax": JAX_NEAREST},
        note=N_("torch's mode='nearest': input floor(i * in / out)"),
    )
    yield Sample(
        "nearest-down2-half-pixel", _resize_image(2, 2, 8, 6),
        {**nearest, "size": (4, 3), "nearest_mode": "round_prefer_ceil"},
        skip={"paddle": PADDLE_NEAREST},
        note=N_("torch's nearest-exact, TensorFlow's and JAX's nearest: input floor((i + 0.5) * in / out)"),
    )
    yield Sample(
        "nearest-up2-half-pixel", _resize_image(2, 2, 4, 5),
        {**nearest, "size": (8, 10), "nearest_mode": "round_prefer_ceil"}, skip={"paddle": PADDLE_NEAREST},
    )
    yield Sample(
        "nearest-align-corners", _resize_image(2, 2, 5, 3),
        {**nearest, "size": (9, 5), "coordinate_transformation_mode": "align_corners",
         "nearest_mode": "round_prefer_ceil"},
        skip={"torch": N_("torch's nearest modes take no align_corners"), "jax": JAX_NEAREST, "paddle": PADDLE_NEAREST},
        note=N_("TF1's align_corners=True rounds i * (in - 1) / (out - 1) half up"),
    )
    linear = {"mode": "linear"}
    yield Sample("linear-same-size", _resize_image(2, 2, 5, 6), {**linear, "size": (5, 6)},
                 note=N_("half-pixel linear resizing to the same size is the identity"))
    yield Sample("linear-up2-half-pixel", _resize_image(2, 2, 4, 5), {**linear, "size": (8, 10)})
    yield Sample("linear-down2-half-pixel", _resize_image(2, 2, 8, 6), {**linear, "size": (4, 3)},
                 note=N_("without antialiasing halving averages pairs of pixels"))
    yield Sample("linear-up-align-corners", _resize_image(2, 2, 5, 4),
                 {**linear, "size": (9, 7), "coordinate_transformation_mode": "align_corners"})
    yield Sample("linear-down-align-corners", _resize_image(2, 2, 9, 5),
                 {**linear, "size": (5, 3), "coordinate_transformation_mode": "align_corners"})
    yield Sample("linear-up2-asymmetric", _resize_image(2, 2, 4, 5),
                 {**linear, "size": (8, 10), "coordinate_transformation_mode": "asymmetric"},
                 skip={"torch": NO_ASYMMETRIC_TORCH}, note=N_("TF1's default rule, Paddle's align_mode=1"))
    yield Sample(
        "linear-pytorch-half-pixel-to-1", _resize_image(2, 2, 4, 6),
        {**linear, "size": (1, 3), "coordinate_transformation_mode": "pytorch_half_pixel"},
        skip={"torch": N_("torch's align_corners=False stays half-pixel at output length 1 (samples 1.5 of 0..3, not 0)"),
              "tensorflow": N_("no TensorFlow resize samples input 0 for a length-1 output without align_corners"),
              "paddle": N_("Paddle's align_mode=0 stays half-pixel at output length 1")},
        note=N_("ONNX's pytorch_half_pixel samples input 0 when an axis shrinks to length 1"),
    )
    antialias = {"antialias": True, "exclude_outside": True}
    yield Sample("linear-antialias-down2", _resize_image(2, 2, 8, 8), {**linear, **antialias, "size": (4, 4)},
                 note=N_("the triangle widened to 2 pixels on each side: every output averages 4 inputs"))
    yield Sample("linear-antialias-down4", _resize_image(2, 2, 8, 12), {**linear, **antialias, "size": (2, 3)})
    cubic = {"mode": "cubic"}
    keys = {"cubic_coeff_a": -0.5, "exclude_outside": True}
    yield Sample("cubic-up2-half-pixel-a075", _resize_image(2, 2, 4, 5), {**cubic, "size": (8, 10)},
                 skip={"tensorflow": TF_HALF_PIXEL_CUBIC, "jax": JAX_CUBIC_A},
                 note=N_("torch's and Paddle's bicubic: a = -0.75, the edge pixel repeated"))
    yield Sample("cubic-down2-half-pixel-a075", _resize_image(2, 2, 8, 6), {**cubic, "size": (4, 3)},
                 skip={"tensorflow": TF_HALF_PIXEL_CUBIC, "jax": JAX_CUBIC_A})
    yield Sample("cubic-up2-half-pixel-a05", _resize_image(2, 2, 4, 5), {**cubic, **keys, "size": (8, 10)},
                 note=N_("TensorFlow's and JAX's bicubic: a = -0.5, taps outside the image dropped; torch and "
                         "Paddle reach it through antialias=True, which does not widen the kernel when upsampling"))
    yield Sample("cubic-down2-half-pixel-a05", _resize_image(2, 2, 8, 6), {**cubic, **keys, "size": (4, 3)},
                 skip={"torch": N_("torch's a = -0.5 kernel comes only with antialias=True, which widens it when "
                                "downsampling"),
                       "paddle": N_("Paddle's a = -0.5 kernel comes only with antialias=True, which widens it when "
                                 "downsampling")})
    yield Sample("cubic-up-align-corners", _resize_image(2, 2, 5, 4),
                 {**cubic, "size": (9, 7), "coordinate_transformation_mode": "align_corners"},
                 skip={"jax": JAX_CUBIC_A})
    yield Sample("cubic-up2-asymmetric", _resize_image(2, 2, 4, 5),
                 {**cubic, "size": (8, 10), "coordinate_transformation_mode": "asymmetric"},
                 skip={"torch": NO_ASYMMETRIC_TORCH, "jax": JAX_CUBIC_A,
                       "paddle": N_("Paddle's bicubic ignores align_mode: half-pixel or align_corners only")})
    yield Sample("cubic-antialias-down2", _resize_image(2, 2, 8, 8),
                 {**cubic, **keys, "antialias": True, "size": (4, 4)},
                 note=N_("Keys' a = -0.5 kernel widened to 4 pixels on each side (PIL's filter)"))


TF_RESIZE_FLOAT64 = Tolerance(
    2e-6,
    1e-6,
    N_("TensorFlow's ResizeBilinear, ResizeBicubic and ScaleAndTranslate kernels compute their weights in float "
    "and return float32 also for float64 images (tf.image.resize: 'The return value has type float32, unless "
    "the method is NEAREST_NEIGHBOR'), and so do their gradient kernels: float32 rounding of values up to "
    "about 4 in size (rtol), and of gradients summing a few such terms (atol); measured at most 6.2e-7. "
    "ScaleAndTranslateGrad (antialias=True) takes float32 only, so that version resizes float64 images as float32"),
)

register(
    Concept(
        name="resize",
        family="convolution",
        summary=N_("Resizing H and W: nearest, linear, cubic; half-pixel, align-corners and asymmetric "
                   "coordinates; antialiasing when downsampling."),
        samples=resize_samples,
        reference=(ref_resize.resize_forward, ref_resize.resize_backward),
        implementations=implementations("resize.resize"),
        grad_wrt=("x",),
        tolerance={("float64", "tensorflow"): TF_RESIZE_FLOAT64},
        divergences=(catalog.RESIZE_NEAREST, catalog.RESIZE_BILINEAR_ANTIALIAS, catalog.RESIZE_BICUBIC_A),
        tutorial=N_("Each output pixel is a weighted sum of the input pixels near the point it samples; which "
                    "point (the coordinate rule) and which weights (the kernel) are conventions. Separable and "
                    "linear: one matrix per axis forward, its transpose backward."),
        forward_math=r"\mathrm{out}_{n,c} = A\,x_{n,c}\,B^\top,\quad A_{ij} = k(j - \mathrm{src}_i),\quad"
        r"\mathrm{src}_i = (i + \tfrac12)\tfrac{H}{H_o} - \tfrac12\ \text{(half-pixel)}",
        backward_math=r"\frac{\partial L}{\partial x_{n,c}} = A^\top \delta_{n,c}\, B",
    ),
)


# ------------------------------------------------------------------- transposed conv, adaptive pooling, flatten

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
