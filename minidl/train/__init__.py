"""The Keras-style training workflow: ``fit``, ``evaluate``, ``predict``, callbacks,
checkpoints and hyper-parameter search.

Typical use::

    from minidl.train import fit, EarlyStopping, ModelCheckpoint
    hist = fit(model, train_loader, epochs=20, optimizer=opt, loss="cross_entropy",
               val_data=val_loader, metrics=("accuracy", "top5_accuracy"), seed=0,
               callbacks=[EarlyStopping(patience=3, restore_best_weights=True),
                          ModelCheckpoint("best.h5", save_best_only=True)])
"""
from minidl.train.callbacks import (
                                    Callback,
                                    CallbackList,
                                    CSVLogger,
                                    EarlyStopping,
                                    LambdaCallback,
                                    LearningRateScheduler,
                                    ModelCheckpoint,
                                    ProgressBar,
                                    ReduceLROnPlateau,
                                    TerminateOnNaN,
)
from minidl.train.history import History
from minidl.train.loop import Trainer, evaluate, fit, load_checkpoint, predict
from minidl.train.lr_finder import lr_range_test
from minidl.train.search import grid_search, random_search

__all__ = ["fit", "evaluate", "predict", "History", "Trainer", "load_checkpoint",
           "Callback", "CallbackList", "ProgressBar", "EarlyStopping", "ModelCheckpoint",
           "CSVLogger", "LearningRateScheduler", "ReduceLROnPlateau", "TerminateOnNaN",
           "LambdaCallback", "lr_range_test", "grid_search", "random_search"]
