"""Colab for real: the bootstrap cell adds scoreedu beside Colab's packages and replaces none.

The quick tests read the cell, the ranges of pyproject.toml and the Colab list. The slow ones
build the Colab twin (tools/colab_twin.py: Colab's versions from colab/pip-freeze.txt, on this
machine's Python 3.11 with the pinned torch), run the notebooks' own bootstrap cell there, then
execute every notebook and drive every explorer in a kernel of the twin.
"""

import json
import re
import sys
import types
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import colab_drift  # noqa: E402
import colab_twin  # noqa: E402
import notebook_frame  # noqa: E402

import scoreedu  # noqa: E402
from scoreedu.chapters import filenames  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NOTEBOOKS = [n for n in filenames() if (ROOT / "notebooks" / n).exists()]
COLAB_LINK = re.compile(r"colab\.research\.google\.com/github/[^)\s]*?/blob/([^/]+)/")


def floors() -> dict:
    """name -> the lower bound pyproject.toml declares."""
    found = {}
    for requirement in PROJECT["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9._-]+)>=([0-9.]+)", requirement)
        assert match, f"declare a floor and no ceiling (name>=version): {requirement!r}"
        found[colab_twin.normalise(match[1])] = match[2]
    return found


def run_cell(torch_version: str, on_colab: bool = True) -> tuple:
    """Execute the bootstrap cell with stand-ins for google.colab, torch and subprocess.run;
    return (what it printed, the commands it ran)."""
    commands, printed = [], []
    fakes = {
        "torch": types.SimpleNamespace(__version__=torch_version),
        "subprocess": types.SimpleNamespace(run=lambda cmd, check: commands.append(cmd)),
    }
    if on_colab:
        fakes["google.colab"] = types.ModuleType("google.colab")
    saved = {name: sys.modules.get(name) for name in fakes}
    sys.modules.update(fakes)
    try:
        exec(colab_twin.bootstrap_cell(), {"print": lambda *a: printed.append(" ".join(a))})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name)
            else:
                sys.modules[name] = module
    return printed, commands


# --- quick: the cell, the ranges, the list ---------------------------------------------------
def test_the_cell_installs_this_versions_release_tag_and_colab_opens_that_tag():
    version = PROJECT["version"]
    assert scoreedu.__version__ == version, "scoreedu.__version__ and pyproject's version differ"
    _, commands = run_cell("2.13.0+cpu")
    assert commands[-1][-1] == f"scoreedu @ git+{scoreedu.REPOSITORY}@v{version}"
    for name in NOTEBOOKS:
        text = (ROOT / "notebooks" / name).read_text(encoding="utf-8")
        assert set(COLAB_LINK.findall(text)) == {f"v{version}"}, f"{name}: `make notebooks-sync`"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(COLAB_LINK.findall(readme)) == {f"v{version}"}, "README's Colab links: the tag"


def test_the_cell_installs_quietly_and_only_on_colab():
    printed, commands = run_cell("2.13.0+cpu")
    assert printed == [], "with the tested torch the cell prints nothing"
    assert len(commands) == 1 and commands[0][1:4] == ["-m", "pip", "install"]
    assert {"-q", "--disable-pip-version-check", "--root-user-action=ignore"} <= set(commands[0])
    assert run_cell("2.13.0+cpu", on_colab=False) == ([], []), "elsewhere it does nothing"


def test_the_cell_says_in_one_line_when_colabs_torch_is_older_than_the_tested_one():
    tested = notebook_frame.tested_torch()
    printed, commands = run_cell("2.11.0+cpu")
    assert printed == [f"scoreedu is tested with torch {tested}; this runtime has 2.11.0+cpu."]
    assert len(commands) == 1, "the install goes on: pyproject's floor admits Colab's torch"
    assert run_cell(f"{tested}.1")[0] == [], "a newer patch release is not older"


def test_the_floors_are_colabs_versions_which_the_twin_tests():
    """No narrower (pip on Colab would replace Colab's package) and no wider (untested)."""
    colab = colab_twin.read_list(colab_twin.TESTED_LIST)
    colab["torch"] = colab_twin.colab_torch(colab_twin.TESTED_LIST)
    # torch included: Colab's 2.11.0, although the twin runs 2.13.0 (pyproject.toml says why)
    wrong = {n: (floor, colab.get(n)) for n, floor in floors().items() if colab.get(n) != floor}
    assert not wrong, f"(pyproject's floor, Colab's version): {wrong}"


