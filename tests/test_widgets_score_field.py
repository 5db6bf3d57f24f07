"""The score field explorer: its numbers are right, and a real kernel drives it over comms.

The contract test covers every registered explorer (each control changes state and picture and
stays finite). Here: the state is the mixture's density and score, the toggles do what they say,
and a browser-like client that only speaks the Jupyter protocol moves every control.
"""

import json
import warnings

import numpy as np
import pytest
import torch

from scoreedu.distributions import GaussianMixture
from scoreedu.widgets import EXPLORERS, score_field_explorer


def test_registered():
    assert EXPLORERS["score_field_explorer"] is score_field_explorer


def mixture_of(ex):
    v = ex.values
    return GaussianMixture(
        [[v["x1"], v["y1"]], [v["x2"], v["y2"]]],
        [v["spread1"], v["spread2"]],
        [v["weight1"], 1 - v["weight1"]],
    )


def test_state_is_the_tempered_mixture():
    ex = score_field_explorer(temperature=2.0, weight1=0.3)
    s = ex.state
    assert s["weights"].sum() == pytest.approx(1.0) and s["weights"][0] == pytest.approx(0.3)
    xx, yy = np.meshgrid(s["field_xs"], s["field_ys"])
    points = torch.as_tensor(np.stack([xx.ravel(), yy.ravel()], 1))
    score = mixture_of(ex).score(points).numpy() / 2.0
    np.testing.assert_allclose(s["score_u"].ravel(), score[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s["score_v"].ravel(), score[:, 1], rtol=1e-12, atol=1e-12)
    cell = (s["xs"][1] - s["xs"][0]) * (s["ys"][1] - s["ys"][0])
    assert s["density"].sum() * cell == pytest.approx(1.0, rel=1e-5)  # float32: a picture
    # p_T ∝ p^(1/T): the log-ratio of the density between two grid points is Δ log p / T.
    xx, yy = np.meshgrid(s["xs"], s["ys"])
    pts = torch.as_tensor(np.stack([xx.ravel(), yy.ravel()], 1))
    log_p = mixture_of(ex).log_prob(pts).numpy() / 2.0
    ratio = np.log(s["density"].ravel()[100] / s["density"].ravel()[2000])
    assert ratio == pytest.approx(log_p[100] - log_p[2000], rel=1e-5)


def test_weight_slider_keeps_the_weights_summing_to_one():
    ex = score_field_explorer()
    for w in (ex.controls["weight1"].min, 0.5, ex.controls["weight1"].max):
        ex.controls["weight1"].value = w
        assert ex.state["weights"].sum() == pytest.approx(1.0)
        assert ex.state["weights"][1] == pytest.approx(1 - w)


def test_raw_and_unit_lengths():
    ex = score_field_explorer(lengths="raw")
    raw = np.hypot(ex.state["arrow_u"], ex.state["arrow_v"])
    score = np.hypot(ex.state["score_u"], ex.state["score_v"])
    kept = ~ex.state["clipped"]
    # raw: length proportional to |score| wherever the arrow was not shortened
    ratio = raw[kept] / score[kept]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
    assert raw[ex.state["clipped"]].max(initial=0) <= raw.max()
    ex.controls["lengths"].value = "unit"
    unit = np.hypot(ex.state["arrow_u"], ex.state["arrow_v"])
    np.testing.assert_allclose(unit[score > 0], unit.max(), rtol=1e-9)
    # the temperature shortens raw arrows (score / T) and leaves unit ones alone
    ex.controls["temperature"].value = 2.0
    np.testing.assert_allclose(np.hypot(ex.state["arrow_u"], ex.state["arrow_v"]), unit)


def test_streamlines_are_traced_only_when_shown_and_run_uphill():
    ex = score_field_explorer()
    assert "streamlines" not in ex.state and not ex.stream.get_visible()
    ex.controls["style"].value = "streamlines"
    lines = ex.state["streamlines"]
    assert lines.ndim == 3 and ex.stream.get_visible() and not ex.quiver.get_visible()
    # Following the score, log p rises along every line (up to the interpolation's error).
    log_p = mixture_of(ex).log_prob(torch.as_tensor(lines.reshape(-1, 2))).reshape(lines.shape[:2])
    assert (log_p[:, -1] >= log_p[:, 0]).all()
    assert (np.diff(log_p.numpy(), axis=1) > -1e-3).mean() > 0.99
    ex.controls["style"].value = "arrows"
    assert ex.quiver.get_visible() and not ex.stream.get_visible()


def test_line_panel_crosses_zero_at_the_modes():
    ex = score_field_explorer(
        mean1=(-2.0, 0.0), mean2=(2.0, 0.0), spread1=0.5, spread2=0.5, weight1=0.5
    )
    t, s = ex.state["t"], ex.state["score_along"]
    crossings = t[np.nonzero(np.diff(np.sign(s)))[0]]
    assert len(crossings) == 3  # mode, dip, mode
    np.testing.assert_allclose(crossings[[0, 2]], [-2.0, 2.0], atol=0.06)
    assert abs(crossings[1]) < 0.06


@pytest.mark.parametrize(
    "corner",
    [
        {"x1": 0.0, "y1": 0.0, "x2": 0.0, "y2": 0.0},  # coincident centres: no line direction
        {"spread1": 0.2, "spread2": 0.2, "temperature": 0.25, "x1": -3.0, "x2": 3.0},
        {"spread1": 2.0, "spread2": 2.0, "temperature": 4.0, "weight1": 0.95},
    ],
)
@pytest.mark.parametrize("style", ["arrows", "streamlines"])
def test_extreme_corners_stay_finite_and_warn_nothing(corner, style):
    ex = score_field_explorer(style=style)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key, value in corner.items():
            ex.controls[key].value = value
    assert ex.is_finite()
    assert "sum to 1.00" in ex.readout.value


# --- driven from a real kernel --------------------------------------------------------------
DIGEST = (
    "hashlib.md5(b''.join(np.ascontiguousarray(v).tobytes() for _, v in sorted(ex.state.items()))"
    " + ex.image.value).hexdigest()"
)


def run(client, code: str) -> str:
    """Execute code in the kernel; return its stdout, raising on an error or on stderr."""
    msg_id = client.execute(code)
    out, err = [], []
    while True:
        msg = client.get_iopub_msg(timeout=60)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            (out if content["name"] == "stdout" else err).append(content["text"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            break
    assert not err, "".join(err)
    return "".join(out)


def send_update(client, comm_id: str, value, options) -> None:
    """What a browser sends when the learner drags a slider or clicks a toggle: a comm_msg with
    the slider's new value, or the index of the chosen option (selection widgets sync "index")."""
    state = {"index": options.index(value)} if options else {"value": value}
    data = {"method": "update", "state": state, "buffer_paths": []}
    msg = client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    client.shell_channel.send(msg)


@pytest.mark.slow
def test_a_kernel_driven_over_comms_redraws_for_every_control():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        setup = (
            "import hashlib, json, warnings\nimport numpy as np\n"
            "warnings.simplefilter('error')\n"
            "from scoreedu.widgets import score_field_explorer\n"
            "ex = score_field_explorer()\n"
            "print(json.dumps({k: [c.model_id, getattr(c, 'min', None), getattr(c, 'max', None),"
            " list(getattr(c, 'options', []))] for k, c in ex.controls.items()}))"
        )
        controls = json.loads(run(client, setup))
        assert set(controls) >= {"x1", "spread1", "weight1", "temperature", "style", "lengths"}
        for name, (comm_id, low, high, options) in controls.items():
            values = options if options else [high, low, (low + high) / 2]
            for value in values:
                current, before = json.loads(
                    run(client, f"print(json.dumps([ex.controls[{name!r}].value, {DIGEST}]))")
                )
                if current == value:
                    continue
                send_update(client, comm_id, value, options)
                report = run(
                    client,
                    f"print(json.dumps([ex.controls[{name!r}].value, ex.is_finite(), {DIGEST}]))",
                )
                seen, finite, after = json.loads(report)
                assert seen == value, f"{name}: the kernel holds {seen!r}, not {value!r}"
                assert finite, f"{name}={value!r}: NaN or inf in the state"
                assert after != before, f"{name}={value!r} left the state and the picture"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize(
    "options, error, match",
    [
        ({"style": "dots"}, ValueError, "style must be one of"),
        ({"lengths": "long"}, ValueError, "lengths must be one of"),
        ({"mean1": "a"}, TypeError, "mean1 must be an \\(x₁, x₂\\) pair"),
        ({"mean2": (1.0,)}, TypeError, "mean2 must be an \\(x₁, x₂\\) pair"),
        ({"weight1": 2.0}, ValueError, "weight1 must lie in"),
        ({"spread1": 0.0}, ValueError, "spread1 must lie in"),
        ({"temperature": -1.0}, ValueError, "temperature must lie in"),
    ],
)
def test_score_field_explorer_names_bad_options(options, error, match):
    with pytest.raises(error, match=match):
        score_field_explorer(**options)
