"""Pages of the handbook and other materials (资料汇编, 发放, 签收) and of the media articles
about the campaign. Views are adapters: scoped reads, a form, a service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from daibiao.core.documents import xlsx_response
from daibiao.core.scoping import Action, can
from daibiao.core.views import (
    Column,
    ScopedCreateView,
    ScopedDeleteView,
    ScopedDetailView,
    ScopedListView,
    ScopedMixin,
)
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy

from . import services
from .choices import ReceiptStatus
from .filtersets import MaterialFilterSet, MediaArticleFilterSet
from .forms import MaterialForm, MediaArticleForm, SendForm
from .models import Material, MaterialReceipt, MediaArticle
from .views import ObjectFormPage

PENDING_PAGE = 100


def with_receipt_counts(materials, user):
    """``materials`` with ``sent`` and ``received``: the receipts within the user's reach."""
    reach = MaterialReceipt.objects.restrict(user).values("pk")
    return materials.annotate(
        sent=Count("receipts", filter=Q(receipts__in=reach)),
        received=Count("receipts", filter=Q(receipts__in=reach, receipts__status=ReceiptStatus.RECEIVED)),
    )


class MaterialList(ScopedListView):
    model = Material
    filterset_class = MaterialFilterSet
    template_name = "activities/material_list.html"
    paginate_by = 30
    export_name = "materials"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Campaign"), "campaign.theme"),
        Column(gettext_lazy("Sent to"), "sent"),
        Column(gettext_lazy("Received"), "received"),
    ]

    def get_queryset(self):
        queryset = super().get_queryset().select_related("campaign")
        return with_receipt_counts(queryset, self.request.user).order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["add_url"] = reverse("activities:material-create")
        return ctx


