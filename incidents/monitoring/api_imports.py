"""The imports API: upload a CSV or XLSX file of mentions (runs on the worker), read its
progress and refused lines; the organisation's saved column mappings (presets)."""

import json
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from crisisdesk.core.jsonbody import JSONParser
from incidents.monitoring import selectors
from incidents.monitoring.models import ImportPreset, MentionImport
from incidents.monitoring.services import imports as import_services
from incidents.monitoring.services.csv_import import COLUMNS
from tenants.models import Role
from tenants.selectors import brand_list
from tenants.tenancy import OrgAPIRequest, OrgScopedViewSet

IMPORT_ROLE = Role.RESPONDER  # who may import: the same members who may send mentions


class RefusedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reason = serializers.CharField()


# Alike templates/api/serializers.py:TemplateSerializer on purpose: each read-only
# Meta lists its own model's fields.
class MentionImportSerializer(serializers.ModelSerializer):
    brand = serializers.IntegerField(source="brand_id", read_only=True)
    format = serializers.CharField(source="file_format", read_only=True)
    stored = serializers.IntegerField(read_only=True)
    refused = RefusedLineSerializer(many=True, read_only=True)
    preset = serializers.IntegerField(source="preset_id", read_only=True, allow_null=True)

    class Meta:
        model = MentionImport
        fields = [
            "id",
            "brand",
            "file_name",
            "format",
            "columns",
            "mapping",
            "preset",
            "state",
            "rows_total",
            "rows_done",
            "stored",
            "created",
            "updated",
            "refused",
            "refused_count",
            "duplicate_count",
            "incidents_opened",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class MentionImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A UTF-8 CSV or an XLSX workbook with a header row")
    brand = serializers.IntegerField()
    mapping = serializers.JSONField(
        required=False,
        help_text='{field: column of the file}, e.g. {"text": "Текст", "posted_at": "Дата"}; '
        "fields: " + ", ".join(COLUMNS) + ". In multipart, a JSON string. Without a mapping "
        "or a preset, the columns named like the fields are imported",
    )
    preset = serializers.IntegerField(required=False, help_text="A saved mapping's id")


def _mapping(value: Any) -> Any:
    """A multipart field arrives as a string: the JSON inside it."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise exceptions.ValidationError(
                {"mapping": [_("The mapping must be an object of field: column.")]}
            ) from None
    return value


class MentionImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Uploads of mention files: viewers read their progress, responders and up upload."""

    scoped_model = MentionImport
    serializer_class = MentionImportSerializer
    write_role = IMPORT_ROLE
    parser_classes = [MultiPartParser, JSONParser]

    def scoped_queryset(self) -> QuerySet[MentionImport]:
        return selectors.mention_import_list(membership=self.membership)

    @extend_schema(
        request={"multipart/form-data": MentionImportCreateSerializer},
        responses={202: MentionImportSerializer},
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        """202 with the import's id at once; the worker runs it. 413 over the size limit."""
        serializer = MentionImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Another organisation's brand (or one outside a limited member's) reads as unknown.
        brand = brand_list(membership=self.membership).filter(pk=data["brand"]).first()
        if brand is None:
            raise exceptions.ValidationError({"brand": [_("Unknown brand.")]})
        preset = None
        if "preset" in data:
            presets = selectors.import_preset_list(membership=self.membership)
            preset = presets.filter(pk=data["preset"]).first()
            if preset is None:
                raise exceptions.ValidationError({"preset": [_("Unknown preset.")]})
        upload = data["file"]
        mention_import = import_services.mention_import_create(
            brand=brand,
            by=request.membership,
            file_name=upload.name or "",
            content=upload.read(import_services.max_bytes() + 1),
            mapping=_mapping(data["mapping"]) if "mapping" in data else None,
            preset=preset,
        )
        return Response(
            MentionImportSerializer(mention_import).data, status=status.HTTP_202_ACCEPTED
        )


class ImportPresetSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=120)
    mapping = serializers.JSONField(help_text="{field: column of the file}")

    class Meta:
        model = ImportPreset
        fields = ["id", "name", "mapping", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ImportPresetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """The organisation's saved column mappings: viewers read, responders and up write."""

    scoped_model = ImportPreset
    serializer_class = ImportPresetSerializer
    write_role = IMPORT_ROLE
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[ImportPreset]:
        return selectors.import_preset_list(membership=self.membership)

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = ImportPresetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preset = import_services.import_preset_save(
            organisation=self.organisation, **serializer.validated_data
        )
        return Response(ImportPresetSerializer(preset).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        preset = self.get_object()
        serializer = ImportPresetSerializer(preset, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        preset = import_services.import_preset_save(
            organisation=self.organisation,
            name=serializer.validated_data.get("name", preset.name),
            mapping=serializer.validated_data.get("mapping", preset.mapping),
            preset=preset,
        )
        return Response(ImportPresetSerializer(preset).data)

    def perform_destroy(self, instance: ImportPreset) -> None:
        import_services.import_preset_delete(preset=instance)
