"""Bad input to the functional ops gives clear errors naming the op and the shapes involved."""
import numpy as np
import pytest

import minidl as mdl
import minidl.nn.functional as F


def test_elementwise_shapes_must_broadcast():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        mdl.ones(2, 3) + mdl.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes \(3, 2\) and \(2, 3\)"):
        mdl.ones(3, 2) * mdl.ones(2, 3)


def test_matmul_shapes_must_align():
    with pytest.raises(ValueError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        mdl.ones(2, 3) @ mdl.ones(4, 5)
    with pytest.raises(ValueError, match=r"batch dimensions"):
        mdl.ones(2, 3, 4) @ mdl.ones(3, 4, 5)


def test_conv2d_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"conv2d: input has 4 channels \(shape \(1, 4, 8, 8\)\).*\(6, 3, 3, 3\)"):
        F.conv2d(mdl.ones(1, 4, 8, 8), mdl.ones(6, 3, 3, 3))
    with pytest.raises(ValueError, match=r"4-D input"):
        F.conv2d(mdl.ones(8, 8), mdl.ones(6, 4, 3, 3))
    assert F.conv2d(mdl.ones(4, 8, 8), mdl.ones(6, 4, 3, 3)).shape == (6, 6, 6)  # unbatched, as PyTorch
    with pytest.raises(ValueError, match="smaller than the dilated kernel"):
        F.conv2d(mdl.ones(1, 1, 2, 2), mdl.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        F.conv2d(mdl.ones(1, 4, 5, 5), mdl.ones(3, 2, 3, 3), groups=2)


def test_linear_feature_mismatch():
    with pytest.raises(ValueError, match=r"linear: input has 5 features \(shape \(2, 5\)\).*expects 4"):
        F.linear(mdl.ones(2, 5), mdl.ones(3, 4))


def test_pooling_errors():
    with pytest.raises(ValueError, match="at most half the kernel"):
        F.max_pool2d(mdl.ones(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(ValueError, match="4-D input"):
        F.avg_pool2d(mdl.ones(5, 5), 2)


@pytest.mark.parametrize("target,match", [
    (np.array([0, 5]), r"target class 5 is out of range for 3 classes"),
    (np.array([-1, 0]), r"target class -1 is out of range"),
    (np.array([[0], [1]]), r"target must be class ids of shape \(2,\)"),
    (np.array([0, 1, 2]), r"target must be class ids of shape \(2,\)"),
    (np.array([0.5, 1.0]), r"integer class ids"),
])
def test_cross_entropy_bad_targets(target, match):
    with pytest.raises(ValueError, match=match):
        F.cross_entropy(mdl.ones(2, 3), target)


def test_cross_entropy_wrong_logits_dims():
    # (N, C, d1) input takes (N, d1) targets, as PyTorch
    with pytest.raises(ValueError, match=r"target must be class ids of shape \(2, 4\) for input of shape \(2, 3, 4\)"):
        F.cross_entropy(mdl.ones(2, 3, 4), np.array([0, 1]))
    with pytest.raises(ValueError, match="class dimension"):
        F.cross_entropy(mdl.tensor(1.0), np.array(0))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(mdl.ones(2, 3), np.array([0, 1]), reduction="avg")


def test_batch_norm_channel_mismatch():
    with pytest.raises(ValueError, match=r"running_mean has shape \(4,\) but the input \(2, 3, 5, 5\) has 3"):
        F.batch_norm(mdl.ones(2, 3, 5, 5), mdl.zeros(4), mdl.ones(4), training=True)


def test_reshape_and_mse_errors():
    with pytest.raises(RuntimeError,
                       match=r"shape '\[4, 2\]' is invalid for input of size 6 \(reshape of .* shape \(2, 3\)"):
        mdl.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"mse_loss: target shape \(3, 2\) cannot be broadcast to the input shape"):
        F.mse_loss(mdl.ones(2, 3), mdl.ones(3, 2))


def test_device_errors_without_gpu():
    if mdl.gpu_available():
        pytest.skip("a GPU is present")
    assert mdl.device("gpu").type == "cuda"   # naming a GPU is fine, as in PyTorch; placing data is not
    with pytest.raises(mdl.DeviceError, match="no GPU is usable"):
        mdl.tensor([1.0], device="cuda")
    with pytest.raises(mdl.DeviceError, match="unknown device"):
        mdl.device("tpu")
