"""Are the stored notebook outputs current? A record of the data they were computed from.

The notebooks and casebook pages are stored with their outputs, and the offline site shows those outputs as they
are. When ``casedata/`` changes (a tutor adds a case, a curator corrects a value), the stored outputs no longer show
the data until the notebooks are run again. This module keeps, in ``notebooks/casedata.sha256``, the SHA-256 of
every file of ``casedata/`` the outputs were computed from (the format of ``sha256sum``), and says plainly what
changed and what to run:

    python -m delivery.freshness check    # exit 1 and a message when casedata/ changed since the outputs
    python -m delivery.freshness stamp    # record the current casedata/ (make notebooks and make casebook do it)

``make test`` fails with that message (tests/test_freshness.py) and ``make site`` prints it before building.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from utils import PROJECT_ROOT

DATA_DIR: Path = PROJECT_ROOT / "casedata"
STAMP: Path = PROJECT_ROOT / "notebooks" / "casedata.sha256"
WHAT_TO_RUN = "make notebooks (it re-executes the notebooks and renders the casebook), then review the changed outputs and commit them with the data"


def fingerprints(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """SHA-256 of the descriptor and of every CSV file in ``data_dir``, by file name."""
    files = sorted([*data_dir.glob("*.csv"), data_dir / "datapackage.json"])
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files if path.is_file()}


def read_stamp(stamp: Path = STAMP) -> dict[str, str]:
    """The fingerprints recorded in ``stamp`` (empty when there is none)."""
    if not stamp.is_file():
        return {}
    recorded = {}
    for line in stamp.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            recorded[name.lstrip("*")] = digest
    return recorded


def write_stamp(data_dir: Path = DATA_DIR, stamp: Path = STAMP) -> None:
    """Record the current fingerprints of ``data_dir`` in ``stamp``."""
    lines = [f"{digest}  {name}" for name, digest in fingerprints(data_dir).items()]
    header = "# casedata/ files the stored notebook outputs were computed from (python -m delivery.freshness stamp)"
    stamp.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")


def changes(data_dir: Path = DATA_DIR, stamp: Path = STAMP) -> list[str]:
    """What changed in ``data_dir`` since the stamp, one line per file ("labs.csv changed"); empty when current."""
    now, then = fingerprints(data_dir), read_stamp(stamp)
    if not then:
        return [f"no record of the data behind the stored outputs ({stamp.name} is missing)"]
    found = [f"{name} changed" for name in sorted(now.keys() & then.keys()) if now[name] != then[name]]
    found += [f"{name} is new" for name in sorted(now.keys() - then.keys())]
    found += [f"{name} was removed" for name in sorted(then.keys() - now.keys())]
    return found


def message(found: list[str]) -> str:
    """The warning for a list of :func:`changes`."""
    return ("casedata/ has changed since the notebooks' outputs were stored, so the stored outputs (and the offline "
            f"site built from them) do not show the current data: {'; '.join(found)}. Run: {WHAT_TO_RUN}.")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["stamp"]:
        write_stamp()
        print(f"recorded the current casedata/ in {STAMP.relative_to(PROJECT_ROOT)}")
        return 0
    if args in (["check"], ["warn"]):
        found = changes()
        if not found:
            print("stored outputs are current with casedata/")
            return 0
        print(("WARNING: " if args == ["warn"] else "") + message(found), file=sys.stderr)
        return 1 if args == ["check"] else 0
    print("usage: python -m delivery.freshness check | warn | stamp", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
