"""Issue 15: role decisions live in the policy modules. A role check written inline again
(`has_role(` in application code outside `policies.py`, the door in tenants/tenancy.py and
the method itself in tenants/models.py) fails here: name the rule in the part's policies
module and ask it from the page and the service alike."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crisisdesk", "tenants", "incidents", "playbooks", "templates")
# The door's required_role mechanism, and has_role itself (with sees_whole_organisation).
ALLOWED = {"tenants/tenancy.py", "tenants/models.py"}
CALL = re.compile(r"\bhas_role\(")


def inline_role_checks(root: Path = ROOT) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if "migrations" in path.parts or path.name == "policies.py" or name in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if CALL.search(line):
                    found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_finder_finds_an_inline_check(tmp_path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "views.py").write_text(
        "can = membership.has_role(Role.MANAGER)\n", encoding="utf-8"
    )
    (tmp_path / "templates" / "policies.py").write_text(
        "def may(m):\n    return m.has_role(Role.MANAGER)\n", encoding="utf-8"
    )

    assert inline_role_checks(tmp_path) == [
        "templates/views.py:1: can = membership.has_role(Role.MANAGER)"
    ]


def test_no_role_check_is_written_inline() -> None:
    found = inline_role_checks()
    assert found == [], (
        "role checks outside the policy modules (name the rule in the part's policies.py):\n"
        + "\n".join(found)
    )
