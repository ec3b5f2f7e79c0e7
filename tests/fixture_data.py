"""The fictional fixture case (tests/fixtures/fictional_case), merged into a temporary copy of casedata/.

Never merged into casedata/ itself: the fixture proves that a case added as CSV rows reaches every notebook,
the casebook and the curation check, and is never course content.
"""

from __future__ import annotations

from pathlib import Path

from utils import curation

FIXTURE_DIR: Path = Path(__file__).resolve().parent / "fixtures" / "fictional_case"
FIXTURE_CASE = "fictional2099"


def merged_copy(dest: Path | str, fixture: Path | str = FIXTURE_DIR) -> Path:
    """Write casedata/ plus the fixture rows into ``dest`` (created; must not be inside casedata/); return it."""
    dest = Path(dest)
    curation.merge(fixture, dest)
    return dest
