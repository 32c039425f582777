"""Catalog entries of the initialisation concepts: default layer initialisers, truncated normals.

Both frameworks draw from their own random streams, so each side returns deterministic
flags about its draw (float64 0/1), not the draw itself.
"""

from comparisons.i18n import N_
from comparisons.registry import Difference, Divergence, Sample, Side, implementation

SEED = 20240601
"""The seed of every draw of the init concepts and of these entries."""

DENSE_32_64 = Sample("dense-32-64", {}, {"n_in": 32, "n_out": 64})

DEFAULT_INIT = Divergence(
    id="default-init",
    differs=N_("torch.nn.Linear (and Conv) start from kaiming_uniform(a=sqrt(5)), that is U(+-1/sqrt(fan_in)), "
    "with a bias U(+-1/sqrt(fan_in)); keras.layers.Dense (and Conv) from glorot_uniform with a zero bias."),
    naive=(
        Side("torch", implementation("torch", "init.linear_init_flags"), {"seed": SEED}),
        Side("tensorflow", implementation("tensorflow", "init.dense_init_flags")),
    ),
    faithful=(
        Side("torch", implementation("torch", "init.linear_init_flags"), {"seed": SEED, "glorot": True}),
        Side("tensorflow", implementation("tensorflow", "init.dense_init_flags")),
    ),
    naive_mapping=N_("each layer's default initialisation, checked against Glorot uniform with zero bias"),
    faithful_mapping=N_("nn.init.xavier_uniform_ on the torch weight and nn.init.zeros_ on its bias "
    "(or copy the weights across)"),
    source="https://github.com/pytorch/pytorch/blob/main/torch/nn/modules/linear.py (reset_parameters: "
    "kaiming_uniform_(self.weight, a=math.sqrt(5))); https://github.com/keras-team/keras/blob/master/keras/src/"
    "layers/core/dense.py (kernel_initializer='glorot_uniform', bias_initializer='zeros')",
    sample=DENSE_32_64,
    # [weight is Glorot uniform, bias is zero]: torch's default layer fails both, Keras's passes both
    shows=Difference("values", at=(0, 1), at_least=0.5),
)

TRUNCATED_NORMAL = Divergence(
    id="truncated-normal-init",
    differs=N_("keras.initializers.GlorotNormal and HeNormal draw a truncated normal (cut at 2 sigma, stddev "
    "divided by 0.87962566 so that the variance stays 2 / fan); torch's xavier_normal_ and kaiming_normal_ "
    "draw an untruncated normal. Same variance, different tails."),
    naive=(
        Side("torch", implementation("torch", "init.xavier_normal_tail_flag"), {"seed": SEED}),
        Side("tensorflow", implementation("tensorflow", "init.normal_tail_flag"),
             {"seed": SEED, "initializer": "GlorotNormal"}),
    ),
    faithful=(
        Side("torch", implementation("torch", "init.xavier_normal_tail_flag"), {"seed": SEED}),
        Side("tensorflow", implementation("tensorflow", "init.normal_tail_flag"),
             {"seed": SEED, "initializer": "VarianceScaling", "args": (1.0, "fan_avg", "untruncated_normal")}),
    ),
    naive_mapping=N_("torch xavier_normal_ against Keras GlorotNormal"),
    faithful_mapping=N_('torch xavier_normal_ against Keras VarianceScaling(1.0, "fan_avg", "untruncated_normal")'),
    source="https://github.com/keras-team/keras/blob/master/keras/src/initializers/random_initializers.py "
    "(VarianceScaling: truncated_normal with stddev = sqrt(scale) / .87962566103423978)",
    sample=DENSE_32_64,
    # [some |w| > 2.5 sigma]: 1 for torch's untruncated draw, 0 for Keras's truncated one
    shows=Difference("values", at=(0,), at_least=0.5),
)
