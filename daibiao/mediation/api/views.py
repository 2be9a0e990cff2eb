"""The law-clinic resources: scoped like every other (``ScopedAPIMixin``); cases are opened,
closed and given their agreement through the services. A case takes no PUT or PATCH: its
writes are ``outcome/`` and ``agreement/`` (and the pages correct its details)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet, ScopedViewSet
from daibiao.core.files import serve
from daibiao.core.openapi import stored_file_responses
from daibiao.core.scoping import Action, can
from daibiao.registry.models import Deputy

from .. import services
from ..filtersets import CaseFilterSet, ClinicFilterSet
from ..models import LawClinic, MediationAgreement, MediationCase
from . import serializers as s


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ClinicViewSet(ScopedViewSet):
    queryset = LawClinic.objects.select_related("town").prefetch_related("mediators")
    serializer_class = s.ClinicSerializer
    filterset_class = ClinicFilterSet
    ordering_fields = ["name"]


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    """Mediation cases. Parties are masked for viewers outside the clinic's staff."""

    queryset = MediationCase.objects.select_related("clinic").prefetch_related(
        Prefetch("mediators", queryset=Deputy.objects.only("pk")), "agreements"
    )
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    ordering_fields = ["received_on", "closed_on", "id"]

    def perform_destroy(self, instance):
        services.delete_case(instance, actor=self.request.user)

    def _changeable(self):
        case = self.get_object()
        if not can(self.request.user, Action.CHANGE, case):
            raise exceptions.PermissionDenied()
        return case

    def _answer(self, case):
        case = self.get_queryset().get(pk=case.pk)
        return Response(self.get_serializer(case).data)

    @extend_schema(request=s.OutcomeSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """Close the case (or correct its outcome); ``expected``: the outcome you last saw."""
        case = self._changeable()
        body = s.OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.record_outcome(case, actor=request.user, **body.validated_data)
        except services.Conflict as exc:
            raise ConflictError(exc.message) from exc
        return self._answer(case)

    @extend_schema(request=s.AgreementUploadSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def agreement(self, request, pk=None):
        """Attach the mediation agreement (multipart ``files``)."""
        case = self._changeable()
        body = s.AgreementUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.attach_agreement(case, actor=request.user, files=body.validated_data["files"])
        return self._answer(case)


class AgreementViewSet(mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Agreement files: their details, and ``download/`` for the bytes, to the clinic's staff
    of the case (404 for everyone else)."""

    queryset = MediationAgreement.objects.all()
    serializer_class = s.AgreementSerializer

    @extend_schema(responses=stored_file_responses())
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return serve(self.get_object(), inline=False)
