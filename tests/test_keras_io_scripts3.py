"""Walkthroughs of more keras.io examples and guides (session 12, kscripts3), run on minidl.keras.

``tests/keras_io_scripts/`` holds, beside the verbatim copies of tests/test_keras_io_scripts.py, scripts
written for minidl *in the manner of* keras.io pages (named in each docstring): the same models, layers
and API calls on small synthetic data, in their own code. Each runs in a subprocess through
``_run_script.py``. Expected summaries, log keys and callback output are Keras 3.15's (JAX backend) for
the same scripts with ``minidl.keras`` imports swapped for ``keras`` (data pipelines replaced by arrays
where Keras needs TensorFlow); each script runs in about a second.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_keras_io_scripts import run_script  # noqa: E402

SIAMESE_SUMMARY = """\
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer_1       │ (None, 28, 28, 1) │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer_2       │ (None, 28, 28, 1) │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ functional          │ (None, 10)        │      5,878 │ input_layer_1[0]… │
│ (Functional)        │                   │            │ input_layer_2[0]… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lambda (Lambda)     │ (None, 1)         │          0 │ functional[0][0], │
│                     │                   │            │ functional[1][0]  │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ batch_normalizatio… │ (None, 1)         │          4 │ lambda[0][0]      │
│ (BatchNormalizatio… │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_1 (Dense)     │ (None, 1)         │          2 │ batch_normalizat… │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 5,884 (22.98 KB)
 Trainable params: 5,880 (22.97 KB)
 Non-trainable params: 4 (16.00 B)"""


def test_pixelcnn_masked_conv(tmp_path):
    # (N, 10, 10) images into Input((10, 10, 1)); the kernel mask holds after training (eager assign, as on
    # Keras' torch/TF backends; on JAX the assignment inside the compiled step is dropped)
    out = run_script("pixelcnn_masked_conv", tmp_path)
    assert "│ residual (Residual)             │ (None, 10, 10, 16)     │           864 │" in out
    assert "masked weights are zero: True" in out and "sampled: (2, 10, 10, 1)" in out
    assert (tmp_path / "generated_0.png").is_file()


def test_siamese_contrastive_pairs(tmp_path):
    out = run_script("siamese_contrastive_pairs", tmp_path)
    assert SIAMESE_SUMMARY in out
    assert "logged: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out and "predictions: (40, 1)" in out


def test_collaborative_filtering_subclassed(tmp_path):
    out = run_script("collaborative_filtering_subclassed", tmp_path)
    assert "│ embedding (Embedding)           │ (64, 8)                │           160 │" in out  # built in fit
    assert "│ embedding_7 (Embedding)         │ (None, 1)              │            30 │" in out  # built on Input
    assert "symbolic output: (None, 1)" in out and "logged: ['loss', 'val_loss']" in out


def test_callbacks_guide_walkthrough(tmp_path):
    out = run_script("callbacks_guide_walkthrough", tmp_path)
    assert ("train batch 1 end: ['loss', 'mean_absolute_error']\n"
            "test batch 0 end: ['loss', 'mean_absolute_error']\n") in out
    assert "epoch 0 end: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']" in out
    assert "predict batch 1 end: ['outputs']" in out and "train begin: []" in out
    assert "epoch 1: learning rate 0.050\nepoch 2: learning rate 0.050\nepoch 3: learning rate 0.010" in out


def test_custom_train_step_torch_style(tmp_path):
    out = run_script("custom_train_step_torch_style", tmp_path)
    assert "metrics: ['loss', 'compile_metrics']" in out
    assert "compiled-loss history: ['loss', 'mae'] 3" in out and "weighted history: ['loss', 'mae']" in out
    assert "evaluate: 2" in out and "own-tracker losses decrease: True" in out
    assert "gan history: ['d_loss', 'g_loss']" in out


def test_custom_training_loop_torch_style(tmp_path):
    out = run_script("custom_training_loop_torch_style", tmp_path)
    assert "torch-optimizer epoch 1" in out and "keras-optimizer epoch 1: val acc" in out
    assert "optimizer steps: 8" in out and "tracked losses: 1 True" in out


def test_nmt_transformer_tiny(tmp_path):
    out = run_script("nmt_transformer_tiny", tmp_path)
    assert "batch shapes: (16, 8) (16, 8) (16, 8)" in out
    assert "│ encoder (Encoder)   │ (None, None, 16)  │      3,296 │ positional_embed… │" in out
    assert "logged: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out
    assert "translation starts with [start]: True" in out and "reloaded max difference: 0.0" in out
    assert "does not support masking" not in out


def test_structured_data_dict_layer(tmp_path):
    out = run_script("structured_data_dict_layer", tmp_path)
    assert "│ classifier          │ (None, 1)         │        209 │" in out
    assert "logged: ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in out and "probability in [0, 1]: True" in out


def test_transfer_learning_walkthrough(tmp_path):
    out = run_script("transfer_learning_walkthrough", tmp_path)
    assert "frozen dense: 2 0 2" in out and "batch norm: 4 2 2" in out
    assert "frozen layer unchanged: True" in out and "recursive: False False" in out
    assert "augmented batch: (4, 32, 32, 3)" in out
    assert "│ mobilenetv2_0.35_32         │ (None, 1, 1, 1280)    │    410,208 │   N   │" in out
    assert "│ mobilenetv2_0.35_32         │ (None, 1, 1, 1280)    │    410,208 │   Y   │" in out
    assert " Total params: 411,489 (1.57 MB)" in out and "evaluate: 2" in out


def test_char_lstm_text_generation(tmp_path):
    out = run_script("char_lstm_text_generation", tmp_path)
    assert "sequences: (218, 20, 21) bool" in out and "epoch 1: loss" in out
    assert out.count("generated 12 characters") == 4


def test_conv_lstm_next_frame(tmp_path):
    out = run_script("conv_lstm_next_frame", tmp_path)
    assert "│ conv_lstm2d (ConvLSTM2D)        │ (None, None, 10, 10,   │           736 │" in out
    assert "logged: ['learning_rate', 'loss', 'val_loss']" in out and "extended movie: (5, 10, 10, 1)" in out


def test_weather_forecasting_windows(tmp_path):
    out = run_script("weather_forecasting_windows", tmp_path)
    assert "input batch: (32, 20, 7) target batch: (32,)" in out
    assert "Epoch 1: val_loss improved from None to" in out and "finished saving model to best.weights.h5" in out
    assert "epochs run: 2" in out and "one forecast: (1,)" in out


def test_mixture_density_network(tmp_path):
    out = run_script("mixture_density_network", tmp_path)
    assert "plain predictions: (240, 1)" in out and "mixture parameters: (240, 12)" in out
    assert "trainable weights: 6 8" in out and "'learning_rate'" in out


def test_metric_learning_sequence(tmp_path):
    out = run_script("metric_learning_sequence", tmp_path)
    assert "one batch: (2, 5, 16, 16, 3)" in out
    assert "logged: ['accuracy', 'loss'] 2" in out and "unit norm: True (20, 4)" in out
