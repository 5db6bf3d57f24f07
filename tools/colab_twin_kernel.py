"""Checks that run inside the Colab twin, with its Python and only Colab's packages.

    python colab_twin_kernel.py notebook notebooks/02_the_score.ipynb   # execute one notebook
    python colab_twin_kernel.py explorers        # drive every explorer's controls over comms

tools/colab_twin.py runs this with the twin's Python. The kernel is that same Python (a kernel
spec written to a temporary JUPYTER_PATH, so no other Jupyter install on the machine can answer).
Each command prints one JSON line last: what it measured and a list of problems (empty: pass).
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

# Asked of the kernel after a notebook or before the explorers: is it the twin's Python?
WHO = "import sys, ipywidgets; print(sys.executable, ipywidgets.__version__)"
# One digest of the state and one of the picture: each move must change both.
DIGESTS = (
    "import hashlib, json\n"
    "import numpy as np\n"
    "def digests(ex):\n"
    "    state = b''.join(np.ascontiguousarray(v).tobytes() for _, v in sorted(ex.state.items()))\n"
    "    return [hashlib.md5(state).hexdigest(), hashlib.md5(ex.image.value).hexdigest()]\n"
)
# In the kernel: each control's comm id and the moves a learner can make (what the browser
# sends, and the value the control must then hold): a selection's every option by index, a
# slider's extremes and middle, a checkbox flipped.
MOVES = (
    "def moves(control):\n"
    "    if getattr(control, 'options', None):\n"
    "        return [({'index': i}, v) for i, v in enumerate(control._options_values)]\n"
    "    if hasattr(control, 'min'):\n"
    "        mid = (control.min + control.max) / 2\n"
    "        mid = round(mid) if isinstance(control.value, int) else mid\n"
    "        return [({'value': v}, v) for v in (control.max, control.min, mid)]\n"
    "    return [({'value': not control.value}, not control.value)]\n"
    "def restore(control):\n"
    "    if getattr(control, 'options', None):\n"
    "        return [{'index': control.index}, control.value]\n"
    "    return [{'value': control.value}, control.value]\n"
)


def expected_who() -> str:
    from importlib.metadata import version

    return f"{sys.executable} {version('ipywidgets')}"


def kernel_path() -> str:
    """A JUPYTER_PATH whose python3 kernel is this very Python."""
    folder = Path(tempfile.mkdtemp(prefix="colab-twin-kernel-"))
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Colab twin", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return str(folder)


def output_problems(cell_number: int, outputs: list) -> list:
    """What a learner would see go wrong in one cell: an error, stderr, or a printed traceback."""
    problems = []
    for out in outputs:
        text = "".join(out.get("text", "")) + json.dumps(out.get("data", {}))
        if out["output_type"] == "error":
            problems.append(f"cell {cell_number}: {out['ename']}: {out['evalue']}")
        elif out.get("name") == "stderr":
            problems.append(f"cell {cell_number} wrote to stderr: {text[:300]!r}")
        elif "Traceback (most recent call last)" in text:
            problems.append(f"cell {cell_number} printed a traceback: {text[:300]!r}")
    return problems


def run_notebook(path: Path) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHO))
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    started, problems = time.perf_counter(), []
    try:
        client.execute()
    except CellExecutionError as error:
        problems.append(str(error).strip().splitlines()[-1][:300])
    code = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        problems += output_problems(number, cell.get("outputs", []))
    who = "".join(o.get("text", "") for o in code[-1].get("outputs", [])).strip()
    if not problems and who != expected_who():
        problems.append(f"the kernel was {who!r}, not the twin's {expected_who()!r}")
    return {"seconds": time.perf_counter() - started, "problems": problems}


def run(client, code: str) -> tuple:
    """Execute code in the kernel; return (stdout, [problems], [display_data bundles])."""
    msg_id = client.execute(code)
    out, problems, shown = [], [], []
    while True:
        msg = client.get_iopub_msg(timeout=120)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            out.append(content["text"])
        elif kind == "stream":
            problems.append(f"stderr: {content['text'][:300]!r}")
        elif kind == "error":
            problems.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "display_data":
            shown.append(content["data"])
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out), problems, shown


def send_update(client, comm_id: str, state: dict) -> None:
    """What a browser sends when a learner drags a slider or picks an option: a comm_msg."""
    data = {"method": "update", "state": state, "buffer_paths": []}
    client.shell_channel.send(client.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


def drive_one(client, name: str) -> tuple:
    """Build explorer `name` in the kernel, display it, make every move; (moves, problems)."""
    setup = (
        f"ex = EXPLORERS[{name!r}]()\ndisplay(ex)\n"
        "print(json.dumps({k: [c.model_id, moves(c), restore(c)] for k, c in ex.controls.items()}))"
    )
    printed, problems, shown = run(client, setup)
    if problems:
        return 0, [f"{name}: {p}" for p in problems]
    if not any("application/vnd.jupyter.widget-view+json" in s and "image/png" in s for s in shown):
        problems.append(f"{name}: display(ex) sent no widget view with a PNG beside it")
    count = 0
    for key, (comm_id, key_moves, original) in json.loads(printed).items():
        for state, value in key_moves:
            before, _, _ = run(
                client, f"print(json.dumps([ex.controls[{key!r}].value, digests(ex)]))"
            )
            current, (state_before, picture_before) = json.loads(before)
            if current == value:
                continue
            send_update(client, comm_id, state)
            query = f"print(json.dumps([ex.controls[{key!r}].value, ex.is_finite(), digests(ex)]))"
            after, errors, _ = run(client, query)
            problems += [f"{name}.{key}={value!r}: {e}" for e in errors]
            seen, finite, (state_after, picture_after) = json.loads(after)
            count += 1
            if seen != value:
                problems.append(f"{name}.{key}: sent {value!r}, the kernel holds {seen!r}")
            if not finite:
                problems.append(f"{name}.{key}={value!r}: NaN or inf in the state")
            if state_after == state_before:
                problems.append(f"{name}.{key}={value!r} left the state unchanged")
            if picture_after == picture_before:
                problems.append(f"{name}.{key}={value!r} left the picture unchanged")
        # Back to the start before the next control: with every slider at its middle, say, the
        # two components of a mixture coincide and its weight no longer changes the picture.
        send_update(client, comm_id, original[0])
    return count, problems


def drive_explorers() -> dict:
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        # Warnings as a learner sees them, on stderr (a problem): the kernel's default filters.
        # Not "error": matplotlib 3.10 beside pyparsing 3.3 (Colab's pair) warns of pyparsing
        # deprecations that the defaults hide, as they hide them from a learner.
        preamble = "from scoreedu.widgets import EXPLORERS\n" + DIGESTS + MOVES
        preamble += "from IPython.display import display\n"
        _, problems, _ = run(client, preamble)
        who, errors, _ = run(client, WHO)
        if who.strip() != expected_who():
            problems.append(f"the kernel was {who.strip()!r}, not the twin's {expected_who()!r}")
        names, errors2, _ = run(client, "print(json.dumps(sorted(EXPLORERS)))")
        problems += errors + errors2
        moves = 0
        for name in json.loads(names or "[]"):
            count, found = drive_one(client, name)
            moves, problems = moves + count, problems + found
        return {"explorers": json.loads(names or "[]"), "moves": moves, "problems": problems}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main(argv) -> int:
    os.environ["JUPYTER_PATH"] = kernel_path()
    if argv[:1] == ["notebook"]:
        report = run_notebook(Path(argv[1]).resolve())
    elif argv[:1] == ["explorers"]:
        report = drive_explorers()
    else:
        print(__doc__)
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
