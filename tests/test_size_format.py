"""``f"{tensor.shape}"`` in a user's script reads ``minidl.Size([3, 4])`` as ``torch.Size`` formats
(the 60-minute blitz prints ``f"Shape of tensor: {tensor.shape}"``); minidl's own error messages keep
the plain tuple ``(3, 4)``."""
import pytest

import minidl


def test_user_formatting_reads_as_repr():
    shape = minidl.rand(3, 4).shape
    assert f"Shape of tensor: {shape}" == "Shape of tensor: minidl.Size([3, 4])"
    assert "{}".format(shape) == "minidl.Size([3, 4])"
    assert "%s" % (shape,) == "minidl.Size([3, 4])"
    assert format(shape) == str(shape) == repr(shape)
    assert f"{minidl.tensor(1.0).shape}" == "minidl.Size([])"
    assert f"{shape!s:>25}" == "      minidl.Size([3, 4])"


def test_format_spec_applies_to_the_tuple():
    shape = minidl.Size([3, 4])
    assert f"{shape:}" == "minidl.Size([3, 4])"
    with pytest.raises(TypeError):
        f"{shape:>10}"  # noqa: B018 -- a tuple takes no format spec, as torch.Size


def test_minidl_messages_keep_the_tuple():
    with pytest.raises(ValueError, match=r"got input of shape \(2, 4\)$"):
        minidl.nn.Linear(3, 2)(minidl.ones(2, 4))
