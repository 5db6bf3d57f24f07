"""The Colab twin: a virtual environment with Colab's versions, then the bootstrap cell's install.

Colab publishes what it preinstalls (googlecolab/backend-info, pip-freeze.txt); a copy lives in
colab/pip-freeze.txt. The twin installs, with Colab's versions, every package the notebooks and
the kernel need (the dependencies in pyproject.toml, the kernel stack, and everything they pull
in: the whole list is the constraints file), then runs the notebooks' own Colab bootstrap cell
with its requirement pointed at this checkout. Two differences from Colab, both forced: Python is
this machine's 3.11 (Colab: 3.13), and torch is requirements.txt's CPU wheel (Colab's torch CPU
wheels come from PyTorch's own index, which is not reachable here).

    python tools/colab_twin.py                          # build, install, run every check
    python tools/colab_twin.py --list colab/pip-freeze.latest.txt

The twin and its wheels are cached in $SCOREEDU_TWIN_CACHE (default ~/.cache/scoreedu/colab-twin):
the venv is reused while its packages still match the list, and a rebuild installs offline from
the cached wheels.
"""

import argparse
import ast
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
TESTED_LIST = ROOT / "colab" / "pip-freeze.txt"
# What a Colab kernel runs on besides the package's own dependencies.
KERNEL_STACK = (
    "ipykernel",
    "ipython",
    "jupyter-client",
    "jupyter-core",
    "nbclient",
    "nbformat",
    "traitlets",
    "widgetsnbextension",
    "notebook",
    "pillow",
)
# Colab's list names these by URLs on PyTorch's own index (CPU builds for Python 3.13), out of
# reach here; the notebooks import none of them, so the twin leaves them out.
NOT_REACHABLE = {"torchvision", "torchaudio", "torchcodec"}
# Colab's versions that the twin's torch cannot live with: pip picks what torch asks for.
FOLLOW_TORCH = {"setuptools": "torch 2.13.0 requires setuptools>=77.0.3 (Colab: 75.2.0)"}
# Packages that Colab's list lacks but the twin's Python needs: what pip picks is kept.
NOT_ON_COLAB = {
    "jedi": "ipython 7.34 requires jedi>=0.16; Colab removes it",
    "overrides": "jupyter-server 2.20 requires it on Python < 3.12 (Colab: 3.13)",
}


def normalise(name: str) -> str:
    """PEP 503: Jupyter_Client, jupyter-client and jupyter.client name the same distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_list(path: Path) -> dict:
    """name -> version for every `name==version` line of a pip freeze (URL lines are skipped)."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip())
        if match:
            pins[normalise(match[1])] = match[2]
    return pins