def test_colabs_list_is_read_as_published():
    pins = colab_twin.read_list(colab_twin.TESTED_LIST)
    assert pins["ipywidgets"] == "7.7.1" and pins["ipython"] == "7.34.0"
    assert colab_twin.colab_torch(colab_twin.TESTED_LIST) == "2.11.0"
    twin = colab_twin.twin_versions(colab_twin.TESTED_LIST)
    assert twin["torch"] == "2.13.0" and "setuptools" not in twin and "torchvision" not in twin
    roots = colab_twin.roots(twin)
    assert roots[0] == "pip==24.1.2" and "ipykernel==6.17.1" in roots


def test_the_readme_table_gives_the_versions_tested():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z_]+) \| (\S+)[^|]*\| (\S+) \|$", readme, re.MULTILINE)
    colab = colab_twin.read_list(colab_twin.TESTED_LIST)
    colab["torch"] = colab_twin.colab_torch(colab_twin.TESTED_LIST)
    pins = {n: v.split("+")[0] for n, v in colab_twin.read_list(ROOT / "requirements.txt").items()}
    table = {colab_twin.normalise(name): (on_colab, in_ci) for name, on_colab, in_ci in rows}
    assert {"torch", "numpy", "ipywidgets", "ipykernel"} <= set(table), "README: the Colab table"
    table.pop("python")
    wrong = {n: v for n, v in table.items() if v != (colab.get(n), pins.get(n))}
    assert not wrong, f"README's (Colab, CI) versions differ from the lists: {wrong}"


def test_the_twin_points_the_cells_own_install_at_this_checkout():
    cell = colab_twin.bootstrap_cell()
    local = colab_twin.pointed_at(cell, ROOT)
    assert local.replace(f"scoreedu @ {ROOT.as_uri()}", "") == cell.replace(
        f"scoreedu @ git+{scoreedu.REPOSITORY}@v{PROJECT['version']}", ""
    ), "only the requirement changes"


def test_the_drift_watch_names_what_colab_moved_and_the_floors_to_follow(tmp_path):
    tested = colab_twin.TESTED_LIST
    newer = tmp_path / "pip-freeze.txt"
    text = tested.read_text(encoding="utf-8").replace(
        "\nipywidgets==7.7.1\n", "\nipywidgets==8.1.5\n"
    )
    newer.write_text(text.replace("torch-2.11.0%2B", "torch-2.12.1%2B"), encoding="utf-8")
    old, new = colab_twin.twin_versions(tested), colab_twin.twin_versions(newer)
    assert colab_drift.moved(old, new, set(old)) == {"ipywidgets": ("7.7.1", "8.1.5")}
    assert colab_drift.floors_to_raise(newer) == {
        "torch": ("2.11.0", "2.12.1"),
        "ipywidgets": ("7.7.1", "8.1.5"),
    }
    assert colab_drift.floors_to_raise(tested) == {}, "the tested list is the floors' source"


# --- slow: the twin itself -------------------------------------------------------------------
@pytest.fixture(scope="module")
def twin():
    """The twin, then the bootstrap cell run in it: (venv, before, printed, after). Held
    locked for the module: another checkout's run on this machine waits."""
    with colab_twin.locked_twin(log=lambda line: None) as venv:
        before = colab_twin.freeze(venv)
        printed = colab_twin.run_bootstrap(venv, colab_twin.bootstrap_cell())
        yield venv, before, printed, colab_twin.freeze(venv)


@pytest.mark.slow
def test_the_bootstrap_install_changes_none_of_colabs_versions(twin):
    venv, before, printed, after = twin
    pins = colab_twin.twin_versions(colab_twin.TESTED_LIST)
    assert colab_twin.not_colabs(before, pins) == {}, "the twin does not have Colab's versions"
    assert before["ipywidgets"] == "7.7.1" and before["ipykernel"] == "6.17.1"
    assert printed == [], f"the install is not quiet: {printed}"
    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    assert changed == {}, f"the bootstrap replaced Colab's packages (Colab's, now): {changed}"
    assert set(after) - set(before) == {"scoreedu"}, "it adds scoreedu and nothing else"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebook_runs_clean_in_the_twin(twin, name):
    """No cell raises, writes to stderr (warnings included) or prints a traceback."""
    report = colab_twin.in_twin(twin[0], "notebook", ROOT / "notebooks" / name)
    assert report["problems"] == []


@pytest.mark.slow
def test_every_explorer_moves_in_a_kernel_of_the_twin(twin):
    """Each control, moved as a browser does (a comm message), changes state and picture."""
    report = colab_twin.in_twin(twin[0], "explorers")
    assert report["problems"] == []
    from scoreedu.widgets import EXPLORERS

    assert report["explorers"] == sorted(EXPLORERS) and report["moves"] >= 3 * len(EXPLORERS)
    print(json.dumps(report))
