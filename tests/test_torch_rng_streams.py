"""After the same seed, minidl's samplers give PyTorch's numbers.

The reference values are ``tests/fixtures/torch_rng.json``, made once with PyTorch 2.13 on x86-64 (an AMD
CPU: no MKL Bernoulli) by ``tests/fixtures/make_torch_rng.py`` (which holds the cases run here). Every
sampler is bit-identical, float32 normals included (PyTorch's AVX2 Box-Muller, emulated by
``minidl/_box_muller_f32.py``); only results that go through other libraries' rounding are compared to a
tolerance: ``orthogonal_``'s QR (MKL's LAPACK there, OpenBLAS here) and ``log_normal_``'s float64 exp.
"""
import json
import pathlib
import sys

import numpy as np
import pytest

import minidl
from minidl import mt19937

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from make_torch_rng import CASES, DIGESTS, digest, run  # noqa: E402

_FIXTURE = json.loads((FIXTURES / "torch_rng.json").read_text())
REFERENCE = _FIXTURE["values"]
NEAR = {"orthogonal", "log_normal_"}       # a LAPACK QR / libm exp between the draws and the result


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_gives_pytorchs_samples(name):
    got = np.array(run(minidl, CASES[name]))
    want = np.array(REFERENCE[name])
    assert got.shape == want.shape
    if name in NEAR:
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)


def test_seeding_is_the_reference_mersenne_twister():
    """init_genrand(5489) is the reference MT19937: its 10000th output is 4123659995 (C++ std::mt19937)."""
    words = mt19937.raw32(mt19937.seeded(5489), 10000)
    assert int(words[-1]) == 4123659995
    # PyTorch's 64-bit seeds keep their low 32 bits for the state, and the full value as initial_seed
    g = minidl.Generator().manual_seed(2 ** 40 + 7)
    assert g.initial_seed() == 2 ** 40 + 7
    np.testing.assert_array_equal(minidl.rand(4, generator=g).numpy(),
                                  minidl.rand(4, generator=minidl.Generator().manual_seed(7)).numpy())


def test_normal_cache_is_part_of_the_state():
    """An odd number of small float64 normals leaves one cached; get/set_rng_state keep it, as PyTorch."""
    minidl.manual_seed(3)
    minidl.randn(1, dtype=minidl.float64)
    state = minidl.get_rng_state()
    a = minidl.randn(4, dtype=minidl.float64)
    minidl.set_rng_state(state)
    np.testing.assert_array_equal(a.numpy(), minidl.randn(4, dtype=minidl.float64).numpy())
    g = minidl.Generator().manual_seed(5)
    minidl.randn(1, dtype=minidl.float64, generator=g)
    saved = g.get_state()
    b = minidl.randn(3, dtype=minidl.float64, generator=g)
    g.set_state(saved)
    np.testing.assert_array_equal(b.numpy(), minidl.randn(3, dtype=minidl.float64, generator=g).numpy())


def test_bernoulli_mask_integer_threshold_equals_the_float_comparison():
    """dropout's fast path (an integer comparison) keeps exactly the draws with u < p."""
    for p in (0.0, 0.3, 0.5, 0.9, 1.0, 1 / 3):
        fast = mt19937.bernoulli(mt19937.seeded(11), p, (5000,))
        u = mt19937.unit(mt19937.seeded(11), 5000, np.float64)
        np.testing.assert_array_equal(fast, u < p)


def test_permutation_and_integers_are_uniform():
    """Sanity of the transformations on many draws (the fixture pins the exact values)."""
    gen = mt19937.seeded(0)
    counts = np.bincount(mt19937.integers(gen, (60000,), 0, 6), minlength=6)
    assert np.all(np.abs(counts / 60000 - 1 / 6) < 0.01)
    first = np.array([mt19937.permutation(gen, 4)[0] for _ in range(4000)])
    assert np.all(np.abs(np.bincount(first, minlength=4) / 4000 - 0.25) < 0.03)
    assert sorted(mt19937.permutation(gen, 101).tolist()) == list(range(101))


def test_numba_mask_kernel_equals_the_numpy_reference():
    """kernels/mt_stream.py against the word-array reference, odd sizes, and the stream continues alike."""
    from minidl.kernels import mt_stream
    for p, n in [(0.7, 1), (0.25, 623), (0.5, 1249), (1 / 3, 4099), (0.0, 5), (1.0, 5)]:
        g1, g2 = mt19937.seeded(7), mt19937.seeded(7)
        mt19937.raw32(g1, 5), mt19937.raw32(g2, 5)          # start mid-state
        threshold = min(int(np.ceil(p * 2.0 ** 53)), 2 ** 53)
        fast = mt_stream.bernoulli53(g1.bit_generator, n, threshold)
        ref = (mt19937.raw64(g2, n) & np.uint64((1 << 53) - 1)) < np.uint64(threshold)
        np.testing.assert_array_equal(fast, ref)
        np.testing.assert_array_equal(mt19937.raw32(g1, 700), mt19937.raw32(g2, 700))


