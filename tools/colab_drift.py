"""Drift watch: build the Colab twin from a newer Colab list and report what breaks.

    python tools/colab_drift.py                                  # colab/pip-freeze.latest.txt
    python tools/colab_drift.py --list path/to/pip-freeze.txt

A maintainer pastes Colab's newest published list (googlecolab/backend-info, pip-freeze.txt)
into colab/pip-freeze.latest.txt and runs this. It prints which of the twin's packages Colab
moved, which floors of pyproject.toml would then have to follow, and every check of the twin
that fails with the newer versions (install, notebooks, explorers). Exit status 1 on a failure.
When it passes, copy the list to colab/pip-freeze.txt (the one CI builds from) and raise the
floors it names.
"""

import argparse
import json
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import colab_twin  # noqa: E402

LATEST = ROOT / "colab" / "pip-freeze.latest.txt"


def moved(old: dict, new: dict, names) -> dict:
    """name -> (tested version, newer version) for the names whose version changed."""
    return {n: (old.get(n), new.get(n)) for n in sorted(names) if old.get(n) != new.get(n)}


def floors_to_raise(newer: Path) -> dict:
    """pyproject dependency -> (its floor, Colab's newer version) where the two would differ."""
    colab = colab_twin.read_list(newer)
    colab["torch"] = colab_twin.colab_torch(newer)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {}
    for requirement in project["dependencies"]:
        name, _, floor = requirement.partition(">=")
        now = colab.get(colab_twin.normalise(name))
        if now is not None and colab_twin.release(now) != colab_twin.release(floor):
            found[name] = (floor, now)
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", type=Path, default=LATEST, help="a newer Colab pip freeze")
    newer = parser.parse_args(argv).list
    old = colab_twin.twin_versions(colab_twin.TESTED_LIST)
    new = colab_twin.twin_versions(newer)
    base = colab_twin.venv_dir(colab_twin.TESTED_LIST) / "base-freeze.json"
    names = set(json.loads(base.read_text())) if base.exists() else set(old) | set(new)
    for name, (was, now) in moved(old, new, names).items():
        print(f"moved: {name} {was} -> {now}")
    print(f"Colab's torch: {colab_twin.colab_torch(newer)} (the twin runs {new['torch']})")
    for name, (floor, now) in floors_to_raise(newer).items():
        print(f"floor: pyproject's {name}>={floor} would become {name}>={now}")
    return colab_twin.report(colab_twin.check(newer), "BREAKS", "no drift breaks the series")


if __name__ == "__main__":
    sys.exit(main())
