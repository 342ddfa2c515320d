"""Neural-network building blocks (``import minidl.nn as nn``): Module, layers, functional, init, utils."""
from . import functional, init, utils  # noqa: F401
from .containers import ModuleDict, ModuleList, Sequential
from .layers import (
                     ELU,
                     GELU,
                     GRU,
                     LSTM,
                     RNN,
                     AdaptiveAvgPool2d,
                     AdaptiveMaxPool2d,
                     AvgPool1d,
                     AvgPool2d,
                     BatchNorm1d,
                     BatchNorm2d,
                     BCELoss,
                     BCEWithLogitsLoss,
                     Conv1d,
                     Conv2d,
                     ConvTranspose2d,
                     CrossEntropyLoss,
                     Dropout,
                     Dropout2d,
                     Embedding,
                     Flatten,
                     HuberLoss,
                     Identity,
                     L1Loss,
                     LayerNorm,
                     LeakyReLU,
                     Linear,
                     LogSoftmax,
                     MaxPool1d,
                     MaxPool2d,
                     MSELoss,
                     NLLLoss,
                     ReLU,
                     Sigmoid,
                     SiLU,
                     SmoothL1Loss,
                     Softmax,
                     Tanh,
                     Upsample,
                     UpsamplingBilinear2d,
                     UpsamplingNearest2d,
)
from .module import Module, Parameter
from .parallel import DataParallel, SyncBatchNorm  # noqa: E402  (needs the layers above)

__all__ = ["functional", "init", "utils", "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
           "Linear", "RNN", "LSTM", "GRU", "Conv1d", "MaxPool1d", "AvgPool1d", "Conv2d", "ConvTranspose2d",
           "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
           "BatchNorm1d", "BatchNorm2d", "Dropout", "Dropout2d", "Embedding", "LayerNorm", "Flatten", "ReLU",
           "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Identity", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d", "CrossEntropyLoss", "NLLLoss", "MSELoss",
           "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "DataParallel", "SyncBatchNorm"]

from .layers.activation_more import (  # noqa: E402
    CELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    RReLU,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)

__all__ += ["Hardtanh", "ReLU6", "Softplus", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "LogSigmoid",
            "Softmin", "Softsign", "Tanhshrink", "Threshold", "GLU", "PReLU", "RReLU", "Softshrink", "Hardshrink",
            "Softmax2d"]
from .layers.distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from .layers.group_norm import GroupNorm, LocalResponseNorm, RMSNorm  # noqa: E402
from .layers.instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: E402

__all__ += ["GroupNorm", "RMSNorm", "LocalResponseNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
            "CosineSimilarity", "PairwiseDistance"]
from .layers.rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: E402

__all__ += ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from .layers.dropout_more import AlphaDropout, Dropout1d  # noqa: E402
from .layers.padding import (  # noqa: E402
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .layers.pool1d_adaptive import AdaptiveAvgPool1d, AdaptiveMaxPool1d  # noqa: E402
from .layers.reshape import PixelShuffle, PixelUnshuffle, Unflatten  # noqa: E402

__all__ += ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
            "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
            "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "PixelShuffle", "PixelUnshuffle",
            "Unflatten", "Dropout1d", "AlphaDropout", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]
from .containers_params import ParameterDict, ParameterList  # noqa: E402

__all__ += ["ParameterList", "ParameterDict"]
from .layers.loss_more import (  # noqa: E402
    CosineEmbeddingLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    KLDivLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)

__all__ += ["KLDivLoss", "MarginRankingLoss", "TripletMarginLoss", "CosineEmbeddingLoss", "HingeEmbeddingLoss",
            "SoftMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss"]
from .layers.fold import Fold, Unfold  # noqa: E402

__all__ += ["Unfold", "Fold"]
from .layers.unpool_bilinear import Bilinear, MaxUnpool2d  # noqa: E402

__all__ += ["MaxUnpool2d", "Bilinear"]
from .layers.extra import (  # noqa: E402
    ChannelShuffle,
    ConvTranspose1d,
    Dropout3d,
    FeatureAlphaDropout,
    LPPool1d,
    LPPool2d,
    MaxUnpool1d,
    MultiLabelMarginLoss,
    TripletMarginWithDistanceLoss,
)

__all__ += ["Dropout3d", "FeatureAlphaDropout", "ChannelShuffle", "LPPool1d", "LPPool2d", "MaxUnpool1d",
            "ConvTranspose1d", "TripletMarginWithDistanceLoss", "MultiLabelMarginLoss"]
from .layers import MultiheadAttention  # noqa: E402

__all__ += ["MultiheadAttention"]
from .layers import (  # noqa: E402
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ += ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
            "Transformer"]
from .layers.embedding_bag import EmbeddingBag  # noqa: E402

__all__ += ["EmbeddingBag"]
from .layers.conv3d import Conv3d, ConvTranspose3d  # noqa: E402
from .layers.normalization import BatchNorm3d  # noqa: E402
from .layers.pool3d import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool3d, MaxPool3d, MaxUnpool3d  # noqa: E402

__all__ += ["Conv3d", "ConvTranspose3d", "BatchNorm3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
            "AdaptiveMaxPool3d", "MaxUnpool3d", "LPPool3d"]
from . import parameter  # noqa: E402
from .layers.lazy import (  # noqa: E402
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
)
from .parameter import UninitializedBuffer, UninitializedParameter  # noqa: E402

__all__ += ["parameter", "UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d", "LazyConv2d",
            "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
            "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
from .layers.ctc_loss import CTCLoss  # noqa: E402

__all__ += ["CTCLoss"]
from .layers.rnn import RNNBase  # noqa: E402

__all__ += ["RNNBase"]
from .layers.fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402

__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]
from ._buffer import Buffer, Container  # noqa: E402

__all__ += ["Buffer", "Container"]
from . import grad  # noqa: E402,F401
from .layers.adaptive_softmax import AdaptiveLogSoftmaxWithLoss  # noqa: E402

__all__ += ["AdaptiveLogSoftmaxWithLoss"]
from .layers.cross_map_lrn import CrossMapLRN2d  # noqa: E402

__all__ += ["CrossMapLRN2d"]
from .layers.deprecated import NLLLoss2d  # noqa: E402

__all__ += ["NLLLoss2d"]
from ._linear_cross_entropy import LinearCrossEntropyOptions  # noqa: E402
from .layers.linear_cross_entropy import LinearCrossEntropyLoss  # noqa: E402

__all__ += ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]
from . import attention, common_types, modules  # noqa: E402,F401

# complex2: the layers that call these functions directly refuse complex input as PyTorch's do
# isort: off
from . import _complex_refusals as _complex_refusals  # noqa: E402
from .layers import conv1d as _conv1d_layers  # noqa: E402
from .layers import group_norm as _group_norm_layer  # noqa: E402
from .layers import layer_norm as _layer_norm_layer  # noqa: E402
# isort: on

for _module in (_conv1d_layers, _group_norm_layer, _layer_norm_layer):
    _complex_refusals.install(vars(_module))
