"""minidl.metrics against hand-computed values."""
import numpy as np
import pytest

import minidl as mdl
from minidl.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    precision_recall_f1,
    resolve_metric,
    top_k_accuracy,
)

LOGITS = np.array([
    [0.1, 0.9, 0.0, 0.3, 0.2, 0.5],   # true 0: rank 4 (0.9, 0.3, 0.2, 0.5 above) -> top-5 yes, top-1 no
    [0.6, 0.1, 0.2, 0.3, 0.4, 0.5],   # true 1: rank 5 -> top-5 no
    [0.0, 0.1, 0.9, 0.2, 0.3, 0.4],   # true 2: rank 0 -> top-1 yes
    [0.5, 0.4, 0.3, 0.2, 0.1, 0.6],   # true 3: rank 4 (0.5, 0.4, 0.3, 0.6 above) -> top-5 yes
], dtype=np.float32)
Y = np.array([0, 1, 2, 3])


def test_accuracy_and_top_k_hand_computed():
    assert accuracy(LOGITS, Y) == 0.25
    assert top_k_accuracy(LOGITS, Y, k=1) == 0.25
    assert top_k_accuracy(LOGITS, Y, k=3) == 0.25
    assert top_k_accuracy(LOGITS, Y, k=4) == 0.25
    assert top_k_accuracy(LOGITS, Y, k=5) == 0.75
    assert top_k_accuracy(LOGITS, Y, k=6) == 1.0


def test_accepts_tensors_and_predicted_labels():
    assert accuracy(mdl.tensor(LOGITS), mdl.tensor(Y)) == 0.25
    assert accuracy(np.array([1, 1, 2, 0]), Y) == 0.5
    assert top_k_accuracy(mdl.tensor(LOGITS), mdl.tensor(Y), k=5) == 0.75


def test_confusion_matrix_rows_true_cols_pred():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    cm = confusion_matrix(y_true, y_pred, num_classes=4)
    expected = np.zeros((4, 4), dtype=np.int64)
    expected[0, 0] = 1
    expected[0, 1] = 1
    expected[1, 1] = 1
    expected[2, 2] = 2
    expected[2, 0] = 1
    np.testing.assert_array_equal(cm, expected)
    assert cm.dtype == np.int64
    # scores are argmax-ed; the width gives the number of classes
    assert confusion_matrix(Y, LOGITS).shape == (6, 6)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix([0, 5], [0, 1], num_classes=3)


def test_precision_recall_f1_hand_computed():
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2]
    p, r, f, s = precision_recall_f1(y_true, y_pred)
    np.testing.assert_allclose(p, [1.0, 0.5, 0.5])
    np.testing.assert_allclose(r, [2 / 3, 0.5, 1.0])
    np.testing.assert_allclose(f, [0.8, 0.5, 2 / 3])
    np.testing.assert_array_equal(s, [3, 2, 1])
    mp, mr, mf, total = precision_recall_f1(y_true, y_pred, average="macro")
    assert mp == pytest.approx(2 / 3) and mr == pytest.approx((2 / 3 + 0.5 + 1) / 3) and total == 6
    wp, _, wf, _ = precision_recall_f1(y_true, y_pred, average="weighted")
    assert wp == pytest.approx((3 * 1 + 2 * 0.5 + 0.5) / 6)
    assert wf == pytest.approx((3 * 0.8 + 2 * 0.5 + 2 / 3) / 6)
    assert precision_recall_f1(y_true, y_pred, average="micro")[0] == pytest.approx(4 / 6)


def test_zero_division_gives_zero():
    p, r, f, s = precision_recall_f1([0, 0], [0, 0], num_classes=2)
    assert p[1] == 0 and r[1] == 0 and f[1] == 0 and s[1] == 0


def test_classification_report_matches_sklearn_layout():
    text = classification_report([0, 1, 2, 2, 2], [0, 0, 2, 2, 1],
                                 class_names=["class 0", "class 1", "class 2"])
    # scikit-learn's documented output for this example
    expected = (
        "              precision    recall  f1-score   support\n"
        "\n"
        "     class 0       0.50      1.00      0.67         1\n"
        "     class 1       0.00      0.00      0.00         1\n"
        "     class 2       1.00      0.67      0.80         3\n"
        "\n"
        "    accuracy                           0.60         5\n"
        "   macro avg       0.50      0.56      0.49         5\n"
        "weighted avg       0.70      0.60      0.61         5\n")
    assert text == expected


def test_classification_report_digits_and_long_names():
    text = classification_report([0, 1], [0, 1], class_names=["a-very-long-class-name", "b"], digits=3)
    lines = text.splitlines()
    assert lines[2].startswith("a-very-long-class-name")
    assert "1.000" in lines[2]
    assert lines[-1].split()[-1] == "2"


def test_resolve_metric_names():
    assert resolve_metric("acc")[0] == "accuracy"
    key, fn = resolve_metric("top5_accuracy")
    assert key == "top5_accuracy" and fn(LOGITS, Y) == 0.75
    assert resolve_metric("top_3_accuracy")[0] == "top3_accuracy"
    assert resolve_metric("top_k_accuracy")[0] == "top5_accuracy"
    with pytest.raises(ValueError, match="unknown metric"):
        resolve_metric("f2")