def test_dropout_mask_is_the_same_with_either_kernel_family(monkeypatch):
    from minidl import config
    minidl.manual_seed(4)
    a = minidl.nn.functional.dropout(minidl.ones(3, 301), 0.4)
    monkeypatch.setattr(config, "cpu_kernels", "numpy")
    minidl.manual_seed(4)
    b = minidl.nn.functional.dropout(minidl.ones(3, 301), 0.4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", sorted(DIGESTS))
def test_large_normal_draws_are_pytorchs_bit_for_bit(name):
    """Thousands of float32 normals (PyTorch's AVX2 path, full blocks and an odd tail) hash alike."""
    assert digest(minidl, DIGESTS[name]) == _FIXTURE["digests"][name]


def test_numba_permutation_kernel_equals_the_python_swaps(monkeypatch):
    """kernels/mt_stream.py's Fisher-Yates against the plain swap loop, odd sizes, same stream afterwards."""
    from minidl import config
    for n in (2, 3, 17, 625, 5001):
        g1, g2 = mt19937.seeded(11), mt19937.seeded(11)
        fast = mt19937.permutation(g1, n)
        monkeypatch.setattr(config, "cpu_kernels", "numpy")
        ref = mt19937.permutation(g2, n)
        monkeypatch.undo()
        np.testing.assert_array_equal(fast, ref)
        assert sorted(fast.tolist()) == list(range(n))
        np.testing.assert_array_equal(mt19937.raw32(g1, 9), mt19937.raw32(g2, 9))
def test_large_normal_draws_run_in_chunks_with_the_same_numbers(monkeypatch):
    """A 100M-value ``normal_`` (the neural-style tutorial's VGG19 classifier) is drawn in chunks of whole
    16-blocks, holding no more than a chunk of temporaries; chunked and one-piece draws give the same numbers,
    also with a tail that PyTorch redraws (n not a multiple of 16), in float32 and float64."""
    from minidl import mt19937
    for dtype in (np.float32, np.float64):
        for n in (16 * 7, 16 * 7 + 5, 1000):
            monkeypatch.setattr(mt19937, "_NORMAL_CHUNK", 1 << 20)
            whole = mt19937.normal(mt19937.seeded(3), (n,), dtype, mean=0.5, std=2.0)
            monkeypatch.setattr(mt19937, "_NORMAL_CHUNK", 32)
            chunked = mt19937.normal(mt19937.seeded(3), (n,), dtype, mean=0.5, std=2.0)
            assert chunked.dtype == dtype and np.array_equal(whole, chunked)
            assert np.array_equal(mt19937.standard_normal(mt19937.seeded(3), n, dtype),
                                  mt19937.standard_normal(mt19937.seeded(3), n, dtype))
    monkeypatch.setattr(mt19937, "_NORMAL_CHUNK", 32)
    g = mt19937.seeded(3)
    mt19937.normal(g, (100,))
    h = mt19937.seeded(3)
    monkeypatch.setattr(mt19937, "_NORMAL_CHUNK", 1 << 20)
    mt19937.normal(h, (100,))
    assert mt19937.raw32(g, 4).tolist() == mt19937.raw32(h, 4).tolist()   # the same words consumed


@pytest.mark.parametrize("single", [False, True])
def test_numba_gamma_and_poisson_kernels_equal_the_python_reference(monkeypatch, single):
    """kernels/mt_stream.py's gamma_fill/poisson_fill against minidl/_torch_samplers.py's loops on random,
    odd-sized inputs (concentrations below and above 1, 0 and negative; rates below and above 10): the same
    draws, and the stream (words and the cached normal) continues alike."""
    from minidl import _torch_samplers, config
    rng = np.random.default_rng(3)
    alphas = np.concatenate([rng.uniform(0.05, 8.0, 997), [0.0, -1.0, 0.5, 30.0]])
    if single:
        alphas = alphas.astype(np.float32).astype(np.float64)
    rates = np.concatenate([rng.uniform(0.0, 40.0, 1013), [0.0, 10.0, 9.999, 1e4]])
    results = []
    for kernels in ("numba", "numpy"):
        monkeypatch.setattr(config, "cpu_kernels", kernels)
        gen = mt19937.seeded(11)
        mt19937.standard_normal(gen, 1, np.float64, contiguous=False)     # leave a cached normal
        drawn = (_torch_samplers.gamma_draws(gen, alphas, single), _torch_samplers.poisson_draws(gen, rates),
                 _torch_samplers.gamma_draws(gen, alphas[:7], single))
        results.append((drawn, gen.bit_generator.normal_cache, mt19937.raw32(gen, 50)))
    (fast, fast_cache, fast_next), (ref, ref_cache, ref_next) = results
    for a, b in zip(fast, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)
    assert (fast_cache is None) == (ref_cache is None)
    np.testing.assert_array_equal(fast_next, ref_next)
