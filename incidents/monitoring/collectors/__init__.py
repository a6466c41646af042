"""Mention collectors: for each source kind, the code that speaks the service's documented API
and turns what it returns into mention items for the ingest service.

``collector_for(kind)`` is the registry; the shared contract lives in ``base`` and is re-exported
here (``CollectedItem``, ``CollectResult``, ``CollectorError``, ``FieldSpec``, ``Collector``).
"""

from .base import CollectedItem, Collector, CollectorError, CollectResult, FieldSpec
from .bluesky import BlueskyCollector
from .mastodon import MastodonCollector
from .rss import RssCollector
from .telegram import TelegramCollector
from .vk import VkCollector
from .youtube import YoutubeCollector

COLLECTORS: dict[str, Collector] = {
    collector.kind: collector
    for collector in (
        RssCollector(),
        VkCollector(),
        TelegramCollector(),
        YoutubeCollector(),
        MastodonCollector(),
        BlueskyCollector(),
    )
}
KINDS = tuple(COLLECTORS)


def collector_for(kind: str) -> Collector:
    """The collector of a source kind; KeyError for a kind that does not exist."""
    return COLLECTORS[kind]


__all__ = [
    "COLLECTORS",
    "KINDS",
    "CollectResult",
    "CollectedItem",
    "Collector",
    "CollectorError",
    "FieldSpec",
    "collector_for",
]