def release(version: str) -> tuple:
    """2.11 and 2.11.0 are the same release: (2, 11, 0)."""
    parts = [int(p) for p in re.findall(r"\d+", version.split("+")[0])[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def colab_torch(path: Path) -> str | None:
    """Colab's torch version, read from its `torch @ https://.../torch-2.11.0%2Bcpu-...` line."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(r"^torch(?:==| @ \S*/torch-)([0-9][0-9.]*)", text, re.MULTILINE)
    return match[1] if match else None


def pinned_torch() -> str:
    """The torch of requirements.txt: its CPU wheel is the one torch this machine installs."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return re.search(r"^torch==(\S+)", text, re.MULTILINE)[1]


def dependencies() -> list:
    """Names of the package's dependencies, read from pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [normalise(re.match(r"[A-Za-z0-9._-]+", d)[0]) for d in project["dependencies"]]


def twin_versions(colab_list: Path) -> dict:
    """name -> version the twin must have: Colab's list, with torch replaced by the pinned one."""
    left_out = NOT_REACHABLE | set(FOLLOW_TORCH)
    pins = {n: v for n, v in read_list(colab_list).items() if n not in left_out}
    pins["torch"] = pinned_torch()
    return pins


def roots(pins: dict) -> list:
    """`name==version` for what the twin installs on purpose; pip pulls the rest."""
    names = dict.fromkeys(["pip", *dependencies(), *KERNEL_STACK])
    missing = [n for n in names if n not in pins]
    if missing:
        raise ValueError(f"the Colab list lacks {missing}: the twin cannot take Colab's versions")
    return [f"{n}=={pins[n]}" for n in names]


def cache() -> Path:
    """Where the twins and their wheels live: outside the checkout, so that a fresh clone (CI)
    and every worktree on the machine reuse them."""
    default = Path.home() / ".cache" / "scoreedu" / "colab-twin"
    return Path(os.environ.get("SCOREEDU_TWIN_CACHE", default))


def venv_dir(colab_list: Path) -> Path:
    """One venv per set of versions (and of pyproject dependencies): the drift watch's list,
    once it differs from the tested one, gets its own."""
    versions = json.dumps([twin_versions(colab_list), dependencies(), sys.version])
    key = hashlib.sha256(versions.encode()).hexdigest()[:12]
    return cache() / f"venv-{key}"


@contextlib.contextmanager
def locked_twin(colab_list: Path = TESTED_LIST, log=print):
    """Build the twin for colab_list and hold it: another checkout's run waits for the lock
    instead of reinstalling scoreedu under this one's notebooks."""
    venv = venv_dir(colab_list)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield build(colab_list, log)


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def pip(venv: Path, *args, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(python_of(venv)), "-m", "pip", "--disable-pip-version-check", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def freeze(venv: Path) -> dict:
    """name -> version of everything installed in the venv (pip itself included)."""
    listed = json.loads(pip(venv, "list", "--format=json").stdout)
    return {normalise(p["name"]): p["version"] for p in listed}


def install_cached(venv: Path, constraints: Path, requirements: list, log=print) -> None:
    """pip install from the wheel cache alone; fill the cache from the indexes on a miss."""
    wheels = cache() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    offline = ("install", "-q", "--no-index", "--find-links", str(wheels), "-c", str(constraints))
    if pip(venv, *offline, *requirements, check=False).returncode != 0:
        log(f"filling the wheel cache {wheels} (once per list)")
        pip(venv, "wheel", "-q", "-w", str(wheels), "-c", str(constraints), *requirements)
        pip(venv, *offline, *requirements)


def repaired(venv: Path, base: dict, constraints: Path, requirements: list) -> bool:
    """Bring a used twin back to its first state: scoreedu and anything added since removed,
    Colab's versions reinstalled (offline) where a run replaced them. False if that fails."""
    added = sorted(set(freeze(venv)) - set(base))
    if added:
        pip(venv, "uninstall", "-y", "-q", *added, check=False)
    if freeze(venv) != base:
        offline = ("install", "-q", "--no-index", "--find-links", str(cache() / "wheels"))
        pip(venv, *offline, "-c", str(constraints), *requirements, check=False)
    return freeze(venv) == base


def build(colab_list: Path = TESTED_LIST, log=print) -> Path:
    """The twin's venv for colab_list, before the bootstrap install; reused when still intact."""
    pins = twin_versions(colab_list)
    venv = venv_dir(colab_list)
    base = venv / "base-freeze.json"
    constraints = venv / "colab-constraints.txt"
    if base.exists() and repaired(venv, json.loads(base.read_text()), constraints, roots(pins)):
        return venv
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    constraints.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()), encoding="utf-8")
    requirements = roots(pins)
    install_cached(venv, constraints, requirements[:1], log)  # Colab's pip resolves the rest
    install_cached(venv, constraints, requirements[1:], log)
    base.write_text(json.dumps(freeze(venv), indent=1, sort_keys=True), encoding="utf-8")
    log(f"built the twin in {time.perf_counter() - started:.0f} s: {venv}")
    return venv


def not_colabs(installed: dict, pins: dict) -> dict:
    """name -> (installed, Colab's) for every installed package whose version is not Colab's;
    Colab's is None for a package Colab does not have."""
    return {
        n: (v, pins.get(n))
        for n, v in installed.items()
        if pins.get(n, "").split("+")[0] != v.split("+")[0] and n not in FOLLOW_TORCH | NOT_ON_COLAB
    }


def bootstrap_cell(notebook: Path = ROOT / "notebooks" / "00_start_here.ipynb") -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "colab-bootstrap" in c["metadata"].get("tags", [])]
    return "".join(tagged[0]["source"])


