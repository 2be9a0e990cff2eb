"""The routing API: category and lead-unit recommendations for a text."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from daibiao.core.api import ScopedAPIMixin
from daibiao.registry.models import Unit

from .. import services
from .serializers import RoutingRequestSerializer, RoutingResponseSerializer


class RoutingViewSet(ScopedAPIMixin, viewsets.GenericViewSet):
    """Recommendations for the caller's county; the units named are only those in the
    caller's view scope (``get_queryset`` is the scoped unit list)."""

    queryset = Unit.objects.all()
    serializer_class = RoutingRequestSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(request=RoutingRequestSerializer, responses={200: RoutingResponseSerializer})
    def suggest(self, request):
        """Ranked categories and lead units for a title and body, with scores and the words
        that weighed most."""
        serializer = RoutingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        county = request.user.county
        if county is None:
            raise exceptions.PermissionDenied(_("Your account is bound to no county."))
        data = serializer.validated_data
        rec = services.recommend(county, data["title"], data["body"], k=data["k"], units=self.get_queryset())
        return Response(
            {
                "categories": [{"value": v, "label": label, "score": s} for v, label, s in rec.categories],
                "units": [{"id": u.pk, "name": u.name, "score": s} for u, s in rec.units],
                "reasons": rec.reasons,
                "trained": rec.trained,
            }
        )
