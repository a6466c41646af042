"""The Telegram bot's API: link the bot (owners), issue link codes, list and unlink chats and
people, and the webhook Telegram calls in production."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crisisdesk.openapi import conflict
from incidents.notifications.models import TelegramAccount, TelegramBot, TelegramChat
from incidents.notifications.telegram import linking
from incidents.notifications.telegram.updates import telegram_update_handle, telegram_webhook_bot
from tenants.models import Brand, Role, Team
from tenants.tenancy import OrgAPIRequest, OrgScopedAPIView, scoped_get


class BotTokenSerializer(serializers.Serializer):
    bot_token = serializers.CharField(max_length=200, write_only=True)


class ChatCodeRequestSerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False)
    brand = serializers.IntegerField(required=False)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    expires_at = serializers.DateTimeField()
    start_link = serializers.CharField()


class TelegramChatSerializer(serializers.ModelSerializer):
    class Meta:
        model = TelegramChat
        fields = ["id", "chat_id", "chat_type", "title", "team", "brand", "language", "linked_at"]


class TelegramAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = TelegramAccount
        fields = ["id", "membership", "telegram_user_id", "username", "linked_at"]


class TelegramStatusSerializer(serializers.Serializer):
    linked = serializers.BooleanField()
    username = serializers.CharField(allow_blank=True)
    mode = serializers.CharField(allow_blank=True)
    chats = TelegramChatSerializer(many=True)
    accounts = TelegramAccountSerializer(many=True)


def telegram_status(request: OrgAPIRequest) -> dict[str, Any]:
    membership = request.membership
    bot = TelegramBot.objects.visible_to(membership).first()
    return {
        "linked": bot is not None,
        "username": bot.username if bot else "",
        "mode": bot.mode if bot else "",
        "chats": TelegramChat.objects.visible_to(membership),
        "accounts": TelegramAccount.objects.visible_to(membership),
    }


class TelegramBotView(OrgScopedAPIView):
    """The organisation's bot: GET its state (managers), PUT a token (owners; checked with
    getMe, encrypted, never returned), DELETE to unlink it and everything linked through it."""

    read_role = Role.MANAGER
    action_roles = {"PUT": Role.OWNER, "DELETE": Role.OWNER}
    http_method_names = ["get", "put", "delete", "head", "options"]

    @extend_schema(summary="Get the Telegram bot's status", responses=TelegramStatusSerializer)
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        return Response(TelegramStatusSerializer(telegram_status(request)).data)

    # Alike api_escalation.py:NotificationChannelsView.put on purpose: each PUT validates its
    # own serializer, calls its own service and answers its own status.
    @extend_schema(
        summary="Connect the organisation's Telegram bot",
        request=BotTokenSerializer,
        responses=TelegramStatusSerializer,
    )
    def put(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = BotTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        linking.telegram_bot_link(
            organisation=request.organisation,
            by=request.membership,
            bot_token=serializer.validated_data["bot_token"],
        )
        return Response(TelegramStatusSerializer(telegram_status(request)).data)

    @extend_schema(summary="Disconnect the Telegram bot", request=None, responses={204: None})
    def delete(self, request: OrgAPIRequest, org_slug: str) -> Response:
        linking.telegram_bot_unlink(organisation=request.organisation, by=request.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _code_response(request: OrgAPIRequest, code: str, expires_at: Any, *, group: bool) -> Response:
    bot = TelegramBot.objects.visible_to(request.membership).first()
    username = bot.username if bot else ""
    start = "startgroup" if group else "start"
    return Response(
        {
            "code": code,
            "expires_at": expires_at,
            "start_link": f"https://t.me/{username}?{start}={code}",
        },
        status=status.HTTP_201_CREATED,
    )


# Alike tenants/api/views.py's POST views and TelegramMemberCodeView on purpose: each view
# declares its own roles, schema and service.
class TelegramChatCodeView(OrgScopedAPIView):
    """A one-time code that links the chat sending `/start <code>` to a team or a brand."""

    action_roles = {"POST": Role.MANAGER}
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="Get a code to link a Telegram chat",
        request=ChatCodeRequestSerializer,
        responses={**conflict("Link the organisation's Telegram bot first."), 201: CodeSerializer},
    )
    def post(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = ChatCodeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if ("team" in data) == ("brand" in data):
            raise serializers.ValidationError({"team": ["Give a team or a brand."]})
        try:
            team = (
                scoped_get(Team.objects.visible_to(request.membership), data["team"])
                if "team" in data
                else None
            )
            brand = (
                scoped_get(Brand.objects.visible_to(request.membership), data["brand"])
                if "brand" in data
                else None
            )
        except Http404:
            field = "team" if "team" in data else "brand"
            raise serializers.ValidationError({field: ["Not found."]}) from None
        code, expires_at = linking.telegram_chat_code_issue(
            by=request.membership, team=team, brand=brand
        )
        return _code_response(request, code, expires_at, group=True)


class TelegramMemberCodeView(OrgScopedAPIView):
    """A one-time code for the calling member: sent to the bot in a private chat, it links that
    Telegram user to them. DELETE forgets the caller's own link."""

    action_roles = {"POST": Role.VIEWER, "DELETE": Role.VIEWER}
    http_method_names = ["post", "delete", "options"]

    @extend_schema(
        summary="Get a code to link your Telegram account",
        request=None,
        responses={201: CodeSerializer},
    )
    def post(self, request: OrgAPIRequest, org_slug: str) -> Response:
        code, expires_at = linking.telegram_member_code_issue(by=request.membership)
        return _code_response(request, code, expires_at, group=False)

    @extend_schema(summary="Cancel your Telegram link code", request=None, responses={204: None})
    def delete(self, request: OrgAPIRequest, org_slug: str) -> Response:
        account = (
            TelegramAccount.objects.visible_to(request.membership)
            .filter(membership=request.membership)
            .first()
        )
        if account is None:
            raise Http404
        linking.telegram_account_unlink(by=request.membership, account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TelegramChatDetailView(OrgScopedAPIView):
    """Unlink one chat (managers)."""

    action_roles = {"DELETE": Role.MANAGER}
    http_method_names = ["delete", "options"]

    @extend_schema(summary="Unlink a Telegram chat", request=None, responses={204: None})
    def delete(self, request: OrgAPIRequest, org_slug: str, chat_pk: int) -> Response:
        chat = scoped_get(TelegramChat.objects.visible_to(request.membership), chat_pk)
        linking.telegram_chat_unlink(by=request.membership, chat=chat)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TelegramAccountDetailView(OrgScopedAPIView):
    """Unlink a member's Telegram user (owners)."""

    action_roles = {"DELETE": Role.OWNER}
    http_method_names = ["delete", "options"]

    @extend_schema(
        summary="Unlink a member's Telegram account", request=None, responses={204: None}
    )
    def delete(self, request: OrgAPIRequest, org_slug: str, account_pk: int) -> Response:
        account = scoped_get(TelegramAccount.objects.visible_to(request.membership), account_pk)
        linking.telegram_account_unlink(by=request.membership, account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TelegramWebhookView(APIView):
    """Telegram's calls in production (setWebhook with a secret token). A wrong or missing
    X-Telegram-Bot-Api-Secret-Token answers 403 and handles nothing; an update Telegram
    repeats is handled once (the bot's update offset)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Telegram's webhook (updates from the bot)", request=dict, responses={200: dict}
    )
    def post(self, request: Request, webhook_id: str) -> Response:
        bot = telegram_webhook_bot(
            webhook_id=webhook_id,
            secret=request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""),
        )
        if bot is None:
            return Response({"ok": False}, status=status.HTTP_403_FORBIDDEN)
        if not isinstance(request.data, dict):
            return Response({"ok": False}, status=status.HTTP_400_BAD_REQUEST)
        outcome = telegram_update_handle(bot_id=bot.id, update=dict(request.data))
        return Response({"ok": True, "outcome": outcome})
