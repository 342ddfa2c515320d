"""minidl.quasirandom.SobolEngine: PyTorch's points (sums and values printed by PyTorch 2.13 for the same calls),
unscrambled and scrambled with a seed, and its methods' bookkeeping."""
import numpy as np
import pytest

import minidl as mdl
from minidl.quasirandom import SobolEngine


def test_unscrambled_points_equal_pytorchs():
    engine = SobolEngine(7)
    first = engine.draw(5, dtype=mdl.float64)
    assert first.dtype == mdl.float64 and tuple(first.shape) == (5, 7)
    assert first.numpy().sum() == 13.625 and engine.num_generated == 5
    second = engine.draw(3)
    assert second.dtype == mdl.float32 and second.numpy().sum() == 10.875
    engine.fast_forward(10)
    assert engine.draw(2, dtype=mdl.float64).numpy().sum() == 6.9375
    engine.reset()
    assert engine.draw_base2(3, dtype=mdl.float64).numpy().sum() == 24.5
    big = SobolEngine(256).draw(70, dtype=mdl.float64).numpy()
    assert big.sum() == 8835.34375 and (big * np.arange(256)).sum() == 1126084.46875
    ff = SobolEngine(3)
    ff.fast_forward(5)
    assert ff.draw(2, dtype=mdl.float64).numpy().sum() == 3.5
    np.testing.assert_array_equal(SobolEngine(2).draw(4).numpy(), [[0, 0], [0.5, 0.5], [0.75, 0.25], [0.25, 0.75]])


def test_scrambled_points_equal_pytorchs():
    engine = SobolEngine(5, scramble=True, seed=3)
    points = engine.draw(6, dtype=mdl.float64).numpy()
    assert points.sum() == pytest.approx(15.355923691764474, abs=1e-12)
    assert (points * np.arange(5)).sum() == pytest.approx(30.448442548513412, abs=1e-12)
    np.testing.assert_allclose(points[1], [0.89643572, 0.72775375, 0.27165418, 0.59223612, 0.50537464], atol=1e-8)
    assert repr(engine) == "SobolEngine(dimension=5, scramble=True, seed=3)"
    two = SobolEngine(2, scramble=True, seed=3)     # PyTorch's integer state for this seed
    assert two.shift.tolist() == [73513868, 241083994] and two.sobolstate.dtype == mdl.int64
    assert two.sobolstate[:, :3].tolist() == [[598200588, 440541645, 247662670], [538551365, 835289452, 682942543]]
    again = SobolEngine(5, scramble=True, seed=3).draw(6, dtype=mdl.float64).numpy()
    np.testing.assert_array_equal(points, again)
    assert ((points >= 0) & (points < 1)).all()


def test_balance_out_and_errors():
    engine = SobolEngine(4)
    engine.draw(3)
    with pytest.raises(ValueError, match="balance properties of Sobol' points require n to be a power of 2"):
        engine.draw_base2(2)
    out = mdl.empty(1)
    assert engine.draw(2, out=out) is out and tuple(out.shape) == (2, 4)
    with pytest.raises(ValueError, match=r"Supported range of dimensionality for SobolEngine is \[1, 256\]"):
        SobolEngine(0)
    with pytest.raises(ValueError, match="21201"):
        SobolEngine(257)
    # every 2**m points stratify each coordinate into 2**m equal cells
    points = SobolEngine(6).draw_base2(5, dtype=mdl.float64).numpy()
    for column in points.T:
        assert sorted(np.floor(column * 32).astype(int).tolist()) == list(range(32))
