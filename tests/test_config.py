"""minidl.config: named, validated fields, initialised from the environment, set with using_config."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl import config

REPO = Path(__file__).resolve().parents[1]


def _in_fresh_process(code, **env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINIDL_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_fields_start_from_their_environment_variables():
    code = "import minidl; c = minidl.config; print(c.conv_algorithm, c.im2col_budget_mb, c.cpu_kernels, " \
           "c.keep_numba_threads, c.omp_spin_count, c.malloc_tuning)"
    defaults = _in_fresh_process(code)
    assert defaults.stdout.split() == ["auto", "4.0", "numba", "False", "10000", "True"], defaults.stderr
    changed = _in_fresh_process(code, MINIDL_CONV_ALGORITHM="Direct", MINIDL_IM2COL_BUDGET_MB="0.5",
                                MINIDL_CPU_KERNELS="numpy", MINIDL_KEEP_NUMBA_THREADS="yes",
                                MINIDL_OMP_SPIN_COUNT=" 0 ", MINIDL_MALLOC_TUNING="0")
    assert changed.stdout.split() == ["direct", "0.5", "numpy", "True", "0", "False"], changed.stderr


def test_a_bad_environment_value_fails_at_import_naming_field_and_variable():
    res = _in_fresh_process("import minidl", MINIDL_IM2COL_BUDGET_MB="lots")
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert last == ("ValueError: minidl.config.im2col_budget_mb (from $MINIDL_IM2COL_BUDGET_MB) must be "
                    "a number > 0; got 'lots'")


@pytest.mark.parametrize("field, bad, allowed", [
    ("conv_algorithm", "fft", "'auto', 'im2col', 'direct', 'winograd'"),
    ("cpu_kernels", "fortran", "'numba', 'numpy', 'cudasim'"),
    ("im2col_budget_mb", -1, "a number > 0"),
    ("im2col_budget_mb", float("inf"), "a number > 0"),
    ("malloc_tuning", "maybe", "True or False"),
    ("keep_numba_threads", 2, "True or False"),
    ("omp_spin_count", -1, "an integer >= 0"),
    ("omp_spin_count", 2.5, "an integer >= 0"),
    ("omp_spin_count", "lots", "an integer >= 0"),
    ("omp_spin_count", True, "an integer >= 0"),
])
def test_bad_values_raise_one_line_naming_field_and_allowed_values(field, bad, allowed):
    before = getattr(config, field)
    with pytest.raises(ValueError) as info:
        setattr(config, field, bad)
    message = str(info.value)
    assert "\n" not in message and f"minidl.config.{field}" in message and allowed in message
    assert repr(bad) in message
    with pytest.raises(ValueError, match=re.escape(f"minidl.config.{field}")):
        with minidl.using_config(**{field: bad}):
            pass
    assert getattr(config, field) == before


def test_using_config_sets_and_restores_even_on_error():
    assert minidl.using_config is config.using
    before = (config.conv_algorithm, config.im2col_budget_mb)
    with pytest.raises(RuntimeError):
        with minidl.using_config(conv_algorithm="IM2COL", im2col_budget_mb=2) as cfg:
            assert cfg is config and config.conv_algorithm == "im2col" and config.im2col_budget_mb == 2.0
            raise RuntimeError("boom")
    assert (config.conv_algorithm, config.im2col_budget_mb) == before


def test_unknown_fields_are_refused():
    with pytest.raises(TypeError, match="no field 'conv_algorithmus'"):
        with minidl.using_config(conv_algorithmus="im2col"):
            pass
    with pytest.raises(AttributeError, match="no field 'conv_algorithmus'"):
        config.conv_algorithmus = "im2col"
    with pytest.raises(AttributeError, match="no field"):
        config.conv_algorithmus


def test_import_styles_see_the_same_values():
    import minidl.config as cfg
    from minidl.config import using
    with using(cpu_kernels="numpy"):
        assert cfg.cpu_kernels == minidl.config.cpu_kernels == minidl.kernels.cpu_kernels() == "numpy"
    assert cfg.cpu_kernels == "numba"


def test_conv_algorithm_field_picks_the_path():
    x = minidl.tensor(np.random.default_rng(0).standard_normal((2, 3, 20, 20)).astype(np.float32), requires_grad=True)
    w = minidl.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32))
    seen = {}
    for algorithm in ("im2col", "direct", "auto"):
        with minidl.using_config(conv_algorithm=algorithm):
            y = F.conv2d(x, w, padding=1)
            seen[algorithm] = (y.creator.direct, y.numpy())
    assert seen["im2col"][0] is False and seen["direct"][0] is True and seen["auto"][0] is True
    np.testing.assert_allclose(seen["im2col"][1], seen["direct"][1], rtol=1e-4, atol=1e-4)


def test_the_documentation_table_lists_every_field():
    text = (REPO / "docs" / "architecture.md").read_text()
    table = text[text.index("## Configuration"):]
    for field in config.fields():
        row = next((line for line in table.splitlines() if line.startswith(f"| `{field.name}` |")), None)
        assert row is not None, f"docs/architecture.md's configuration table lacks {field.name}"
        assert f"`{field.env}`" in row
