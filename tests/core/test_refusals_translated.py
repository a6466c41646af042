"""Every refusal of the application code is written once as a lazily translated message
(crisisdesk.core.exceptions): no DomainError, nor any subclass of it, is built from a plain
string or an f-string, which a Russian page could only show in English."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("crisisdesk", "tenants", "incidents", "playbooks", "templates")
BASE = {"DomainError", "Conflict", "Forbidden", "NotFound"}
LAZY = {"gettext_lazy", "pgettext_lazy", "ngettext_lazy", "npgettext_lazy"}
# Helpers of crisisdesk.core.exceptions that keep a message lazy (parts read as one message).
LAZY_HELPERS = {"lazy_format", "lazy_join"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _modules() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def refusal_classes(trees: dict[str, ast.Module]) -> set[str]:
    """DomainError and every class of the application code built on it, however deep."""
    family = set(BASE)
    grown = True
    while grown:
        grown = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in family
                    and any(_name(base) in family for base in node.bases)
                ):
                    family.add(node.name)
                    grown = True
    return family


def _lazy_names(tree: ast.Module) -> set[str]:
    """The names under which the module imported a lazy gettext (`gettext_lazy as _`, …)."""
    names = set(LAZY_HELPERS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {alias.asname or alias.name for alias in node.names if alias.name in LAZY}
    return names


def _foreign_names(tree: ast.Module) -> set[str]:
    """Names the module imports from outside the application: DRF's `exceptions.NotFound()`
    shares a name with ours but is not one of ours."""
    foreign = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not (node.module or "").startswith(PACKAGES):
            foreign |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            foreign |= {
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if not alias.name.startswith(PACKAGES)
            }
    return foreign


def _is_refusal(call: ast.Call, family: set[str], foreign: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in family and func.id not in foreign
    if isinstance(func, ast.Attribute):
        return func.attr in family and _name(func.value) not in foreign
    return False


def _super_init_in_refusal(
    call: ast.Call, enclosing: ast.ClassDef | None, family: set[str]
) -> bool:
    func = call.func
    return (
        enclosing is not None
        and enclosing.name in family
        and isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and _name(func.value.func) == "super"
    )


def _bad_message(message: ast.expr, lazy: set[str]) -> str | None:
    """Why the first argument is not a lazily translated message (None: it is, or a variable
    that holds one)."""
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return "a plain string"
    if isinstance(message, ast.JoinedStr):
        return "an f-string"
    if isinstance(message, ast.BinOp):
        return "a string formatted before it is translated"
    if isinstance(message, ast.Call):
        return None if _name(message.func) in lazy else f"a call of {ast.unparse(message.func)}"
    if isinstance(message, ast.Name | ast.Attribute | ast.Subscript):
        return None
    return f"{type(message).__name__}"


def untranslated_refusals(trees: dict[str, ast.Module]) -> list[str]:
    family = refusal_classes(trees)
    found = []
    for path, tree in trees.items():
        foreign = _foreign_names(tree)
        lazy = _lazy_names(tree)
        classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
        owner = {id(inner): cls for cls in classes for inner in ast.walk(cls)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            if _is_refusal(node, family, foreign) or _super_init_in_refusal(
                node, owner.get(id(node)), family
            ):
                why = _bad_message(node.args[0], lazy)
                if why:
                    found.append(f"{path}:{node.lineno}: {why}: {ast.unparse(node)[:100]}")
    return found


def test_every_refusal_of_the_application_is_lazily_translated() -> None:
    assert untranslated_refusals(_modules()) == []


BAD = """
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from crisisdesk.core.exceptions import Conflict, DomainError
from rest_framework import exceptions

class Locked(Conflict):
    def __init__(self, status):
        super().__init__(f"Locked while {status}.")

class VeryLocked(Locked):
    pass

def refuse(status, limit):
    exceptions.NotFound("DRF's own, not ours.")
    DomainError(gettext_lazy("Fine: %(limit)d."), params={"limit": limit})
    raise DomainError("Plain English.", field="name")
    raise Conflict(f"A response that is {status} cannot be edited.", status=status)
    return VeryLocked(_("At most %(limit)d.") % {"limit": limit})
    raise DomainError(_("Translated too early."))
"""


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (9, "an f-string"),
        (17, "a plain string"),
        (18, "an f-string"),
        (19, "a string formatted before it is translated"),
        (20, "a call of _"),
    ],
)
def test_the_check_finds_a_planted_untranslated_refusal(line, why) -> None:
    found = untranslated_refusals({"planted.py": ast.parse(BAD)})

    assert any(f.startswith(f"planted.py:{line}: {why}:") for f in found), found
    assert len(found) == 5  # neither DRF's NotFound nor the lazy message


def test_the_family_reaches_subclasses_of_subclasses() -> None:
    assert {"Locked", "VeryLocked"} <= refusal_classes({"planted.py": ast.parse(BAD)})