def checkout_copy(folder: Path) -> Path:
    """The checkout's files (tracked, and new ones git does not ignore) copied to folder/scoreedu.

    Not the checkout itself: pip keeps the wheel it builds from a directory whose name looks
    like name-version (a worktree called wt-i14, say) and reinstalls that stale wheel on every
    later run, and it would leave its build/ folder in the checkout.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = folder / "scoreedu"
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    return copy


def pointed_at(cell: str, source: Path) -> str:
    """The cell with its one `git+https://...@ref` requirement replaced by the folder source."""
    requirements = [
        node.value
        for node in ast.walk(ast.parse(cell))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " @ git+" in node.value
    ]
    if len(requirements) != 1:
        raise ValueError(f"the bootstrap cell should install one git requirement; {requirements}")
    return cell.replace(requirements[0], f"scoreedu @ {source.as_uri()}")


def run_bootstrap(venv: Path, cell: str) -> list:
    """Run the bootstrap cell, installing a copy of this checkout, in the twin's Python as Colab
    would: google.colab imported, and none of this machine's pip configuration (no local
    mirrors: PyPI). Return what it printed."""
    with tempfile.TemporaryDirectory() as fake:
        (Path(fake) / "google" / "colab").mkdir(parents=True)
        for part in ("google", "google/colab"):
            (Path(fake) / part / "__init__.py").write_text("", encoding="utf-8")
        code = "import google.colab\n" + pointed_at(cell, checkout_copy(Path(fake)))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(PYTHONPATH=fake, PIP_CONFIG_FILE=os.devnull)
        result = subprocess.run(
            [str(python_of(venv)), "-c", code], capture_output=True, text=True, env=env, cwd=fake
        )
    if result.returncode != 0:
        raise RuntimeError(f"the bootstrap cell failed:\n{result.stdout}\n{result.stderr}")
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def in_twin(venv: Path, *args, timeout: int = 900) -> dict:
    """Run tools/colab_twin_kernel.py with the twin's Python; return the JSON it prints last."""
    script = ROOT / "tools" / "colab_twin_kernel.py"
    env = {**os.environ, "SCOREEDU_DEVICE": "cpu", "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(python_of(venv)), str(script), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT / "notebooks",  # not ROOT: its scoreedu/ folder would shadow the installed one
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{script.name} {args} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(lines[-1])


def check(colab_list: Path = TESTED_LIST, log=print) -> list:
    """Every check of the twin for colab_list; return the problems found (empty: all pass)."""
    with locked_twin(colab_list, log) as venv:
        return checks_in(venv, twin_versions(colab_list), log)


def checks_in(venv: Path, pins: dict, log=print) -> list:
    problems = []
    before = freeze(venv)
    if off := not_colabs(before, pins):
        problems.append(f"the twin does not match the list (installed, Colab's): {off}")
    printed = run_bootstrap(venv, bootstrap_cell())
    if printed:
        problems.append(f"the bootstrap install is not quiet: {printed}")
    after = freeze(venv)
    changed = {n: (v, after.get(n)) for n, v in before.items() if after.get(n) != v}
    added = sorted(set(after) - set(before) - {"scoreedu"})
    if changed or added or "scoreedu" not in after:
        problems.append(f"the bootstrap changed Colab's packages: {changed}, added {added}")
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        report = in_twin(venv, "notebook", notebook)
        log(f"{notebook.name}: {report['seconds']:.0f} s, {len(report['problems'])} problems")
        problems += [f"{notebook.name}: {p}" for p in report["problems"]]
    report = in_twin(venv, "explorers")
    log(f"explorers: {report['moves']} moves, {len(report['problems'])} problems")
    return problems + [f"explorers: {p}" for p in report["problems"]]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", type=Path, default=TESTED_LIST, help="a Colab pip freeze")
    return report(check(parser.parse_args(argv).list), "FAIL", "the Colab twin passes")


def report(problems: list, mark: str, verdict: str) -> int:
    """Print each problem after mark, or the verdict when there is none; the exit status."""
    for problem in problems:
        print(mark, problem)
    print(f"{len(problems)} problems" if problems else verdict)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
