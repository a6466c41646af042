"""The public statement page of an incident (/s/<token>/), its Atom feed and its email
subscription: no sign-in, nothing internal (no notes, no staff names, no internal events, not
even the incident's internal title), in the brand's language and time zone, rate limited per
client address, cacheable (Cache-Control, ETag, Last-Modified).

Subscribe and unsubscribe are CSRF-exempt on purpose: the page is cached and shared (no CSRF
cookie), a subscription does nothing until confirmed from the mailbox, and RFC 8058's one-click
unsubscribe is a POST from the mail provider without any token.
"""

import hashlib
from collections.abc import Callable
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.dateformat import format as date_format
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.throttling import PublicPageThrottle, PublicSubscribeThrottle
from incidents.models import Status
from templates.models import Response, StatementPage
from templates.services import statements

CACHE_SECONDS = 60

# The current status in plain words, for the audience (not the staff's workflow names).
PUBLIC_STATUS = {
    Status.DETECTED: gettext_lazy("We are aware of the problem and are looking into it."),
    Status.ACKNOWLEDGED: gettext_lazy("We are aware of the problem and are looking into it."),
    Status.RESPONDING: gettext_lazy("We are working on the problem."),
    Status.MONITORING: gettext_lazy("A fix is in place and we are watching closely."),
    Status.RESOLVED: gettext_lazy("The problem is resolved."),
    Status.CLOSED: gettext_lazy("The problem is resolved."),
}


def _too_many(wait: float | None) -> HttpResponse:
    response = HttpResponse(_("Too many requests. Try again in a minute."), status=429)
    response["Content-Type"] = "text/plain; charset=utf-8"
    if wait:
        response["Retry-After"] = str(int(wait) + 1)
    return response


def _page_or_404(token: str) -> StatementPage:
    page = statements.statement_page_live(token=token)
    if page is None:
        raise Http404
    return page


def _public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Throttle, resolve the live page (404 otherwise) and answer in the brand's language and
    time zone; GETs get validators and may be cached briefly by anyone."""

    def wrapped(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        throttle = PublicPageThrottle()
        if not throttle.allow_request(request, None):
            return _too_many(throttle.wait())
        page = _page_or_404(token)
        brand = page.incident.brand
        with translation.override(brand.language), timezone.override(brand.time_zone):
            if request.method in ("GET", "HEAD"):
                modified = statements.page_last_modified(page=page)
                # The statements' ids too: a publication may be dated before the last change.
                shown = statements.statements_published(page=page).aggregate(
                    last=Max("id"), count=Count("id")
                )
                etag = quote_etag(
                    hashlib.sha256(
                        f"{page.token}:{modified.isoformat()}:{view.__name__}:"
                        f"{page.incident.status}:{shown['last']}:{shown['count']}:"
                        f"{translation.get_language()}".encode()
                    ).hexdigest()[:32]
                )
                if request.headers.get("If-None-Match") == etag:
                    response = HttpResponse(status=304)
                else:
                    response = view(request, page, **kwargs)
                response["ETag"] = etag
                response["Last-Modified"] = http_date(modified.timestamp())
                patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
            else:
                response = view(request, page, **kwargs)
                patch_cache_control(response, private=True, no_store=True)
            response["Content-Language"] = brand.language
            response["X-Robots-Tag"] = "noindex"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _context(request: HttpRequest, page: StatementPage, **extra: Any) -> dict[str, Any]:
    incident = page.incident
    return {
        "page": page,
        "brand": incident.brand,
        "agency": incident.organisation.name,
        "status_words": PUBLIC_STATUS[Status(incident.status)],
        "statements": list(statements.statements_published(page=page)),
        "feed_url": f"{page.path}feed.atom",
        "live_url": f"{page.path}live.json",
        **extra,
    }


@_public
def statement_page(request: HttpRequest, page: StatementPage) -> HttpResponse:
    """The brand's published statements in order, with their times, and the status."""
    return render(request, "response_templates/public/statement_page.html", _context(request, page))


