"""Rendering is plain substitution: what goes in as a value comes out as text, never as code."""

from datetime import date

import pytest

from templates.rendering import VariablesRefused, body_problems, render, today_text

CONTEXT = {"brand": "Aurora Bank", "incident_title": "App outage", "today": "5 March 2026"}


def _render(body: str, values: dict, *, declared=None, channel: str = "telegram", context=None):
    return render(
        body=body,
        channel=channel,
        declared=declared if declared is not None else list(values),
        values=values,
        context=CONTEXT if context is None else context,
    )


def test_placeholders_are_filled_with_values_and_built_ins() -> None:
    rendered = _render(
        "{{ brand }}: {{incident_title}} — next update at {{   time }}.", {"time": "18:00"}
    )

    assert rendered.text == "Aurora Bank: App outage — next update at 18:00."
    assert rendered.length == len(rendered.text)
    assert (rendered.limit, rendered.within_limit, rendered.warnings) == (4096, True, [])
    assert rendered.html is None  # telegram is not an HTML channel


def test_missing_and_unknown_variables_are_each_named() -> None:
    with pytest.raises(VariablesRefused) as refused:
        _render(
            "{{ a }} {{ b }} {{ c }}",
            {"a": "1", "c": "   ", "evil": "x", "other": "y"},
            declared=["a", "b", "c"],
        )

    error = refused.value
    assert error.status_code == 400
    assert error.extra["missing"] == ["b", "c"]  # blank counts as missing
    assert error.extra["unknown"] == ["evil", "other"]
    assert error.extra["errors"]["variables"] == [
        "Missing value for b.",
        "Missing value for c.",
        "Unknown variable evil.",
        "Unknown variable other.",
    ]


def test_a_built_in_the_context_lacks_must_be_given() -> None:
    with pytest.raises(VariablesRefused) as refused:
        _render("On {{ incident_title }}", {}, context={"brand": "B", "today": "t"})

    assert refused.value.extra["missing"] == ["incident_title"]


def test_a_caller_value_fills_a_built_in_only_where_the_context_has_none() -> None:
    rendered = _render(
        "{{ brand }} / {{ incident_title }}",
        {"brand": "Forged Brand", "incident_title": "Preview title"},
        declared=[],
        context={"brand": "Aurora Bank", "incident_title": "", "today": "t"},
    )

    assert rendered.text == "Aurora Bank / Preview title"


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ brand }}",
        "{{ secret }}",
        "{% load evil %}{% debug %}",
        "{{ settings.SECRET_KEY }}",
        "${7*7} #{7*7} {{7*7}}",
        "\\1 \\g<0>",
    ],
)
def test_template_syntax_in_a_value_stays_literal_text(hostile: str) -> None:
    rendered = _render("Hello {{ name }}!", {"name": hostile})

    assert rendered.text == f"Hello {hostile}!"


def test_html_and_script_are_escaped_in_html_channels() -> None:
    value = '<script>alert("x")</script><img src=x onerror=alert(1)> & co'

    for channel in ("email", "website", "press_release"):
        rendered = _render("Dear {{ name }},\n\nSorry.", {"name": value}, channel=channel)
        assert rendered.text == f"Dear {value},\n\nSorry."  # the plain text is the text
        assert "<script>" not in rendered.html
        assert "<img" not in rendered.html
        assert rendered.html == (
            "<p>Dear &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
            "&lt;img src=x onerror=alert(1)&gt; &amp; co,</p>\n\n<p>Sorry.</p>"
        )


def test_markup_in_the_body_itself_is_shown_not_obeyed() -> None:
    rendered = _render("<b>{{ name }}</b>", {"name": "Ann"}, channel="website")

    assert rendered.html == "<p>&lt;b&gt;Ann&lt;/b&gt;</p>"


@pytest.mark.parametrize(
    ("channel", "limit"),
    [("x", 280), ("sms", 160), ("telegram", 4096), ("vk", 4096), ("instagram", 2200)],
)
def test_a_very_long_value_is_measured_against_the_channel_limit(channel: str, limit: int) -> None:
    rendered = _render("{{ text }}", {"text": "я" * (limit + 1)}, channel=channel)

    assert (rendered.length, rendered.limit, rendered.within_limit) == (limit + 1, limit, False)
    assert rendered.warnings == [f"The text is {limit + 1} characters; {channel} allows {limit}."]


def test_channels_without_a_limit_accept_any_length() -> None:
    rendered = _render("{{ text }}", {"text": "x" * 100_000}, channel="email")

    assert (rendered.limit, rendered.within_limit, rendered.warnings) == (None, True, [])


def test_today_is_written_in_the_template_language() -> None:
    assert today_text("ru", date(2026, 3, 5)) == "5 марта 2026 г."
    assert today_text("en", date(2026, 3, 5)) == "March 5, 2026"


def test_body_problems_name_undeclared_and_unused_variables() -> None:
    problems = body_problems(
        body="{{ brand }} {{ used }} {{ undeclared }}",
        variables=["used", "unused", "today", "Bad-Name"],
    )

    assert problems == [
        "today is built in; do not declare it.",
        "'Bad-Name' is not a variable name (a-z, 0-9 and _).",
        "{{ undeclared }} is used but not declared.",
        "unused is declared but never used.",
    ]
