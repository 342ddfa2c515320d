"""The Keras-style training workflow: ``fit``, ``evaluate``, ``predict``, callbacks,
checkpoints and hyper-parameter search.

>>> from minidl.train import fit, EarlyStopping, ModelCheckpoint   # doctest: +SKIP
"""
from minidl.train.callbacks import (Callback, CallbackList, CSVLogger, EarlyStopping,
                                    LambdaCallback, LearningRateScheduler, ModelCheckpoint,
                                    ProgressBar, ReduceLROnPlateau, TerminateOnNaN)
from minidl.train.history import History
from minidl.train.loop import Trainer, evaluate, fit, load_checkpoint, predict
from minidl.train.lr_finder import lr_range_test
from minidl.train.search import grid_search, random_search

__all__ = ["fit", "evaluate", "predict", "History", "Trainer", "load_checkpoint",
           "Callback", "CallbackList", "ProgressBar", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN",
           "LambdaCallback", "lr_range_test", "grid_search", "random_search"]