@require_http_methods(["GET", "HEAD"])
@_public
def statement_live(request: HttpRequest, page: StatementPage) -> HttpResponse:
    """What the page shows, as JSON, for its script to poll (with If-None-Match: a 304 while
    nothing changed; cacheable and throttled like the page). The same fields as the page,
    nothing more: the status in words and the published statements with their times."""
    shown = []
    for statement in statements.statements_published(page=page):
        local = timezone.localtime(statement.published_at) if statement.published_at else None
        shown.append(
            {
                "id": statement.pk,
                "published_at": local.isoformat() if local else None,
                "time": date_format(local, "j E Y, H:i") if local else "",
                "body": statement.body,
            }
        )
    return JsonResponse(
        {
            "status": page.incident.status,
            "status_words": str(PUBLIC_STATUS[Status(page.incident.status)]),
            "statements": shown,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@csrf_exempt
@require_http_methods(["POST"])
@_public
def statement_subscribe(request: HttpRequest, page: StatementPage) -> HttpResponse:
    """Ask for statements by email: a confirmation link is mailed (double opt-in)."""
    throttle = PublicSubscribeThrottle()
    if not throttle.allow_request(request, None):
        return _too_many(throttle.wait())
    try:
        statements.statement_subscribe(
            page=page, email=request.POST.get("email", ""), language=page.incident.brand.language
        )
    except DomainError as exc:
        context = _context(request, page, subscribe_error=exc.translated)
        return render(request, "response_templates/public/statement_page.html", context, status=400)
    return render(
        request,
        "response_templates/public/statement_page.html",
        _context(request, page, subscribe_sent=True),
    )


@_public
def statement_confirm(request: HttpRequest, page: StatementPage, signed: str) -> HttpResponse:
    """The link of the confirmation mail: from now on new statements are mailed."""
    try:
        statements.statement_subscription_confirm(page=page, signed=signed)
    except DomainError as exc:
        context = _context(request, page, notice=exc.translated)
        return render(request, "response_templates/public/statement_page.html", context, status=400)
    context = _context(request, page, notice=_("Subscription confirmed."))
    return render(request, "response_templates/public/statement_page.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_public
def statement_unsubscribe(request: HttpRequest, page: StatementPage, signed: str) -> HttpResponse:
    """GET shows a button (mail scanners follow links), POST unsubscribes (RFC 8058 one-click
    from the mail provider, or the button)."""
    if request.method == "POST":
        try:
            statements.statement_unsubscribe(page=page, signed=signed)
        except DomainError as exc:
            context = _context(request, page, notice=exc.translated)
            return render(
                request, "response_templates/public/statement_page.html", context, status=400
            )
        context = _context(request, page, notice=_("You will receive no more statements."))
        return render(request, "response_templates/public/statement_page.html", context)
    try:
        statements.statement_unsubscribe_link(page=page, signed=signed)
    except DomainError as exc:
        context = _context(request, page, notice=exc.translated)
        return render(request, "response_templates/public/statement_page.html", context, status=400)
    context = _context(request, page, unsubscribe_form=True)
    return render(request, "response_templates/public/statement_page.html", context)


class StatementFeed(Feed):
    """The page's statements as Atom, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, page: StatementPage) -> StatementPage:
        return page

    def title(self, page: StatementPage) -> str:
        return _("Statements from %(brand)s") % {"brand": page.incident.brand.name}

    def link(self, page: StatementPage) -> str:
        return page.path

    def subtitle(self, page: StatementPage) -> str:
        return str(PUBLIC_STATUS[Status(page.incident.status)])

    def items(self, page: StatementPage) -> list[Response]:
        return list(statements.statements_published(page=page).order_by("-published_at", "-id"))

    def item_title(self, item: Response) -> str:
        when = timezone.localtime(item.published_at).strftime("%Y-%m-%d %H:%M")
        return _("Statement of %(when)s") % {"when": when}

    def item_description(self, item: Response) -> str:
        return item.body

    def item_link(self, item: Response) -> str:
        return f"{item.incident.statement_page.path}#statement-{item.pk}"

    def item_guid(self, item: Response) -> str:
        return f"statement-{item.pk}"

    def item_pubdate(self, item: Response) -> Any:
        return item.published_at

    def item_updateddate(self, item: Response) -> Any:
        return item.published_at


_feed = StatementFeed()


@_public
def statement_feed(request: HttpRequest, page: StatementPage) -> HttpResponse:
    return _feed(request, page=page)
