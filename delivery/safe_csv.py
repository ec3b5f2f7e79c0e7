"""The site's copies of the curated CSV files, safe to open in a spreadsheet (no formula injection).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and
Excel also reads a leading tab or carriage return that way); a formula can fetch a web page or,
through DDE, start a program. The site offers ``casedata/*.csv`` for download, so its copies
follow OWASP's advice (https://owasp.org/www-community/attacks/CSV_Injection): such a cell gets a
single quote in front, and every cell of that file is written in double quotes (inner quotes
doubled), so a spreadsheet shows the text and runs nothing.

Numbers: a cell that is a plain decimal number (:data:`NUMBER`, such as ``-2192``, ``+5``,
``-0.5`` or ``1e-3``) is left as it is, in any column. A spreadsheet reads it as that number,
not as a formula, and the day columns rely on negative numbers (days before the diagnosis of
marrow metastasis). ``-inf``, ``-nan`` or ``-2+3`` are not plain numbers and get the quote.

A file with no such cell is copied byte for byte, so today's curated files reach the site
unchanged; ``casedata/`` itself is never written to.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: A plain decimal number: optional sign, digits with an optional fraction, optional exponent.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralised(cell: str) -> str:
    """``cell`` with a single quote in front if a spreadsheet would run it as a formula; plain numbers stay."""
    if cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def copy(source: Path, target: Path) -> bool:
    """Copy one CSV file for the site; return True if any cell had to be neutralised (and the file was rewritten)."""
    text = source.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    safe = [[neutralised(cell) for cell in row] for row in rows]
    if safe == rows:
        shutil.copyfile(source, target)
        return False
    with open(target, "w", newline="", encoding="utf-8") as handle:
        terminator = "\r\n" if "\r\n" in text else "\n"
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator=terminator).writerows(safe)
    return True


def copy_folder(source: Path, target: Path) -> list[str]:
    """Copy the data folder for the site (CSV files through :func:`copy`, ``datapackage.json`` as it is, no
    Markdown); return the names of the CSV files that had cells neutralised."""
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for path in sorted(source.iterdir()):
        if path.suffix == ".csv" and copy(path, target / path.name):
            changed.append(path.name)
        elif path.suffix == ".json":
            shutil.copyfile(path, target / path.name)
    return changed
