"""Repeated blocks of six or more lines in the application code, and whether each is justified.

Issue 15's rule: no block of six or more lines stands twice in the application code (the five
packages, without tests, migrations and vendored files) unless the pair is justified in a
comment. A block is repeated when its lines are the same to the letter ("exact") or the same
but for names, strings and numbers ("shape"), after blank lines, comments, import lines and lone
punctuation are passed over and white space is folded: the same reading as the `duplicates`
tool of the development machines, so that a pair one reports the other reports too.

A pair is justified when either side carries a comment with the words "Alike" and "on purpose"
(``# Alike …`` in Python, ``{# Alike … #}`` in a template):

- inside the block or in the three lines above it;
- in the comment lines directly above a definition (``def``, ``class``, or its decorators)
  or a top-level statement (``urlpatterns = [``) that encloses the block, so that one comment
  above a class, a function or a table can speak for the family of look-alikes inside it;
- in a template, anywhere in its first five lines (the template's family).

A run that stands in more than eight places is left out, as the tool leaves it out: it is a
shape of the language (a field list, a URL table), not a copy.

    python .ci/repeated_blocks.py            # exit 1 and the unjustified pairs, if any
    python .ci/repeated_blocks.py --all      # every pair, justified or not
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("crisisdesk", "tenants", "incidents", "playbooks", "templates")
SUFFIXES = (".py", ".html", ".txt", ".js", ".css")
SKIP_PARTS = ("migrations", "vendor", "__pycache__", "node_modules")
MIN_LINES = 6
TOO_COMMON = 8
ABOVE = 3
TEMPLATE_HEAD = 5
NAMES_ALIKE = 0.4

_STRING = re.compile(r"""[rbfuRBFU]{0,2}("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_NUMBER = re.compile(r"\b\d[\d_.]*\b")
_NAME = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_PUNCTUATION = re.compile(r"^[\s()\[\]{},:;.]*$")
_IMPORT = re.compile(r"^(import\s|from\s+\S+\s+import\b)")
_DEFINITION = re.compile(r"^\s*(async\s+def|def|class)\s")
_JUSTIFIED = re.compile(r"\bAlike\b.*\bon purpose\b|\bon purpose\b.*\bAlike\b")
_KEYWORDS = (frozenset(keyword.kwlist) - {"None", "True", "False"}) | {
    # Template tags read as keywords: a template's shape is its tags.
    "block", "endblock", "extends", "include", "load", "trans", "blocktrans", "endblocktrans",
    "url", "with", "endwith", "for", "endfor", "if", "endif", "else", "elif", "empty",
    "csrf_token", "static",
}  # fmt: skip


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line number in the file
    exact: str
    shape: str


@dataclass
class Source:
    path: str
    raw: list[str]
    lines: list[Line]

    @property
    def template(self) -> bool:
        return not self.path.endswith(".py")


@dataclass(frozen=True)
class Pair:
    a: str
    a_lines: tuple[int, int]
    b: str
    b_lines: tuple[int, int]
    kind: str  # "exact" or "shape"

    def __str__(self) -> str:
        return (
            f"{self.a}:{self.a_lines[0]}-{self.a_lines[1]} ~ "
            f"{self.b}:{self.b_lines[0]}-{self.b_lines[1]} {self.kind}"
        )


def _shape(text: str) -> str:
    text = _STRING.sub("S", text)
    text = _NUMBER.sub("0", text)
    return _NAME.sub(lambda m: m.group(0) if m.group(0) in _KEYWORDS else "N", text)


def _comment(stripped: str, template: bool) -> bool:
    if template:  # a Django template, or a script or style sheet
        return stripped.startswith(("{#", "<!--", "#}", "-->", "//", "/*", "*"))
    return stripped.startswith("#")


def read(path: str, text: str) -> Source:
    raw = text.splitlines()
    template = not path.endswith(".py")
    lines: list[Line] = []
    in_docstring: str | None = None
    for number, line in enumerate(raw, start=1):
        stripped = " ".join(line.split())
        if not template:
            if in_docstring:
                if in_docstring in stripped:
                    in_docstring = None
                continue
            for quote in ('"""', "'''"):
                if stripped.startswith((quote, f"r{quote}")) and stripped.count(quote) == 1:
                    in_docstring = quote
            if in_docstring or (stripped[:3] in ('"""', "'''") and stripped.endswith(stripped[:3])):
                continue
            if _IMPORT.match(stripped):
                continue
        if not stripped or _comment(stripped, template) or _PUNCTUATION.match(stripped):
            continue
        lines.append(Line(number, stripped, _shape(stripped)))
    return Source(path, raw, lines)


def application_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix()
        for package in PACKAGES
        for path in (root / package).rglob("*")
        if path.suffix in SUFFIXES
        and path.is_file()
        and not any(part in SKIP_PARTS for part in path.relative_to(root).parts)
    )


