"""ASGI entry point: HTTP through Django, WebSocket through Channels (origin-checked)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisisdesk.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from incidents.auth import TicketOrSessionAuthMiddleware  # noqa: E402
from incidents.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            TicketOrSessionAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Garbage collection pauses were the tail of live fan-out: a full collection in a process
# holding 500 sockets took a trial from about 130 ms to 300-400 ms (bench/FINDINGS.md).
# Everything loaded so far (Django, the apps, the URL conf) lives as long as the process:
# freeze it out of every collection, and collect the young generation less often.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)
