"""The landing page: the registry at a glance, within the user's scope."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count
from django.views.generic import TemplateView

from daibiao.core.scoping import Action


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"
    scoped = True  # reads only through restrict(); see tests/test_views_are_scoped.py

    def get_context_data(self, **kwargs):
        from daibiao.registry.choices import Level
        from daibiao.registry.models import Deputy, DeputyGroup, LiaisonStation, Mandate, Town, Unit, Village

        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        deputies = Deputy.objects.restrict(user, Action.VIEW)
        ctx["counts"] = {
            "towns": Town.objects.restrict(user).count(),
            "villages": Village.objects.restrict(user).count(),
            "stations": LiaisonStation.objects.restrict(user).count(),
            "groups": DeputyGroup.objects.restrict(user).count(),
            "units": Unit.objects.restrict(user).count(),
            "deputies": deputies.count(),
        }
        by_level = dict(
            Mandate.objects.restrict(user).values_list("level").annotate(n=Count("id")).order_by()
        )
        ctx["levels"] = [
            {"level": level, "label": label, "n": by_level[level]}
            for level, label in Level.choices
            if level in by_level
        ]
        return ctx
