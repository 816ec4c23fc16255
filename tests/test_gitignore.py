"""What the README's commands write inside the clone is ignored by git: a user who follows
the README is left with no untracked files."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT

# `--store NAME`, `-o NAME`, `--out NAME` in the README's shell lines; NAMEs in capitals are
# placeholders (CASES/, LETTER.txt), absolute paths are outside the clone.
WRITTEN = re.compile(r"(?:--store|-o|--out)\s+([a-z][\w.\-]*/?)(?=\s|$|`)")


def _readme_outputs() -> set[str]:
    lines = [
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if "imr-kg " in line or "kg.Store(" in line
    ]
    found = {m.group(1) for line in lines for m in WRITTEN.finditer(line)}
    found |= set(re.findall(r'kg\.Store\("([\w.\-]+)"\)', "\n".join(lines)))
    return found


def test_the_readme_names_the_outputs_this_test_expects():
    assert {"cases.db", "report/", "seed-report.html"} <= _readme_outputs()


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git clone"
)
def test_every_output_of_the_readmes_commands_is_ignored_by_git():
    outputs = sorted(_readme_outputs())
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", *outputs], cwd=ROOT, capture_output=True, text=True
    )
    assert sorted(checked.stdout.split()) == outputs
