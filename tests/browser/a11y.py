"""axe-core in the browser tests: the serious and critical accessibility violations of a page.

The engine (tests/browser/vendor/, pinned) is evaluated through Playwright, which the page's
Content-Security-Policy does not govern: the pages need no exception for it."""

import hashlib
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " :: " + n.failureSummary),
    }));
}"""


def _source() -> str:
    data = AXE.read_bytes()
    # The file is what its README says it is: a changed copy would test with another engine.
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "tests/browser/vendor/ axe-core changed"
    return data.decode()


def serious_violations(page: object) -> list[dict]:
    """axe-core's serious and critical violations of the page as it is now (WCAG 2.1 A/AA
    and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    return page.evaluate(_RUN)
