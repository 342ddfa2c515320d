"""The layers of ``minidl.nn``, one small module per kind."""
from minidl.nn.layers.activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Tanh
from minidl.nn.layers.conv import Conv2d
from minidl.nn.layers.conv1d import AvgPool1d, Conv1d, MaxPool1d
from minidl.nn.layers.conv_transpose import ConvTranspose2d
from minidl.nn.layers.dropout import Dropout, Dropout2d
from minidl.nn.layers.embedding import Embedding
from minidl.nn.layers.flatten import Flatten
from minidl.nn.layers.layer_norm import LayerNorm
from minidl.nn.layers.linear import Identity, Linear
from minidl.nn.layers.loss import (
                                   BCELoss,
                                   BCEWithLogitsLoss,
                                   CrossEntropyLoss,
                                   HuberLoss,
                                   L1Loss,
                                   MSELoss,
                                   NLLLoss,
                                   SmoothL1Loss,
)
from minidl.nn.layers.normalization import BatchNorm1d, BatchNorm2d
from minidl.nn.layers.pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from minidl.nn.layers.rnn import GRU, LSTM, RNN
from minidl.nn.layers.upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "Conv1d", "MaxPool1d", "AvgPool1d", "RNN", "LSTM", "GRU",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "ELU", "Embedding",
    "Flatten", "GELU",
    "HuberLoss", "Identity", "L1Loss", "LayerNorm", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d",
    "NLLLoss", "ReLU", "SiLU", "Sigmoid", "SmoothL1Loss", "Softmax", "Tanh", "Upsample",
    "UpsamplingBilinear2d", "UpsamplingNearest2d",
]

from minidl.nn.layers.attention import MultiheadAttention  # noqa: E402

__all__ += ["MultiheadAttention"]
from minidl.nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: E402
from minidl.nn.layers.transformer_decoder import (  # noqa: E402
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
)

__all__ += ["TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder",
            "Transformer"]
from minidl.nn.layers.activation_more import (  # noqa: E402
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
from minidl.nn.layers.distance import CosineSimilarity, PairwiseDistance  # noqa: E402
from minidl.nn.layers.group_norm import GroupNorm, LocalResponseNorm, RMSNorm  # noqa: E402
from minidl.nn.layers.instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: E402

__all__ += ["GroupNorm", "RMSNorm", "LocalResponseNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
            "CosineSimilarity", "PairwiseDistance"]
from minidl.nn.layers.rnn_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase  # noqa: E402

__all__ += ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
from minidl.nn.layers.dropout_more import AlphaDropout, Dropout1d  # noqa: E402
from minidl.nn.layers.padding import (  # noqa: E402
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
from minidl.nn.layers.pool1d_adaptive import AdaptiveAvgPool1d, AdaptiveMaxPool1d  # noqa: E402
from minidl.nn.layers.reshape import PixelShuffle, PixelUnshuffle, Unflatten  # noqa: E402

__all__ += ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
            "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
            "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "PixelShuffle", "PixelUnshuffle",
            "Unflatten", "Dropout1d", "AlphaDropout", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]
from minidl.nn.layers.loss_more import (  # noqa: E402
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
from minidl.nn.layers.fold import Fold, Unfold  # noqa: E402

__all__ += ["Unfold", "Fold"]
from minidl.nn.layers.unpool_bilinear import Bilinear, MaxUnpool2d  # noqa: E402

__all__ += ["MaxUnpool2d", "Bilinear"]
from minidl.nn.layers.extra import (  # noqa: E402
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
from minidl.nn.layers.embedding_bag import EmbeddingBag  # noqa: E402

__all__ += ["EmbeddingBag"]
from minidl.nn.layers.conv3d import Conv3d, ConvTranspose3d  # noqa: E402
from minidl.nn.layers.normalization import BatchNorm3d  # noqa: E402
from minidl.nn.layers.pool3d import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool3d, MaxPool3d, MaxUnpool3d  # noqa: E402

__all__ += ["Conv3d", "ConvTranspose3d", "BatchNorm3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
            "AdaptiveMaxPool3d", "MaxUnpool3d", "LPPool3d"]
from minidl.nn.layers.lazy import (  # noqa: E402
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

__all__ += ["LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
            "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
            "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
from minidl.nn.layers.rnn import RNNBase  # noqa: E402

__all__ += ["RNNBase"]
from minidl.nn.layers.fractional_pool import FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402

__all__ += ["FractionalMaxPool2d", "FractionalMaxPool3d"]
