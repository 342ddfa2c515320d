"""The state of forward-mode AD (``minidl.autograd.forward_ad``) that the hot paths read.

``active`` is the one flag ``Function.apply``, the in-place ops and the
backward walk test: True only while a dual level is open, at least one dual
Tensor was made in it, and no private tangent computation is running. With no
level open (every ordinary training step) forward mode costs one attribute
read per op.

A Tensor's tangent lives in its ``__dict__`` as ``_fw_tangent = (token,
tangent)``; ``token`` is the object standing for the level it was set in, so a
tangent left from a level that has been exited is never read again (the exit
also drops the entries it can still reach).
"""
from __future__ import annotations

import contextlib
import weakref

level = None       # the open dual level (0), or None
token = None       # a fresh object per entered level
has_duals = False  # make_dual was called in this level
busy = 0           # > 0 while a private tangent computation runs (its ops carry no tangents)
active = False    # level is not None and has_duals and not busy
_holders = []      # weak references to the Tensors given a tangent in this level (cleared on exit)
_prune_at = 4096   # the length of _holders at which dead references are dropped


def _refresh():
    global active
    active = level is not None and has_duals and not busy


def open_level():
    """Enter the (single) dual level; returns its number."""
    global level, token, has_duals
    level, token, has_duals = 0, object(), False
    _refresh()
    return level


def close_level():
    """Exit the level: every tangent set in it is dropped."""
    global level, token, has_duals
    for ref in _holders:
        t = ref()
        if t is not None:
            t.__dict__.pop("_fw_tangent", None)
    _holders.clear()
    level, token, has_duals = None, None, False
    _refresh()


def tangent_of(t):
    """The tangent Tensor of ``t`` at the open level, or None."""
    entry = t.__dict__.get("_fw_tangent")
    if entry is None:
        return None
    if entry[0] is token and token is not None:
        return entry[1]
    del t.__dict__["_fw_tangent"]
    return None


def set_tangent(t, tangent):
    """Attach ``tangent`` (a Tensor, or None to remove it) to ``t`` at the open level."""
    global has_duals
    if tangent is None:
        t.__dict__.pop("_fw_tangent", None)
        return
    if "_fw_tangent" not in t.__dict__:
        _holders.append(weakref.ref(t))
        if len(_holders) >= _prune_at:
            _prune()
    t.__dict__["_fw_tangent"] = (token, tangent)
    if not has_duals:
        has_duals = True
        _refresh()


def _prune():
    global _prune_at
    _holders[:] = [ref for ref in _holders if ref() is not None]
    _prune_at = max(4096, 2 * len(_holders))


def any_dual(items):
    """Whether any Tensor among ``items`` has a tangent at the open level."""
    for t in items:
        if t is not None and "_fw_tangent" in getattr(t, "__dict__", ()) and tangent_of(t) is not None:
            return True
    return False


class private:
    """``with private():`` ops run without tangents (the private graph of a tangent computation)."""

    def __enter__(self):
        global busy
        busy += 1
        _refresh()

    def __exit__(self, *exc):
        global busy
        busy -= 1
        _refresh()
        return False


_NO_CONTEXT = contextlib.nullcontext()


def untracked():
    """A context in which ops carry no tangents when forward mode is active (a custom Function's forward,
    whose outputs get their tangents from its ``jvp``); a no-op otherwise."""
    return private() if active else _NO_CONTEXT
