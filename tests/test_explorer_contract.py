"""Every registered explorer keeps the contract of ../shared/API.md.

Each control moved to its extremes and back changes the state and the picture, stays finite and
warns nothing. The in-kernel variant drives the explorer from a real IPython kernel over comms.
"""

import warnings

import numpy as np
import pytest

from scoreedu.widgets import EXPLORERS, Explorer

NAMES = sorted(EXPLORERS)


def settings(control):
    """Values to try for a control: its extremes and the middle, or each of its options."""
    if hasattr(control, "options") and control.options:
        options = control.options
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if hasattr(control, "min") and hasattr(control, "max"):
        return [control.min, control.max, (control.min + control.max) / 2]
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    raise AssertionError(f"do not know how to move {type(control).__name__}")


def snapshot(ex):
    return {k: np.array(v, copy=True) for k, v in ex.state.items()}


def differs(a, b):
    return a.keys() != b.keys() or any(
        a[k].shape != b[k].shape or not np.array_equal(a[k], b[k]) for k in a
    )


@pytest.mark.parametrize("name", NAMES)
def test_explorer_has_the_contract(name):
    ex = EXPLORERS[name]()
    assert isinstance(ex, Explorer)
    assert ex.controls and ex.state and ex.widget is not None
    assert ex.is_finite()
    bundle = ex._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize("name", NAMES)
def test_every_control_changes_state_and_picture_and_stays_finite(name):
    ex = EXPLORERS[name]()
    for key, control in ex.controls.items():
        original = control.value
        for value in settings(control):
            if value == control.value:
                continue
            before_state, before_png = snapshot(ex), ex.image.value
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                control.value = value
            assert ex.is_finite(), f"{name}: {key}={value!r} gives NaN or inf"
            # integer sliders round (min + max) / 2; read the value back from the control
            assert differs(before_state, snapshot(ex)), f"{name}: {key}={value!r} left state"
            assert ex.image.value != before_png, f"{name}: {key}={value!r} left the picture"
        control.value = original
