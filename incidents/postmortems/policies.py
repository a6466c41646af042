"""Who may do what with a post-mortem: one rule per action, asked by the services (which raise
the refusal), the pages (which show the button) and the templates alike.

A rule answers the refusal a service raises, or None; `may_*` is that as a yes or no. The
matrix role x member kind x state is tested in tests/incidents/postmortems/test_policies.py.
"""

from django.utils.translation import gettext, gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden
from incidents.postmortems.models import PostMortem, PostMortemStatus
from tenants.models import Membership, Role
from tenants.policies import may_work

# The states in which a post-mortem is written (and may be submitted).
EDITABLE = (PostMortemStatus.DRAFT, PostMortemStatus.CHANGES_REQUESTED)


_LOCKED = {
    "edited": gettext_lazy("A post-mortem %(status)s cannot be edited."),
    "submitted": gettext_lazy("A post-mortem %(status)s cannot be submitted."),
}


class PostMortemLocked(Conflict):
    """A post-mortem in a state that cannot change by this action (edited or submitted once
    in review or approved). The API says which action and state; a page says it in one
    sentence with the state's label."""

    def __init__(self, postmortem: PostMortem, action: str) -> None:
        super().__init__(
            _LOCKED[action],
            params={"status": postmortem.status},
            status=postmortem.status,
        )

    @property
    def translated(self) -> str:
        return gettext("This post-mortem is %(status)s: it cannot change now.") % {
            "status": PostMortemStatus(self.extra["status"]).label.lower()
        }


def submit_refusal(membership: Membership, postmortem: PostMortem) -> DomainError | None:
    """Its author or the incident's commander submits it (anyone from responder up while it
    has no author), from draft or changes requested."""
    author_or_commander = membership.id in (
        postmortem.author_id,
        postmortem.incident.commander_id,
    ) or (postmortem.author_id is None and membership.has_role(Role.RESPONDER))
    if not author_or_commander:
        return Forbidden(
            gettext_lazy("Only the author or the incident's commander submits the post-mortem.")
        )
    if postmortem.status not in EDITABLE:
        return PostMortemLocked(postmortem, "submitted")
    return None


def review_refusal(membership: Membership, postmortem: PostMortem) -> DomainError | None:
    """A manager or an owner who is not its author reviews it (requests changes or approves),
    while it is in review."""
    if not may_review_postmortems(membership):
        return Forbidden(gettext_lazy("Only a manager or an owner reviews post-mortems."))
    if postmortem.author_id == membership.id:
        return Forbidden(gettext_lazy("Nobody reviews their own post-mortem."))
    if postmortem.status != PostMortemStatus.IN_REVIEW:
        return Conflict(
            gettext_lazy("Only a post-mortem in review can be reviewed."), status=postmortem.status
        )
    return None


def may_review_postmortems(membership: Membership) -> bool:
    """Review post-mortems at all (the role part of `review_refusal`): managers and owners.
    The dashboard's review queue asks it."""
    return membership.has_role(Role.MANAGER)


def may_manage_items(membership: Membership) -> bool:
    """Add, edit, close and delete a post-mortem's action items: the agency's responders and
    up (the pages' write role; client staff read the client version only)."""
    return may_work(membership)


def may_edit(membership: Membership, postmortem: PostMortem) -> bool:
    """Its sections are written by responders and up while it is a draft or changes were
    requested (the service refuses other states; the API's write role, lower roles)."""
    return postmortem.status in EDITABLE and membership.has_role(Role.RESPONDER)


def may_submit(membership: Membership, postmortem: PostMortem) -> bool:
    return submit_refusal(membership, postmortem) is None


def may_review(membership: Membership, postmortem: PostMortem) -> bool:
    return review_refusal(membership, postmortem) is None
