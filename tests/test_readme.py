"""The README's concept table and set-up commands stay true to the project."""

import re
from pathlib import Path

from comparisons.registry import FAMILIES

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_concepts() -> dict[str, list[str]]:
    """Family -> concept names from the README's ``| family | concepts |`` table."""
    table = README.read_text(encoding="utf-8").split("| family | concepts |", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    return {re.findall(r"`([^`]+)`", row)[0]: re.findall(r"`([^`]+)`", row)[1:] for row in rows}


def test_the_concept_table_lists_every_family_and_concept_in_order(registry):
    registered = {family: [c.name for c in registry.values() if c.family == family] for family in FAMILIES}
    listed = readme_concepts()
    assert list(listed) == list(FAMILIES)
    for family in FAMILIES:
        assert sorted(listed[family]) == sorted(registered[family]), family
