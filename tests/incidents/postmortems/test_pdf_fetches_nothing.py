"""The PDF renderer (incidents.postmortems.exports.html_to_pdf) fetches nothing but data: URIs:
no http(s) (the server never hears from it), no file: (a local stylesheet is not applied), so
a report or post-mortem can carry the agency's logo and nothing can make it read the disk
or the network."""

import base64
import io
import subprocess

from PIL import Image

from incidents.postmortems.exports import html_to_pdf
from tests.local_http import local_server


def _png_data_uri() -> str:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_only_data_uris_are_fetched(tmp_path) -> None:
    leak = tmp_path / "leak.css"
    leak.write_text('body::before { content: "LEAKED-FROM-DISK"; }')
    with local_server() as server:
        html = (
            "<html><head>"
            f'<link rel="stylesheet" href="{server.url("/style.css")}">'
            f'<link rel="stylesheet" href="file://{leak}">'
            "</head><body>"
            f'<img src="{server.url("/logo.png")}" alt="">'
            f'<img src="{_png_data_uri()}" alt="">'
            "<p>Quarterly words</p></body></html>"
        )
        pdf = html_to_pdf(html)
        seen = list(server.seen)

    assert pdf.startswith(b"%PDF")
    assert seen == []
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Quarterly words" in text
    assert "LEAKED-FROM-DISK" not in text
