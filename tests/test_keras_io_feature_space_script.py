"""The keras.io example "Structured data classification with FeatureSpace" (Keras 3 version) run on
minidl.keras: ``tests/keras_io_scripts/structured_data_classification_with_feature_space.py``, whose edits
are listed at its top (imports, the tf.data module, a pandas stand-in, and the data file).

DATA: the real heart.csv (303 Cleveland Clinic patients) is downloaded by the script on keras.io; here
:func:`write_heart_csv` writes a SYNTHETIC stand-in with the same 14 columns (value ranges and category
sets as the real file's, the target correlated with thalach, exang, oldpeak and thal) so that the script
runs offline and learns something.
"""
import numpy as np
from test_keras_io_scripts import epoch_logs, printed, run_script


def write_heart_csv(path, n=160, seed=0):
    """A SYNTHETIC heart.csv: ``n`` rows of the real file's columns (see the module docstring)."""
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 2, n)
    columns = {
        "age": rng.integers(29, 78, n), "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 5, n),
        "trestbps": rng.integers(94, 200, n), "chol": rng.integers(126, 565, n), "fbs": rng.integers(0, 2, n),
        "restecg": rng.integers(0, 3, n), "thalach": 150 - 25 * target + rng.integers(-30, 30, n),
        "exang": (rng.random(n) < 0.2 + 0.5 * target).astype(int),
        "oldpeak": np.round(rng.random(n) * 2 + 1.5 * target, 1), "slope": rng.integers(1, 4, n),
        "ca": rng.integers(0, 4, n),
        "thal": np.where(target == 1, rng.choice(["reversible", "fixed"], n), rng.choice(["normal", "fixed"], n)),
        "target": target}
    lines = [",".join(columns)] + [",".join(str(columns[k][i]) for k in columns) for i in range(n)]
    path.write_text("\n".join(lines) + "\n")


def test_structured_data_classification_with_feature_space(tmp_path):
    # all 20 epochs (4 batches of 32 each); the expressions check the two models against each other
    write_heart_csv(tmp_path / "heart.csv")
    exprs = ["float(inference_model.predict(input_dict, verbose=0)[0][0])",
             "float(training_model.predict(feature_space(input_dict), verbose=0)[0][0])",
             "feature_space.preprocessors['thal'].get_vocabulary()",
             "len(feature_space.preprocessors['age'].bin_boundaries)",
             "sorted(feature_space.crossers)"]
    out = run_script("structured_data_classification_with_feature_space", tmp_path,
                     env={"MINIDL_SCRIPT_PRINT_EXPRS": ";".join(exprs)})
    assert "(160, 14)" in out and "Using 128 samples for training and 32 for validation" in out
    assert "'thal': EagerArray(b'" in out  # a string feature is bytes, as tf.data's
    # 2+5+2+3+2+4 one-hot integer features, 3 thal strings, 30 age bins, 5 normalized floats, crosses 64 + 16
    assert "preprocessed_x.shape: minidl.Size([32, 136])" in out and "preprocessed_x.dtype: minidl.float32" in out
    assert "Epoch 20/20" in out
    val_accuracy = epoch_logs(out, "val_accuracy")
    assert len(val_accuracy) == 20 and val_accuracy[-1] >= 0.75  # the synthetic target is learnable
    assert "% probability of having a heart disease" in out
    np.testing.assert_allclose(float(printed(out, exprs[0])), float(printed(out, exprs[1])), rtol=1e-5)
    assert sorted(eval(printed(out, exprs[2]))) == ["fixed", "normal", "reversible"]  # num_oov_indices=0
    assert printed(out, exprs[3]) == "29" and printed(out, exprs[4]) == "['sex_X_age', 'thal_X_ca']"
