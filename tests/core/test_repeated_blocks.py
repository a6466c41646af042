"""The repeated-block rule of issue 15 (`.ci/repeated_blocks.py`): known answers on planted
copies, then the application code itself, where every repeated block of six or more lines is
justified by an "Alike … on purpose" comment."""

import importlib.util
import sys
from pathlib import Path
from textwrap import dedent

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _checker():
    spec = importlib.util.spec_from_file_location(
        "repeated_blocks", ROOT / ".ci/repeated_blocks.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("repeated_blocks", module)
    spec.loader.exec_module(module)
    return module


rb = _checker()

BLOCK = """
def {name}(request, pk):
    obj = scoped_get(selectors.brand_list(membership=request.membership), pk)
    ask = confirmation(request, title={title}, action={action})
    if ask:
        return ask
    services.{service}(brand=obj, by=request.membership)
    messages.success(request, {done})
    return redirect("web:brands", request.organisation.slug)
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(dedent(text), encoding="utf-8")
    return sorted(files)


def _check(tmp_path: Path, files: dict[str, str]):
    return rb.check(tmp_path, _tree(tmp_path, files))


def _block(name="brand_delete", service="brand_delete", title='"Delete?"', action='"Delete"'):
    return BLOCK.format(name=name, service=service, title=title, action=action, done='"Done."')


def test_an_exact_copy_is_found_and_refused(tmp_path) -> None:
    every, unjustified = _check(tmp_path, {"a.py": _block(), "b.py": "x = 1\n" + _block()})
    assert [(p.a, p.b, p.kind) for p in every] == [("a.py", "b.py", "exact")]
    assert unjustified == every
    # The line numbers are the file's own.
    assert every[0].a_lines == (2, 9) and every[0].b_lines == (3, 10)


def test_a_copy_with_other_names_and_strings_is_found_by_shape(tmp_path) -> None:
    renamed = _block("brand_rotate", "brand_rotate_secret", '"Rotate?"', '"Rotate"')
    every, _ = _check(tmp_path, {"a.py": _block(), "b.py": renamed})
    assert [p.kind for p in every] == ["shape"]


def test_the_same_syntax_with_other_content_is_not_a_copy(tmp_path) -> None:
    constants = "".join(f"{name} = {n}\n" for n, name in enumerate("ABCDEFGH"))
    others = "".join(f"{name} = {n * 7}\n" for n, name in enumerate("STUVWXYZ"))
    data = "".join(
        f'    "{w}": -{n}.5,\n' for n, w in enumerate(["bad", "awful", "sad", "mad", "ill", "low"])
    )
    data2 = "".join(
        f'    "{w}": {n}.5,\n'
        for n, w in enumerate(["good", "fine", "glad", "nice", "kind", "warm"])
    )
    every, _ = _check(
        tmp_path,
        {"a.py": constants + f"A = {{\n{data}}}\n", "b.py": others + f"B = {{\n{data2}}}\n"},
    )
    assert every == []


def test_five_lines_are_not_a_block(tmp_path) -> None:
    five = "\n".join(_block().strip().splitlines()[:5]) + "\n"
    every, _ = _check(tmp_path, {"a.py": five, "b.py": five})
    assert every == []


def test_blank_lines_comments_imports_and_docstrings_are_passed_over(tmp_path) -> None:
    lines = _block().strip().splitlines()
    padded = "\n".join(
        [lines[0], '    """A docstring."""', *lines[1:4], "", "    # a comment", *lines[4:]]
    )
    every, _ = _check(
        tmp_path, {"a.py": "import os\n" + _block(), "b.py": "from x import y\n" + padded}
    )
    assert [p.kind for p in every] == ["exact"]


@pytest.mark.parametrize("decorated", [False, True])
def test_a_comment_above_the_definition_justifies_the_pair(tmp_path, decorated) -> None:
    comment = "# Alike b.py:brand_delete on purpose: the two pages answer to different roles.\n"
    justified = comment + ("@org_page()\n" if decorated else "") + _block().lstrip()
    every, unjustified = _check(tmp_path, {"a.py": justified, "b.py": _block()})
    assert len(every) == 1 and unjustified == []


def test_a_comment_above_an_enclosing_class_speaks_for_its_methods(tmp_path) -> None:
    method = "\n".join("    " + line for line in _block().splitlines())
    justified = (
        "# Alike b.py on purpose: the class's actions share a shape, not a rule.\nclass A:\n"
        + method
    )
    plain = "class A:\n" + method
    assert _check(tmp_path, {"a.py": justified, "b.py": _block()})[1] == []
    assert len(_check(tmp_path, {"a.py": plain, "b.py": _block()})[1]) == 1


def test_a_comment_far_away_or_without_the_words_does_not_justify(tmp_path) -> None:
    far = "# Alike b.py on purpose: far away.\n" + "x = 1\n" * 5 + "\n" + _block()
    vague = "# These two look alike.\n" + _block().lstrip()
    for text in (far, vague):
        assert len(_check(tmp_path, {"a.py": text, "b.py": _block()})[1]) == 1


def test_a_template_is_justified_by_a_comment_in_its_first_lines(tmp_path) -> None:
    page = dedent(
        """\
        {% extends "base.html" %}
        {% block content %}
        <table class="table">
          <thead><tr><th>{% trans "Name" %}</th><th>{% trans "Role" %}</th></tr></thead>
          <tbody>
          {% for row in rows %}
            <tr><td>{{ row.name }}</td><td>{{ row.role }}</td></tr>
          {% endfor %}
          </tbody>
        </table>
        {% endblock %}
        """
    )
    note = "{# Alike b.html on purpose: each list page has its own columns. #}\n"
    assert len(_check(tmp_path, {"a.html": page, "b.html": page})[1]) == 1
    assert _check(tmp_path, {"a.html": note + page, "b.html": page})[1] == []


def test_a_run_in_more_than_eight_places_is_left_out(tmp_path) -> None:
    files = {f"m{n}.py": _block() for n in range(rb.TOO_COMMON + 1)}
    assert _check(tmp_path, files)[0] == []
    files = {f"m{n}.py": _block() for n in range(3)}
    assert len(_check(tmp_path, files)[0]) == 3  # each pair of the three


def test_a_justification_may_run_over_two_comment_lines(tmp_path) -> None:
    comment = "# Alike b.py:brand_delete on\n# purpose: the two pages answer to different roles.\n"
    assert _check(tmp_path, {"a.py": comment + _block().lstrip(), "b.py": _block()})[1] == []


def test_a_block_in_a_decorator_is_not_justified_by_the_method_before(tmp_path) -> None:
    schema = "".join(
        f"        {k}=serializers.{k.title()}Field(source={k!r}),\n" for k in "abcdefg"
    )
    earlier = (
        "class V:\n"
        "    # Alike nothing on purpose: this speaks for `earlier` only.\n"
        "    def earlier(self):\n"
        "        return 1\n"
        "\n"
        "    @extend_schema(\n"
        f"{schema}"
        "    )\n"
        "    def later(self):\n"
        "        return 2\n"
    )
    other = (
        "class W:\n    @extend_schema(\n"
        + schema
        + "    )\n    def later(self):\n        return 3\n"
    )
    every, unjustified = _check(tmp_path, {"a.py": earlier, "b.py": other})
    assert len(every) == 1 and len(unjustified) == 1
    # Above the decorated method, it speaks for the decorator's arguments.
    moved = earlier.replace(
        "    @extend_schema(", "    # Alike W.later on purpose: two schemas.\n    @extend_schema("
    )
    assert _check(tmp_path, {"a.py": moved, "b.py": other})[1] == []


def test_script_comments_are_passed_over(tmp_path) -> None:
    script = "".join(
        f"  const {n} = document.querySelector('#{n}').dataset.{n};\n" for n in "abcdef"
    )
    noted = "// one comment\n/* and another\n * over lines */\n"
    every, _ = _check(tmp_path, {"a.js": script, "b.js": script.replace("\n", "\n" + noted, 2)})
    assert [p.kind for p in every] == ["exact"]


def test_a_comment_above_a_long_signature_speaks_for_the_body(tmp_path) -> None:
    body = "\n".join("    " + line for line in _block().strip().splitlines()[1:])
    head = "# Alike b.py on purpose: the two answer different pages.\ndef brand_delete(\n    request,\n    pk,\n) -> None:\n"
    assert _check(tmp_path, {"a.py": head + body + "\n", "b.py": _block()})[1] == []
    plain = head.split("\n", 1)[1]
    assert len(_check(tmp_path, {"a.py": plain + body + "\n", "b.py": _block()})[1]) == 1


def test_the_application_code_has_no_unjustified_repeated_block() -> None:
    every, unjustified = rb.check(ROOT)
    assert every, "the checker reads the application code"
    assert unjustified == [], (
        "repeated blocks without an 'Alike … on purpose' comment:\n"
        + "\n".join(map(str, unjustified))
    )
