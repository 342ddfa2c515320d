"""``keras.layers``: the layers of the Keras facade (``from minidl.keras import layers``)."""
from minidl.keras.layers.base import Input, InputLayer, KerasTensor, Layer, Variable
from minidl.keras.layers.bidirectional import Bidirectional
from minidl.keras.layers.conv import (
                                      AveragePooling2D,
                                      Conv2D,
                                      GlobalAveragePooling2D,
                                      GlobalMaxPooling2D,
                                      MaxPooling2D,
                                      ZeroPadding2D,
)
from minidl.keras.layers.conv_more import Conv1D, Conv2DTranspose, UpSampling2D
from minidl.keras.layers.core import (
                                      Activation,
                                      Dense,
                                      Dropout,
                                      Flatten,
                                      Identity,
                                      LeakyReLU,
                                      ReLU,
                                      Rescaling,
                                      Reshape,
                                      Softmax,
)
from minidl.keras.layers.embedding import Embedding, GlobalAveragePooling1D, GlobalMaxPooling1D
from minidl.keras.layers.masking import Masking
from minidl.keras.layers.merging import (
                                      Add,
                                      Average,
                                      Concatenate,
                                      Maximum,
                                      Minimum,
                                      Multiply,
                                      Subtract,
                                      add,
                                      average,
                                      concatenate,
                                      maximum,
                                      minimum,
                                      multiply,
                                      subtract,
)
from minidl.keras.layers.normalization import BatchNormalization
from minidl.keras.layers.preprocessing import Normalization, RandomFlip
from minidl.keras.layers.recurrent import GRU, LSTM, SimpleRNN
from minidl.keras.layers.reshaping import RepeatVector
from minidl.keras.layers.sequence_more import AveragePooling1D, LayerNormalization, MaxPooling1D

# Keras' aliases
Convolution2D = Conv2D
Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D

__all__ = ["Layer", "Variable", "KerasTensor", "Input", "InputLayer", "Dense", "Activation", "Dropout",
           "Flatten", "Reshape", "Rescaling", "ReLU", "LeakyReLU", "Softmax", "Identity", "Conv2D",
           "Convolution2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalAveragePooling2D", "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D",
           "ZeroPadding2D", "BatchNormalization", "Normalization", "RandomFlip", "Add", "Subtract",
           "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "add", "subtract", "multiply",
           "average", "maximum", "minimum", "concatenate", "Embedding", "GlobalAveragePooling1D",
           "GlobalAvgPool1D", "GlobalMaxPooling1D", "GlobalMaxPool1D", "SimpleRNN", "LSTM", "GRU",
           "Masking", "Bidirectional", "Conv1D", "Convolution1D", "Conv2DTranspose", "Convolution2DTranspose",
           "UpSampling2D", "RepeatVector", "LayerNormalization", "MaxPooling1D", "MaxPool1D", "AveragePooling1D",
           "AvgPool1D"]

# session 10: wrappers, attention, einsum, merging/activation/normalization extras
from minidl.keras.layers.activation_layers import ELU, PReLU  # noqa: E402
from minidl.keras.layers.lambda_layer import Lambda  # noqa: E402
from minidl.keras.layers.normalization_more import GroupNormalization, UnitNormalization  # noqa: E402
from minidl.keras.layers.permute_dot import Dot, Permute, dot  # noqa: E402
from minidl.keras.layers.wrappers import TimeDistributed, Wrapper  # noqa: E402

__all__ += ["ELU", "PReLU", "Lambda", "GroupNormalization", "UnitNormalization", "Dot", "Permute", "dot",
            "TimeDistributed", "Wrapper"]
from minidl.keras.layers.attention import AdditiveAttention, Attention  # noqa: E402
from minidl.keras.layers.einsum_dense import EinsumDense  # noqa: E402
from minidl.keras.layers.multi_head_attention import MultiHeadAttention  # noqa: E402

__all__ += ["AdditiveAttention", "Attention", "EinsumDense", "MultiHeadAttention"]

# session 10 (keras10b): generic RNN and cells
from minidl.keras.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells  # noqa: E402
from minidl.keras.layers.rnn_generic import RNN  # noqa: E402

__all__ += ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]

# session 10 (keras10b): convolution variants
from minidl.keras.layers.conv3d import AveragePooling3D, Conv3D, MaxPooling3D  # noqa: E402
from minidl.keras.layers.conv_depthwise import (  # noqa: E402
                                      DepthwiseConv1D,
                                      DepthwiseConv2D,
                                      SeparableConv1D,
                                      SeparableConv2D,
)
from minidl.keras.layers.cropping import Cropping1D, Cropping2D, Cropping3D  # noqa: E402

Convolution3D = Conv3D
SeparableConvolution2D = SeparableConv2D
SeparableConvolution1D = SeparableConv1D
MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
__all__ += ["Conv3D", "Convolution3D", "MaxPooling3D", "MaxPool3D", "AveragePooling3D", "AvgPool3D",
            "DepthwiseConv2D", "DepthwiseConv1D", "SeparableConv2D", "SeparableConvolution2D", "SeparableConv1D",
            "SeparableConvolution1D", "Cropping1D", "Cropping2D", "Cropping3D"]

