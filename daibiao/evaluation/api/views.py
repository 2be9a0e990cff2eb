"""The evaluation's resources: scoped like every other (``ScopedAPIMixin``); every write is a
named action that calls a service. A step refused by the evaluation's state is a 409 with the
state and the steps allowed now, like the other workflows' refusals."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet
from daibiao.core.documents import XLSX_TYPE, file_response
from daibiao.core.errors import Conflict
from daibiao.core.scoping import Action, can

from .. import documents, services, survey
from ..filtersets import EvaluationFilterSet, ScoreFilterSet, SurveyFilterSet
from ..models import Evaluation, Score, ScoreLine, SurveyAnswer, SurveyRound
from ..views import DOCX_TYPE, is_deputy, reads_county
from ..views_survey import unit_results
from . import serializers as s


class EvaluationRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    state = serializers.CharField(required=False)
    allowed_steps = serializers.ListField(child=serializers.CharField(), required=False)


REFUSED = OpenApiResponse(EvaluationRefusalSerializer, description="Refused by the evaluation's state.")


class EvaluationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Year-end evaluations (``?year=``, ``?kind=``, ``?state=``, ``?search=``). Others than the
    county's staff and leaders see the published ones only. County staff ``compute`` a draft
    (again) and ``publish`` it: published, it is frozen."""

    queryset = Evaluation.objects.select_related("scheme", "published_by")
    serializer_class = s.EvaluationSerializer
    filterset_class = EvaluationFilterSet
    ordering_fields = ["year", "id", "published_at"]

    def get_queryset(self):
        user = self.request.user
        # Whether the caller may change or delete each row, in the list's own query.
        return (
            super()
            .get_queryset()
            .annotate(
                changeable=Exists(Evaluation.objects.restrict(user, Action.CHANGE).filter(pk=OuterRef("pk"))),
                deletable=Exists(Evaluation.objects.restrict(user, Action.DELETE).filter(pk=OuterRef("pk"))),
            )
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        evaluation = services.create_evaluation(
            data["scheme"],
            actor=self.request.user,
            year=data["year"],
            campaign=data.get("campaign"),
            title=data.get("title") or None,
        )
        serializer.instance = self.get_queryset().get(pk=evaluation.pk)

    def _answer(self, evaluation):
        evaluation = self.get_queryset().get(pk=evaluation.pk)
        return Response(self.get_serializer(evaluation).data)

    def _refused(self, evaluation, exc: Conflict) -> Response:
        evaluation = self.get_queryset().get(pk=evaluation.pk)
        data = self.get_serializer(evaluation).data
        return Response(
            {"detail": exc.message, "state": data["state"], "allowed_steps": data["allowed_steps"]},
            status=status.HTTP_409_CONFLICT,
        )

    def _changeable(self):
        evaluation = self.get_object()
        if not can(self.request.user, Action.CHANGE, evaluation):
            raise exceptions.PermissionDenied()
        return evaluation

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="A target's name, or part of it.")],
        responses=s.ScoreSerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def scores(self, request, pk=None):
        """The evaluation's scores the caller may see, in rank order, each with its breakdown
        (paginated)."""
        evaluation = self.get_object()
        queryset = (
            Score.objects.restrict(request.user)
            .filter(evaluation=evaluation)
            .select_related("deputy")
            .prefetch_related(Prefetch("lines", queryset=ScoreLine.objects.order_by("position", "id")))
            .order_by("rank", "id")
        )
        queryset = ScoreFilterSet(request.query_params, queryset=queryset, request=request).qs
        page = self.paginate_queryset(queryset)
        context = {
            **self.get_serializer_context(),
            "records_shown": s.records_shown(request.user, page),
        }
        return self.get_paginated_response(s.ScoreSerializer(page, many=True, context=context).data)

    @extend_schema(request=None, responses={200: s.EvaluationSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        """Compute the draft's scores from the records as they stand now (again, if need be);
        409 once published."""
        evaluation = self._changeable()
        try:
            services.compute_evaluation(evaluation, actor=request.user)
        except Conflict as exc:
            return self._refused(evaluation, exc)
        return self._answer(evaluation)

    @extend_schema(request=None, responses={200: s.EvaluationSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a computed draft: irreversible, the scores are frozen and shown county-wide;
        409 if not computed or already published."""
        evaluation = self._changeable()
        try:
            services.publish_evaluation(evaluation, actor=request.user)
        except Conflict as exc:
            return self._refused(evaluation, exc)
        return self._answer(evaluation)

    def _download_scores(self, evaluation):
        return (
            Score.objects.restrict(self.request.user)
            .filter(evaluation=evaluation)
            .prefetch_related(Prefetch("lines", queryset=ScoreLine.objects.order_by("position", "id")))
            .order_by("rank", "id")
        )

    @extend_schema(responses={(200, DOCX_TYPE): OpenApiTypes.BINARY, 409: REFUSED})
    def bulletin(self, request, pk=None):
        """The bulletin (通报) of a published evaluation of the units, ranking every unit as
        the evaluation does (.docx); 409 for a draft or an evaluation of deputies or towns."""
        evaluation = self.get_object()
        refusal = documents.bulletin_refusal(evaluation)
        if refusal:
            return self._refused(evaluation, Conflict(refusal))
        content = documents.bulletin(evaluation, self._download_scores(evaluation))
        return file_response(content, documents.bulletin_filename(evaluation), DOCX_TYPE)

    @extend_schema(responses={(200, XLSX_TYPE): OpenApiTypes.BINARY})
    def rankings(self, request, pk=None):
        """The scores the caller may see as a workbook: rank, name, total, and each indicator's
        value, base and points (.xlsx)."""
        evaluation = self.get_object()
        content = documents.rankings_xlsx(evaluation, self._download_scores(evaluation))
        return file_response(content, documents.rankings_filename(evaluation), XLSX_TYPE)


class SurveyRoundViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """The year-end satisfaction surveys (county staff, leaders and deputies); county staff
    open one (POST). A round's
    ``progress`` and per-unit ``results`` are given to the county's staff and leaders; a
    deputy reads and sends his or her ratings at ``{id}/answers/``."""

    queryset = SurveyRound.objects.all()
    serializer_class = s.SurveyRoundSerializer
    filterset_class = SurveyFilterSet
    ordering_fields = ["year", "id"]

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.SurveyRoundDetailSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        user, data = self.request.user, serializer.validated_data
        if not user.county_id:
            raise exceptions.PermissionDenied()
        serializer.instance = survey.open_survey(
            user.county,
            actor=user,
            year=data["year"],
            title=data.get("title") or None,
            opens_on=data["opens_on"],
            closes_on=data["closes_on"],
        )

    def retrieve(self, request, *args, **kwargs):
        round_ = self.get_object()
        context = self.get_serializer_context()
        if reads_county(request.user):
            context["progress"] = survey.survey_progress(round_)
            context["results"] = unit_results(request.user, round_)
        return Response(s.SurveyRoundDetailSerializer(round_, context=context).data)

    def _mine(self, round_):
        user = self.request.user
        units = []
        if is_deputy(user):
            answered = {
                a.unit_id: a
                for a in SurveyAnswer.objects.restrict(user).filter(survey=round_, deputy_id=user.deputy_id)
            }
            for unit in survey.units_to_rate(round_, user.deputy):
                answer = answered.get(unit.pk)
                units.append(
                    {
                        "id": unit.pk,
                        "name": unit.name,
                        "answer": {"unit": unit.pk, "result": answer.result, "comment": answer.comment}
                        if answer
                        else None,
                    }
                )
        return Response(
            s.MySurveySerializer(
                {"survey": round_.pk, "is_open": survey.is_open(round_), "units": units}
            ).data
        )

    @extend_schema(
        methods=["GET"],
        responses=s.MySurveySerializer,
        description="The caller's units to rate in the round, with the answers given so far.",
    )
    @extend_schema(
        methods=["POST"],
        request=s.SurveyAnswersInputSerializer,
        responses={200: s.MySurveySerializer, 409: REFUSED},
        description="Rate units (the caller must be a deputy; only while the round is open).",
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def answers(self, request, pk=None):
        """GET: the deputy's units to rate and answers; POST ``{"answers": [{"unit", "result",
        "comment"}]}``: rate them (answering again changes the answer)."""
        round_ = self.get_object()
        if request.method == "GET":
            return self._mine(round_)
        if not is_deputy(request.user):
            raise exceptions.PermissionDenied()
        body = s.SurveyAnswersInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = {a["unit"]: (a["result"], a.get("comment", "")) for a in body.validated_data["answers"]}
        try:
            survey.answer_survey(round_, request.user.deputy, actor=request.user, answers=answers)
        except Conflict as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return self._mine(round_)