class MaterialDetail(ScopedDetailView):
    """A material: its files, how many received it, and who has not yet (within the
    user's reach, page by page); staff record receipts, a deputy confirms his or her own."""

    model = Material
    template_name = "activities/material_detail.html"

    def get_context_data(self, send_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        material, user = self.object, self.request.user
        receipts = MaterialReceipt.objects.restrict(user).filter(material=material)
        counts = dict(receipts.order_by().values_list("status").annotate(n=Count("pk")))
        ctx["received_count"] = counts.get(ReceiptStatus.RECEIVED, 0)
        ctx["pending_count"] = counts.get(ReceiptStatus.PENDING, 0)
        ctx["sent_count"] = ctx["received_count"] + ctx["pending_count"]
        pending = receipts.filter(status=ReceiptStatus.PENDING).select_related("deputy", "deputy__town")
        ctx["pending"] = Paginator(
            pending.order_by("deputy__town__sort_order", "deputy__name_pinyin", "pk"), PENDING_PAGE
        ).get_page(self.request.GET.get("page"))
        ctx["may_record"] = receipts.restrict(user, Action.CHANGE).exists() if ctx["pending_count"] else False
        ctx["files"] = list(material.files.all())
        ctx["own"] = receipts.filter(deputy_id=user.deputy_id).first() if user.deputy_id else None
        if ctx["can_change"]:
            ctx["send_form"] = send_form or SendForm(user=user, county_id=material.county_id)
        return ctx


class MaterialCreate(ScopedCreateView):
    model = Material
    form_class = MaterialForm

    def save(self, form):
        data = dict(form.cleaned_data)
        send_to_all = data.pop("send_to_all", False)
        user = self.request.user
        with transaction.atomic():  # the material and its sending, or neither
            material = services.create_material(actor=user, **data)
            if send_to_all:
                everyone = Deputy.objects.restrict(user).filter(
                    county_id=material.county_id, status=DeputyStatus.SERVING
                )
                services.send_material(material, everyone, actor=user)
        return material


class MaterialPost(MaterialDetail):
    """POST only, on one material; answers with a redirect to it."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = material = self.get_object()
        try:
            self.act(request, material)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(material.get_absolute_url())


class MaterialSend(MaterialPost):
    def act(self, request, material):
        if not can(request.user, Action.CHANGE, material):
            raise PermissionDenied
        form = SendForm(request.POST, user=request.user, county_id=material.county_id)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        deputies = Deputy.objects.restrict(request.user).filter(
            county_id=material.county_id, status=DeputyStatus.SERVING
        )
        if not form.cleaned_data["everyone"]:
            deputies = deputies.filter(town__in=form.cleaned_data["towns"])
        count = services.send_material(material, deputies, actor=request.user)
        messages.success(request, _("Sent to {count} more deputies.").format(count=count))


class MaterialConfirm(MaterialPost):
    """A deputy confirms receiving the material (one tap on the phone)."""

    def act(self, request, material):
        services.confirm_receipt(material, actor=request.user)
        messages.success(request, _("Thank you: your receipt is recorded."))


class MaterialRecord(MaterialPost):
    """Staff tick the deputies who received the material."""

    def act(self, request, material):
        ids = [int(v) for v in request.POST.getlist("deputies") if v.isdigit()]
        if not ids:
            raise ValidationError(_("Choose the deputies who received it."))
        if (
            not MaterialReceipt.objects.restrict(request.user, Action.CHANGE)
            .filter(material=material)
            .exists()
        ):
            raise PermissionDenied
        count = services.record_receipt(material, ids, actor=request.user)
        messages.success(request, _("Receipts recorded: {count}.").format(count=count))


class MaterialReceiptsExport(ScopedMixin, generic.View):
    """The receipts within the user's reach as .xlsx (``?status=pending``: who has not yet)."""

    model = Material

    def get(self, request, pk):
        material = get_object_or_404(self.get_queryset(), pk=pk)
        receipts = (
            MaterialReceipt.objects.restrict(request.user)
            .filter(material=material)
            .select_related("deputy", "deputy__town", "recorded_by")
            .order_by("deputy__town__sort_order", "deputy__name_pinyin", "pk")
        )
        status = request.GET.get("status")
        if status in ReceiptStatus.values:
            receipts = receipts.filter(status=status)
        columns = [
            Column(gettext_lazy("Deputy"), "deputy.name"),
            Column(gettext_lazy("Town"), "deputy.town.name"),
            Column(gettext_lazy("Mobile phone"), "deputy.phone"),
            Column(gettext_lazy("Status"), "status"),
            Column(
                gettext_lazy("Received at"),
                lambda r: timezone.localtime(r.received_at) if r.received_at else "",
            ),
            Column(gettext_lazy("Recorded how"), "method"),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(
            f"receipts-{material.pk}-{stamp}.xlsx",
            [c.label for c in columns],
            ([c.read(r) for c in columns] for r in receipts.iterator(chunk_size=2000)),
            title=str(MaterialReceipt._meta.verbose_name_plural),
        )


# --- media articles -----------------------------------------------------------------------


class MediaList(ScopedListView):
    model = MediaArticle
    filterset_class = MediaArticleFilterSet
    template_name = "activities/media_list.html"
    paginate_by = 30
    export_name = "media-articles"
    export_columns = [
        Column(gettext_lazy("ID"), "id"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Outlet"), "outlet"),
        Column(gettext_lazy("Level"), "level"),
        Column(gettext_lazy("Published on"), "published_on"),
        Column(gettext_lazy("Link"), "url"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["add_url"] = reverse("activities:media-create")
        ctx["by_level"] = (
            dict(self.object_list.order_by().values_list("level").annotate(n=Count("pk")))
            if self.object_list is not None
            else {}
        )
        return ctx


class MediaDetail(ScopedDetailView):
    model = MediaArticle
    template_name = "activities/media_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["deputies"] = list(self.object.deputies.restrict(user).select_related("town"))
        ctx["activities"] = list(self.object.activities.restrict(user))
        return ctx


class MediaCreate(ScopedCreateView):
    model = MediaArticle
    form_class = MediaArticleForm

    def save(self, form):
        return services.save_media_article(None, actor=self.request.user, **form.cleaned_data)


class MediaEdit(ObjectFormPage):
    model = MediaArticle
    form_class = MediaArticleForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object, "user": self.request.user}

    def save(self, form):
        article = MediaArticle.objects.get(pk=self.object.pk)
        return services.save_media_article(article, actor=self.request.user, **form.cleaned_data)


class MediaDelete(ScopedDeleteView):
    model = MediaArticle

    def get_success_url(self):
        return reverse("activities:media-list")
