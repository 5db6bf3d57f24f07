"""The environment is pinned once and read the same everywhere.

requirements.txt pins exactly every package the code imports; binder/ pins the same versions
(with PyTorch's CPU wheel); pyproject.toml keeps loose ranges so that on Colab the package
installs beside the preinstalled torch and numpy without replacing them.
"""

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("scoreedu", "tests", "benchmarks", "tools")

# Import names whose distribution is named differently, for when the package is not installed.
DIST_OF_IMPORT = {
    "yaml": "pyyaml",
    "IPython": "ipython",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "repo2docker": "jupyter-repo2docker",
    "voila": "voila",
}
# Packages the tests or the website's build use but a Binder reader does not need: binder/ may
# leave them out.
TEST_ONLY = {
    "pytest",
    "pytest-timeout",
    "nbval",
    "hypothesis",
    "ruff",
    "playwright",
    "jupyter-repo2docker",
    "sphinx",
    "myst-parser",
    "myst-nb",
    "sphinx-book-theme",
}


def normalise(name: str) -> str:
    """PEP 503: pyyaml, PyYAML and py_yaml name the same distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict:
    """name -> exact version for every `name==version` line; fails on any unpinned package."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not line or line.startswith("--") or line == "-e .":
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][^\s;]*)", line)
        assert match, f"{path.relative_to(ROOT)}: pin exactly (name==version); got {raw!r}"
        pins[normalise(match[1])] = match[2]
    return pins


def public_version(version: str) -> str:
    """2.13.0+cpu -> 2.13.0: the local label names the build, not the release."""
    return version.split("+", 1)[0]


def python_sources():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        lines = [
            line
            for cell in cells
            if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines()
            if not line.lstrip().startswith(("%", "!"))  # IPython magics and shell lines
        ]
        yield path, "\n".join(lines)


def imported_top_level_names() -> dict:
    """Top-level module name -> the first file that imports it (absolute imports only)."""
    found = {}
    for path, text in python_sources():
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], path.relative_to(ROOT))
    return found


def is_local(name: str) -> bool:
    """scoreedu itself, and modules the tests and tools import from the repository by path."""
    return any(
        (ROOT / folder / f"{name}.py").exists() or (ROOT / folder / name).is_dir()
        for folder in ("", *SCANNED)
    )


def distributions_of(name: str) -> set:
    installed = importlib.metadata.packages_distributions().get(name, [])
    if installed:
        return {normalise(d) for d in installed}
    return {normalise(DIST_OF_IMPORT.get(name, name))}


PINS = read_pins(ROOT / "requirements.txt")
BINDER_PINS = read_pins(ROOT / "binder" / "requirements.txt")


def test_requirements_install_the_package_itself():
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").split()
    assert "-e" in lines and "." in lines, "requirements.txt must end with `-e .`"


def test_every_imported_package_is_pinned():
    missing = {}
    for name, where in imported_top_level_names().items():
        if name in sys.stdlib_module_names or is_local(name):
            continue
        if not distributions_of(name) & PINS.keys():
            missing[name] = str(where)
    assert not missing, f"imported but not pinned in requirements.txt (name: first use): {missing}"


def test_binder_pins_the_same_versions():
    different = {
        name: (version, BINDER_PINS[name])
        for name, version in PINS.items()
        if name in BINDER_PINS and public_version(BINDER_PINS[name]) != public_version(version)
    }
    assert not different, f"requirements.txt vs binder/requirements.txt: {different}"
    left_out = set(PINS) - set(BINDER_PINS) - TEST_ONLY
    assert not left_out, f"binder/requirements.txt lacks {sorted(left_out)}"
    extra = set(BINDER_PINS) - set(PINS)
    assert not extra, f"binder/requirements.txt pins {sorted(extra)}, which requirements.txt lacks"


def test_binder_takes_the_cpu_torch_and_installs_the_package_in_post_build():
    text = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert BINDER_PINS["torch"].endswith("+cpu"), "Binder has no GPU: take the CPU wheel"
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert "-e ." not in lines, "install scoreedu in binder/postBuild, so Docker caches this layer"
    assert (ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111, "binder/postBuild must be executable"
    steps = [line.strip() for line in post_build.read_text(encoding="utf-8").splitlines()]
    assert "set -e" in steps and "pip install --no-deps -e ." in steps


def test_pyproject_declares_loose_ranges_that_the_pins_satisfy():
    """No == in pyproject: on Colab, pip must keep the preinstalled torch and numpy."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["dependencies"], "pyproject.toml declares the package's dependencies"
    for requirement in project["dependencies"]:
        assert "==" not in requirement and "~=" not in requirement, f"too tight: {requirement}"
        match = re.fullmatch(r"([A-Za-z0-9._-]+)\s*>=\s*([0-9.]+)(,\s*<\s*[0-9.]+)?", requirement)
        assert match, f"declare a lower bound (name>=version): {requirement!r}"
        name, lowest = normalise(match[1]), match[2]
        assert name in PINS, f"{name} is a dependency but requirements.txt does not pin it"
        pinned = tuple(int(p) for p in re.findall(r"\d+", public_version(PINS[name]))[:3])
        assert pinned >= tuple(int(p) for p in lowest.split(".")), (
            f"requirements.txt pins {name}=={PINS[name]}, below pyproject's {requirement!r}"
        )


def test_the_running_environment_has_the_pinned_versions():
    """Stored outputs come from the pinned versions: check the tests run in that environment."""
    wrong = {}
    for name, version in PINS.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            wrong[name] = (version, "not installed")
            continue
        if public_version(installed) != public_version(version):
            wrong[name] = (version, installed)
    assert not wrong, f"(pinned, installed): {wrong}; run `pip install -r requirements.txt`"


def test_repo2docker_reads_binder_as_intended(executable):
    """`repo2docker --no-build --debug .` prints the Dockerfile Binder would build, no Docker."""
    exe = executable("repo2docker")
    if exe is None:
        pytest.skip("repo2docker is not installed (pip install jupyter-repo2docker)")
    result = subprocess.run(
        [exe, "--no-build", "--debug", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    printed = result.stdout + result.stderr
    if result.returncode != 0 and "docker" in printed.lower():
        pytest.skip(f"repo2docker could not run here: {printed.strip().splitlines()[-1]}")
    assert result.returncode == 0, printed
    assert "python=3.11" in printed, "binder/runtime.txt should give Python 3.11"
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in printed
    assert 'pip install --no-cache-dir -r "requirements.txt"' not in printed
    assert "./binder/postBuild" in printed
    # The dependency layer is built before the repository is copied in: commits reuse it.
    assert printed.index('-r "binder/requirements.txt"') < printed.index("COPY --chown=0:0 src/ ")
