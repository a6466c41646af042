"""Issue 13, hole 5: the Markdown export was raw. `<script>` and `[x](javascript:…)` typed into
any field reached the reader's renderer. Now HTML is escaped and non-http(s) links are
neutralised in every user-typed field of the Markdown export; the HTML export stays escaped.

The Markdown tests fail on the previous code (the payloads went out verbatim)."""

import pytest
from markdown_it import MarkdownIt

from crisisdesk.core.markdown import md_block, md_inline
from incidents import services
from incidents.postmortems import services as pm_services
from incidents.postmortems.exports import postmortem_html, postmortem_markdown
from incidents.postmortems.models import PostMortem

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
LINK = "[x](javascript:alert(1))"
PAYLOAD = f"{SCRIPT} {LINK}"
SECTIONS = ["summary", "impact", "root_cause", "went_well", "went_wrong", "lessons"]


def _permissive_renderer() -> MarkdownIt:
    """CommonMark with raw HTML on and every link destination accepted: the worst reader."""
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True
    return md


@pytest.fixture
def hostile_postmortem(agency) -> PostMortem:
    responder, manager = agency.member("responder"), agency.member("manager")
    incident = services.incident_create(
        brand=agency.brand,
        title=f"Title {PAYLOAD}",
        severity="sev2",
        by=responder,
        teams=[agency.team],
    )
    services.incident_add_note(incident=incident, by=responder, text=f"Note {PAYLOAD}")
    services.incident_acknowledge(incident=incident, by=responder)
    services.incident_transition(incident=incident, status="resolved", by=responder)
    postmortem = PostMortem.objects.get(incident=incident)
    for name in SECTIONS:
        setattr(postmortem, name, f"{name}\n\n{PAYLOAD}\n\n[ref]: javascript:alert(2)\n[y][ref]")
    postmortem.review_comments = [{"by": manager.user.username, "text": f"Review {PAYLOAD}"}]
    postmortem.save()
    pm_services.action_item_create(postmortem=postmortem, title=f"Item {PAYLOAD}")
    return postmortem


@pytest.mark.parametrize("audience", ["internal", "client"])
def test_the_markdown_export_has_no_html_and_no_script_links(hostile_postmortem, audience) -> None:
    markdown = postmortem_markdown(postmortem=hostile_postmortem, audience=audience)

    assert "<script" not in markdown
    assert "](javascript:" not in markdown
    rendered = _permissive_renderer().render(markdown)
    assert "<script" not in rendered
    assert "javascript:" not in "".join(
        part.split('"')[0] for part in rendered.split('href="')[1:]
    ), rendered
    # Every field is still there, shown as text.
    for label in ["Title", "Item", *SECTIONS] + (
        ["Note", "Review"] if audience == "internal" else []
    ):
        assert f"{label} &lt;script&gt;alert(1)&lt;/script&gt; [x]\\(javascript:alert(1))" in (
            markdown.replace("\n\n", " ")
        ), label
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_the_html_export_stays_escaped(hostile_postmortem) -> None:
    html = postmortem_html(postmortem=hostile_postmortem, audience="internal")

    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_the_export_endpoint_serves_the_safe_markdown(as_role, hostile_postmortem) -> None:
    url = f"/api/v1/orgs/alpha/postmortems/{hostile_postmortem.id}/export/"

    body = as_role("manager").get(url, {"format": "md", "audience": "client"}).content.decode()

    assert "<script" not in body
    assert "](javascript:" not in body


@pytest.mark.parametrize(
    ("typed", "safe"),
    [
        ("[ok](https://example.com/a?b=1&c=2)", "[ok](https://example.com/a?b=1&amp;c=2)"),
        ("[ok](HTTP://example.com)", "[ok](HTTP://example.com)"),
        ("[x](javascript:alert(1))", "[x]\\(javascript:alert(1))"),
        ("![i](data:text/html;base64,PHNjcmlwdD4=)", "![i]\\(data:text/html;base64,PHNjcmlwdD4=)"),
        ("[x]( JavaScript:alert(1))", "[x]\\( JavaScript:alert(1))"),
        ("[x](java&#115;cript:alert(1))", "[x]\\(java&amp;#115;cript:alert(1))"),
        ("[x](vbscript:x) [y](https://ok.example)", "[x]\\(vbscript:x) [y](https://ok.example)"),
        ("[x](/relative)", "[x]\\(/relative)"),
        ("<javascript:alert(1)>", "&lt;javascript:alert(1)&gt;"),
        ("[r]: javascript:alert(1)", "\\[r]: javascript:alert(1)"),
        ("[r]: https://ok.example", "[r]: https://ok.example"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ],
)
def test_md_block_cases(typed: str, safe: str) -> None:
    assert md_block(typed) == safe


def test_md_inline_cannot_open_a_block() -> None:
    assert md_inline("Title\n# Injected heading\n\n- item") == "Title # Injected heading - item"
