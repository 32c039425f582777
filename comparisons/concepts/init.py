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

from comparisons.registry import Concept, Divergence, Sample, implementations, register
from reference import init as ref

SHAPES = (
    ("dense", (64, 32), "a dense weight (out=64, in=32): fan_in 32, fan_out 64"),
    ("conv", (16, 8, 3, 3), "a conv kernel (out=16, in=8, 3x3): fan_in 8*9 = 72, fan_out 16*9 = 144"),
)
SEED = 20240601

SUMMARY = {
    "glorot_uniform": "Glorot/Xavier uniform: U(-b, b), b = sqrt(6 / (fan_in + fan_out)).",
    "glorot_normal": "Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)), untruncated as in torch.",
    "he_uniform": "He/Kaiming uniform: U(-b, b), b = sqrt(6 / fan_in), for ReLU layers.",
    "he_normal": "He/Kaiming normal: N(0, 2 / fan_in), untruncated as in torch.",
    "small_normal": "The tutorials' small random weights: np.random.randn(...) * 0.01.",
    "uniform_pm1": "The tutorials' uniform weights in [-1, 1].",
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


def _frameworks():
    from comparisons.backends import WITNESSES

    return WITNESSES["torch"].framework, WITNESSES["tensorflow"].framework


def _default_layers(n_in, n_out):
    """The weights torch.nn.Linear and keras.layers.Dense start with, as torch-layout NumPy arrays."""
    torch, tf = _frameworks()
    import keras

    with torch.random.fork_rng():  # a fixed seed without touching the global stream
        torch.manual_seed(SEED)
        linear = torch.nn.Linear(n_in, n_out)
    dense = keras.layers.Dense(n_out)
    dense.build((None, n_in))
    kernel, bias = (v.numpy() for v in dense.weights)
    return (linear.weight.detach().numpy(), linear.bias.detach().numpy()), (kernel.T, bias)  # kernel.T: (out, in)


def _glorot_facts(weight, bias):
    """[weight passes the Glorot-uniform checks, bias is zero], as float64 flags."""
    n_out, n_in = weight.shape
    facts = ref.describe(weight, "glorot_uniform", n_in, n_out)
    return np.array([facts["bound_ok"] * facts["std_ok"], float(np.all(bias == 0))])


def _default_init_pair(torch_to_glorot):
    def pair(*, n_in, n_out):
        torch, _ = _frameworks()
        (weight, bias), (kernel, keras_bias) = _default_layers(n_in, n_out)
        if torch_to_glorot:
            linear = torch.nn.Linear(n_in, n_out)
            torch.nn.init.xavier_uniform_(linear.weight, generator=torch.Generator().manual_seed(SEED))
            torch.nn.init.zeros_(linear.bias)
            weight, bias = linear.weight.detach().numpy(), linear.bias.detach().numpy()
        return _glorot_facts(weight, bias), _glorot_facts(kernel, keras_bias)

    return pair


def _tail_flag(w, std):
    """1 when some |w| exceeds 2.5 standard deviations: certain for 2048 normal draws
    (probability of none 1e-11), impossible for a normal truncated at 2 sigma / 0.8796 = 2.27 sigma."""
    return np.array([float(np.abs(w).max() > 2.5 * std)])


def _normal_pair(keras_initializer):
    def pair(*, n_in, n_out):
        torch, _ = _frameworks()
        import keras

        std = np.sqrt(2.0 / (n_in + n_out))
        w = torch.empty(n_out, n_in)
        torch.nn.init.xavier_normal_(w, generator=torch.Generator().manual_seed(SEED))
        kernel = getattr(keras.initializers, keras_initializer[0])(*keras_initializer[1], seed=SEED)((n_in, n_out))
        return _tail_flag(w.numpy(), std), _tail_flag(kernel.numpy(), std)

    return pair


DEFAULT_INIT = Divergence(
    id="default-init",
    frameworks=("torch", "tensorflow"),
    differs="torch.nn.Linear (and Conv) start from kaiming_uniform(a=sqrt(5)), that is U(+-1/sqrt(fan_in)), "
    "with a bias U(+-1/sqrt(fan_in)); keras.layers.Dense (and Conv) from glorot_uniform with a zero bias.",
    naive=_default_init_pair(torch_to_glorot=False),
    faithful=_default_init_pair(torch_to_glorot=True),
    naive_mapping="each layer's default initialisation, checked against Glorot uniform with zero bias",
    faithful_mapping="nn.init.xavier_uniform_ on the torch weight and nn.init.zeros_ on its bias "
    "(or copy the weights across)",
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/linear.py (reset_parameters: "
    "kaiming_uniform_(self.weight, a=math.sqrt(5))); https://github.com/keras-team/keras/blob/master/keras/src/"
    "layers/core/dense.py (kernel_initializer='glorot_uniform', bias_initializer='zeros')",
    sample=Sample("dense-32-64", {}, {"n_in": 32, "n_out": 64}),
)

TRUNCATED_NORMAL = Divergence(
    id="truncated-normal-init",
    frameworks=("torch", "tensorflow"),
    differs="keras.initializers.GlorotNormal and HeNormal draw a truncated normal (cut at 2 sigma, stddev "
    "divided by 0.87962566 so that the variance stays 2 / fan); torch's xavier_normal_ and kaiming_normal_ "
    "draw an untruncated normal. Same variance, different tails.",
    naive=_normal_pair(("GlorotNormal", ())),
    faithful=_normal_pair(("VarianceScaling", (1.0, "fan_avg", "untruncated_normal"))),
    naive_mapping="torch xavier_normal_ against Keras GlorotNormal",
    faithful_mapping='torch xavier_normal_ against Keras VarianceScaling(1.0, "fan_avg", "untruncated_normal")',
    source="https://github.com/keras-team/keras/blob/master/keras/src/initializers/random_initializers.py "
    "(VarianceScaling: truncated_normal with stddev = sqrt(scale) / .87962566103423978)",
    sample=Sample("dense-32-64", {}, {"n_in": 32, "n_out": 64}),
)

DIVERGENCES = {"glorot_uniform": (DEFAULT_INIT,), "glorot_normal": (TRUNCATED_NORMAL,)}


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
            tutorial="Random initialisation breaks symmetry; its scale decides whether signals vanish.",
            forward_math=MATH[_scheme],
            divergences=DIVERGENCES.get(_scheme, ()),
        )
    )