# session 10 (keras10b): regularisation and noise layers
from minidl.keras.layers.noise import (  # noqa: E402
                                      ActivityRegularization,
                                      AlphaDropout,
                                      GaussianDropout,
                                      GaussianNoise,
                                      SpatialDropout1D,
                                      SpatialDropout2D,
                                      SpatialDropout3D,
)

__all__ += ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
            "AlphaDropout", "ActivityRegularization"]

# session 10 (keras10b): image preprocessing
from minidl.keras.layers.image_preprocessing import (  # noqa: E402
                                      CenterCrop,
                                      RandomCrop,
                                      RandomRotation,
                                      RandomTranslation,
                                      RandomZoom,
                                      Resizing,
)

__all__ += ["Resizing", "CenterCrop", "RandomCrop", "RandomTranslation", "RandomRotation", "RandomZoom"]

# session 11 (klayers): structural layers
from minidl.keras.layers.conv_transpose_more import Conv1DTranspose, Conv3DTranspose  # noqa: E402
from minidl.keras.layers.pooling_more import (  # noqa: E402
                                      AdaptiveAveragePooling1D,
                                      AdaptiveAveragePooling2D,
                                      AdaptiveAveragePooling3D,
                                      AdaptiveMaxPooling1D,
                                      AdaptiveMaxPooling2D,
                                      AdaptiveMaxPooling3D,
                                      GlobalAveragePooling3D,
                                      GlobalMaxPooling3D,
)
from minidl.keras.layers.reshaping_more import UpSampling1D, UpSampling3D, ZeroPadding1D, ZeroPadding3D  # noqa: E402

Convolution1DTranspose = Conv1DTranspose
Convolution3DTranspose = Conv3DTranspose
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
__all__ += ["Conv1DTranspose", "Convolution1DTranspose", "Conv3DTranspose", "Convolution3DTranspose",
            "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPooling3D", "GlobalMaxPool3D",
            "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
            "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "UpSampling1D", "UpSampling3D",
            "ZeroPadding1D", "ZeroPadding3D"]
from minidl.keras.layers.input_spec import InputSpec  # noqa: E402

__all__ += ["InputSpec"]
from minidl.keras.layers.serialization import deserialize, serialize  # noqa: E402

__all__ += ["serialize", "deserialize"]
from minidl.keras.layers.normalization_rms import RMSNormalization  # noqa: E402

__all__ += ["RMSNormalization"]
from minidl.keras.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: E402

__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
from minidl.keras.layers.grouped_query_attention import GroupedQueryAttention, GroupQueryAttention  # noqa: E402
from minidl.keras.layers.spectral_embedding import ReversibleEmbedding, SpectralNormalization  # noqa: E402

__all__ += ["GroupQueryAttention", "GroupedQueryAttention", "SpectralNormalization", "ReversibleEmbedding"]
# session 11 (kimage): image augmentation (colour and value)
from minidl.keras.layers.augment_color import (  # noqa: E402
                                      AutoContrast,
                                      Equalization,
                                      RandomBrightness,
                                      RandomColorDegeneration,
                                      RandomColorJitter,
                                      RandomContrast,
                                      RandomGaussianBlur,
                                      RandomGrayscale,
                                      RandomHue,
                                      RandomInvert,
                                      RandomPosterization,
                                      RandomSaturation,
                                      RandomSharpness,
                                      Solarization,
)

__all__ += ["RandomBrightness", "RandomContrast", "RandomGrayscale", "RandomHue", "RandomSaturation",
            "RandomColorJitter", "RandomColorDegeneration", "RandomInvert", "RandomPosterization", "Solarization",
            "AutoContrast", "Equalization", "RandomSharpness", "RandomGaussianBlur"]

# session 11 (kimage): image augmentation (geometry)
from minidl.keras.layers.augment_geometry import (  # noqa: E402
                                      RandomElasticTransform,
                                      RandomErasing,
                                      RandomPerspective,
                                      RandomShear,
)

__all__ += ["RandomShear", "RandomPerspective", "RandomErasing", "RandomElasticTransform"]

# session 11 (kimage): image augmentation (mixing, policies, pipeline)
from minidl.keras.layers.augment_mix import (  # noqa: E402
                                      AugMix,
                                      CutMix,
                                      MaxNumBoundingBoxes,
                                      MixUp,
                                      Pipeline,
                                      RandAugment,
)

__all__ += ["MixUp", "CutMix", "RandAugment", "AugMix", "Pipeline", "MaxNumBoundingBoxes"]

# session 11 (kimage): CLAHE
from minidl.keras.layers.augment_clahe import ContrastLimitedAdaptiveHistogramEqualization  # noqa: E402

__all__ += ["ContrastLimitedAdaptiveHistogramEqualization"]
# session 11 (ktext): text and categorical preprocessing
from minidl.keras.layers.categorical import CategoryEncoding, Discretization, HashedCrossing, Hashing  # noqa: E402
from minidl.keras.layers.index_lookup import IntegerLookup, StringLookup  # noqa: E402
from minidl.keras.layers.text_vectorization import TextVectorization  # noqa: E402

__all__ += ["TextVectorization", "StringLookup", "IntegerLookup", "CategoryEncoding", "Hashing", "HashedCrossing",
            "Discretization"]
