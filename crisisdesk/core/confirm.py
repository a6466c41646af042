"""One way to confirm a destructive or irreversible action on a web page.

The action's view looks its object up (a foreign one is a 404 before anything is asked), then
calls `confirmation(...)`: unless the POST carries ``confirmed=yes`` it answers a page saying
what will happen, whose button posts the same fields again with the confirmation. No script:
it works under the page CSP and without JavaScript; a link leads back unchanged.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def is_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "yes"


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    action: str,
    cancel_url: str,
    warnings: list[str] | None = None,
) -> HttpResponse | None:
    """None when the person has confirmed; otherwise the page that asks.

    title: the question ("Delete the brand “Acme”?"); consequence: what will happen, in a
    sentence; action: the button's words; warnings: further facts the person should weigh.
    """
    if is_confirmed(request):
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _NOT_REPOSTED
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "consequence": consequence,
            "warnings": warnings or [],
            "action": action,
            "action_url": request.get_full_path(),
            "cancel_url": cancel_url,
            "fields": fields,
            "confirm_field": CONFIRM_FIELD,
        },
    )