def pairs(sources: list[Source]) -> list[Pair]:
    """Maximal runs of MIN_LINES or more equal lines (exact, else by shape) between places."""
    found: dict[tuple[str, str, int, int], Pair] = {}
    for kind in ("exact", "shape"):
        windows: dict[tuple[str, ...], list[tuple[int, int]]] = defaultdict(list)
        for s, source in enumerate(sources):
            keys = [getattr(line, kind) for line in source.lines]
            for i in range(len(keys) - MIN_LINES + 1):
                windows[tuple(keys[i : i + MIN_LINES])].append((s, i))
        for places in windows.values():
            if len(places) < 2 or len(places) > TOO_COMMON:
                continue
            for x, (sa, ia) in enumerate(places):
                for sb, ib in places[x + 1 :]:
                    if sa == sb and abs(ia - ib) < MIN_LINES:
                        continue  # a run overlapping itself
                    a, b = sources[sa], sources[sb]
                    key = (a.path, b.path, ia, ib)
                    # Extend to the run's start and end, so one pair stands for the run.
                    while ia > 0 and ib > 0 and _same(a, b, ia - 1, ib - 1, kind):
                        ia, ib = ia - 1, ib - 1
                    end = MIN_LINES
                    while (
                        ia + end < len(a.lines)
                        and ib + end < len(b.lines)
                        and _same(a, b, ia + end, ib + end, kind)
                        and (sa != sb or ia + end < ib)
                    ):
                        end += 1
                    if kind == "shape" and _names_alike(a, b, ia, ib, end) < NAMES_ALIKE:
                        continue  # the same syntax with other content: not a copy
                    key = (a.path, b.path, ia, ib)
                    if key in found or _within_exact(found, a, b, ia, ib, end):
                        continue
                    found[key] = Pair(
                        a.path,
                        (a.lines[ia].number, a.lines[ia + end - 1].number),
                        b.path,
                        (b.lines[ib].number, b.lines[ib + end - 1].number),
                        kind,
                    )
    # One row per pair of files' overlapping regions: keep the longest run of each.
    return _distinct(list(found.values()))


def _same(a: Source, b: Source, i: int, j: int, kind: str) -> bool:
    return getattr(a.lines[i], kind) == getattr(b.lines[j], kind)


def _names(text: str) -> list[str]:
    return [n for n in _NAME.findall(_STRING.sub('""', text)) if n not in _KEYWORDS]


def _names_alike(a: Source, b: Source, ia: int, ib: int, end: int) -> float:
    """The share of the run's names that are the same on both sides, place by place."""
    same = total = 0
    for k in range(end):
        names_a, names_b = _names(a.lines[ia + k].exact), _names(b.lines[ib + k].exact)
        total += max(len(names_a), len(names_b))
        same += sum(x == y for x, y in zip(names_a, names_b, strict=False))
    return same / total if total else 0.0  # strings and numbers only: data, not code


def _within_exact(found: dict, a: Source, b: Source, ia: int, ib: int, end: int) -> bool:
    start_a, start_b = a.lines[ia].number, b.lines[ib].number
    return any(
        p.a == a.path
        and p.b == b.path
        and p.a_lines[0] <= start_a <= p.a_lines[1]
        and p.b_lines[0] <= start_b <= p.b_lines[1]
        for p in found.values()
    )


