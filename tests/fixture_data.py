"""The fictional fixture case (tests/fixtures/fictional_case), merged into a temporary copy of casedata/.

Never merged into casedata/ itself: the fixture proves that a case added as CSV rows reaches every notebook,
the casebook and the curation check, and is never course content.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from utils import casedata, curation, plots

FIXTURE_DIR: Path = Path(__file__).resolve().parent / "fixtures" / "fictional_case"
FIXTURE_CASE = "fictional2099"
#: The cases of casedata/ as it stands (the two published cases, and any a tutor has added), in cases.csv order:
#: the tests compare the merged copy with these, never with a hard-coded list, so they hold after a case is added.
PUBLISHED: tuple[str, ...] = tuple(str(c) for c in casedata.load("cases")["case_id"])


def merged_copy(dest: Path | str, fixture: Path | str = FIXTURE_DIR) -> Path:
    """Write casedata/ plus the fixture rows into ``dest`` (created; must not be inside casedata/); return it."""
    dest = Path(dest)
    curation.merge(fixture, dest)
    return dest


# Fixtures shared by the tests that draw the course on three cases (import them by name) -----------------------
@pytest.fixture(scope="session")
def merged(tmp_path_factory) -> casedata.CaseData:
    """The course data with the fixture case merged in, loaded once per test session (its verdict cached in a
    temporary folder, never in build/cache)."""
    plots.use_course_style()
    work = tmp_path_factory.mktemp("merged")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(casedata, "CACHE_DIR", work / "cache")
        return casedata.load_all(merged_copy(work / "casedata"))


@pytest.fixture(scope="session")
def published() -> casedata.CaseData:
    """The course data as published."""
    return casedata.load_all()


@pytest.fixture(scope="session")
def cases(merged) -> list[str]:
    """The case ids of the merged data, in the order of cases.csv (the fixture case last)."""
    return [str(c) for c in merged.cases["case_id"]]
