"""The string hashes Keras' hashing layers get from TensorFlow, in plain Python.

* :func:`fingerprint64`: FarmHash's ``Fingerprint64`` (the ``farmhashna::Hash64`` variant), what
  ``tf.strings.to_hash_bucket_fast`` uses (``Hashing`` without a salt, lookups' extra OOV buckets);
* :func:`siphash64`: SipHash-2-4 with a 128-bit key, what ``tf.strings.to_hash_bucket_strong``
  uses (``Hashing(salt=...)``);
* :func:`cross_fingerprint`: ``tf.sparse.cross_hashed``'s combination of several features
  (``HashedCrossing``): string features by their fingerprint, integers as they are, chained with
  ``FingerprintCat64`` from the seed ``0xDECAFCAFFE``.

All arithmetic is modulo 2**64 (Python ints masked with ``_M``).
"""
from __future__ import annotations

import struct

__all__ = ["fingerprint64", "siphash64", "cross_fingerprint"]

_M = 0xFFFFFFFFFFFFFFFF
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _rot(value, shift):
    """Rotate a 64-bit value right by ``shift``."""
    return value if shift == 0 else ((value >> shift) | (value << (64 - shift))) & _M


def _shift_mix(value):
    return value ^ (value >> 47)


def _f64(data, at):
    return struct.unpack_from("<Q", data, at)[0]


def _f32(data, at):
    return struct.unpack_from("<I", data, at)[0]


def _len16(u, v, mul):
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len0to16(s, n):
    if n >= 8:
        mul = (_K2 + n * 2) & _M
        a = (_f64(s, 0) + _K2) & _M
        b = _f64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M
        d = ((_rot(a, 25) + b) * mul) & _M
        return _len16(c, d, mul)
    if n >= 4:
        mul = (_K2 + n * 2) & _M
        a = _f32(s, 0)
        return _len16((n + (a << 3)) & _M, _f32(s, n - 4), mul)
    if n > 0:
        a, b, c = s[0], s[n >> 1], s[n - 1]
        y = (a + (b << 8)) & 0xFFFFFFFF
        z = (n + (c << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _len17to32(s, n):
    mul = (_K2 + n * 2) & _M
    a = (_f64(s, 0) * _K1) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    return _len16((_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M,
                  (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)


def _len33to64(s, n):
    mul = (_K2 + n * 2) & _M
    a = (_f64(s, 0) * _K2) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    y = (_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M
    z = _len16(y, (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)
    e = (_f64(s, 16) * mul) & _M
    f = _f64(s, 24)
    g = ((y + _f64(s, n - 32)) * mul) & _M
    h = ((z + _f64(s, n - 24)) * mul) & _M
    return _len16((_rot((e + f) & _M, 43) + _rot(g, 30) + h) & _M,
                  (e + _rot((f + a) & _M, 18) + g) & _M, mul)


def _weak32(s, at, a, b):
    w, x, y, z = _f64(s, at), _f64(s, at + 8), _f64(s, at + 16), _f64(s, at + 24)
    a = (a + w) & _M
    b = _rot((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rot(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def fingerprint64(data: bytes) -> int:
    """FarmHash ``Fingerprint64`` of ``data`` (an unsigned 64-bit int)."""
    s, n = bytes(data), len(data)
    if n <= 16:
        return _len0to16(s, n)
    if n <= 32:
        return _len17to32(s, n)
    if n <= 64:
        return _len33to64(s, n)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v, w = (0, 0), (0, 0)
    x = (x * _K2 + _f64(s, 0)) & _M
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    at = 0
    while True:
        x = (_rot((x + y + v[0] + _f64(s, at + 8)) & _M, 37) * _K1) & _M
        y = (_rot((y + v[1] + _f64(s, at + 48)) & _M, 42) * _K1) & _M
        x ^= w[1]
        y = (y + v[0] + _f64(s, at + 40)) & _M
        z = (_rot((z + w[0]) & _M, 33) * _K1) & _M
        v = _weak32(s, at, (v[1] * _K1) & _M, (x + w[0]) & _M)
        w = _weak32(s, at + 32, (z + w[1]) & _M, (y + _f64(s, at + 16)) & _M)
        z, x = x, z
        at += 64
        if at == end:
            break
    mul = (_K1 + ((z & 0xFF) << 1)) & _M
    at = last64
    w0 = (w[0] + ((n - 1) & 63)) & _M
    v0 = (v[0] + w0) & _M
    w0 = (w0 + v0) & _M
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rot((x + y + v[0] + _f64(s, at + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _f64(s, at + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M
    y = (y + v[0] * 9 + _f64(s, at + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32(s, at, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32(s, at + 32, (z + w[1]) & _M, (y + _f64(s, at + 16)) & _M)
    z, x = x, z
    return _len16((_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _M,
                  (_len16(v[1], w[1], mul) + x) & _M, mul)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M
    v1 = _rot(v1, 64 - 13) ^ v0
    v0 = _rot(v0, 64 - 32)
    v2 = (v2 + v3) & _M
    v3 = _rot(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & _M
    v3 = _rot(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & _M
    v1 = _rot(v1, 64 - 17) ^ v2
    v2 = _rot(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash64(key, data: bytes) -> int:
    """SipHash-2-4 of ``data`` with the 128-bit ``key`` given as two unsigned 64-bit ints."""
    k0, k1 = (int(k) & _M for k in key)
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573
    s = bytes(data)
    n = len(s)
    full = n - n % 8
    for at in range(0, full, 8):
        m = _f64(s, at)
        v3 ^= m
        for _ in range(2):
            v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
        v0 ^= m
    m = ((n & 0xFF) << 56) | int.from_bytes(s[full:], "little")
    v3 ^= m
    for _ in range(2):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    v0 ^= m
    v2 ^= 0xFF
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


_CAT_MUL = 0xC6A4A7935BD1E995
_CROSS_SEED = 0xDECAFCAFFE


def _fingerprint_cat64(fp1, fp2):
    result = fp1 ^ _CAT_MUL
    result ^= (_shift_mix((fp2 * _CAT_MUL) & _M) * _CAT_MUL) & _M
    result = (result * _CAT_MUL) & _M
    result = (_shift_mix(result) * _CAT_MUL) & _M
    return _shift_mix(result)


def cross_fingerprint(values) -> int:
    """The hash ``tf.sparse.cross_hashed`` gives one combination of feature ``values`` (strings /
    bytes by their :func:`fingerprint64`, integers as their two's-complement 64-bit value)."""
    out = _CROSS_SEED
    for value in values:
        if isinstance(value, str):
            value = fingerprint64(value.encode("utf-8"))
        elif isinstance(value, bytes):
            value = fingerprint64(value)
        else:
            value = int(value) & _M
        out = _fingerprint_cat64(out, value)
    return out