def _distinct(found: list[Pair]) -> list[Pair]:
    kept: list[Pair] = []
    for pair in sorted(found, key=lambda p: -(p.a_lines[1] - p.a_lines[0])):
        if not any(
            k.a == pair.a
            and k.b == pair.b
            and k.a_lines[0] <= pair.a_lines[1]
            and pair.a_lines[0] <= k.a_lines[1]
            and k.b_lines[0] <= pair.b_lines[1]
            and pair.b_lines[0] <= k.b_lines[1]
            for k in kept
        ):
            kept.append(pair)
    return sorted(kept, key=lambda p: (p.a, p.a_lines, p.b, p.b_lines))


def justified(source: Source, first: int, last: int) -> bool:
    """Whether a comment justifies the block at lines first..last (1-based) of source."""
    raw = source.raw
    if source.template and _says(raw[:TEMPLATE_HEAD]):
        return True
    if _says(_comments(raw[max(first - ABOVE, 1) - 1 : last], source.template)):
        return True
    if source.template:
        return False
    # The comments above each definition (or decorator, or top-level statement) that
    # encloses the block, innermost first.
    indent = _indent(raw[first - 1])
    for n in range(first - 1, 0, -1):
        line = raw[n - 1]
        if not line.strip() or line.lstrip().startswith("#") or _indent(line) >= indent:
            continue
        if line.lstrip()[0] in ")]}":
            continue  # the end of a signature, bases or decorator that began further up
        indent = _indent(line)
        stripped = line.lstrip()
        if (_DEFINITION.match(line) or stripped.startswith("@") or indent == 0) and _says(
            _comments_above(raw, n)
        ):
            return True
        if indent == 0:
            break
    return False


def _comments_above(raw: list[str], n: int) -> list[str]:
    """The comment lines directly above line n (1-based), above its decorators if any."""
    indent = _indent(raw[n - 1])
    top = n - 1
    # Up over the decorators (and their arguments' lines) of the definition at line n.
    while top >= 1:
        line = raw[top - 1]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            break
        if _indent(line) > indent or (_indent(line) == indent and stripped[0] in "@)]"):
            top -= 1
            continue
        break
    above: list[str] = []
    while top >= 1 and raw[top - 1].lstrip().startswith("#"):
        above.insert(0, raw[top - 1])
        top -= 1
    return above


def _says(lines: list[str]) -> bool:
    """Whether the lines, comment marks and line breaks folded away, say Alike … on purpose."""
    text = " ".join(" ".join(lines).replace("{#", " ").replace("#}", " ").replace("#", " ").split())
    return bool(_JUSTIFIED.search(text))


def _comments(lines: list[str], template: bool) -> list[str]:
    if template:
        return lines
    return [line for line in lines if "#" in line]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def check(root: Path, files: list[str] | None = None) -> tuple[list[Pair], list[Pair]]:
    """Every pair, and those no comment justifies."""
    names = files if files is not None else application_files(root)
    sources = [read(name, (root / name).read_text(encoding="utf-8")) for name in names]
    by_path = {source.path: source for source in sources}
    every = pairs(sources)
    unjustified = [
        pair
        for pair in every
        if not justified(by_path[pair.a], *pair.a_lines)
        and not justified(by_path[pair.b], *pair.b_lines)
    ]
    return every, unjustified


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--all", action="store_true", help="list every pair, justified or not")
    parser.add_argument("paths", nargs="*", help="only pairs with a side under these paths")
    args = parser.parse_args(argv)
    every, unjustified = check(args.root)
    shown = every if args.all else unjustified
    if args.paths:
        shown = [
            p for p in shown if any(p.a.startswith(x) or p.b.startswith(x) for x in args.paths)
        ]
    bad = set(map(str, unjustified))
    for pair in shown:
        print(pair, "" if str(pair) in bad else "(justified)")
    exact = sum(p.kind == "exact" for p in every)
    print(
        f"{len(every)} repeated blocks of {MIN_LINES}+ lines ({exact} exact), "
        f"{len(every) - len(unjustified)} justified, {len(unjustified)} not",
        file=sys.stderr,
    )
    return 1 if unjustified else 0


if __name__ == "__main__":
    sys.exit(main())
