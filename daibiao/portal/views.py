"""The public portal's pages: no login. Each view is an adapter: it checks the rate limit and
the challenge, reads public data or calls ``suggestions.services.public``, and renders.

Every public view carries ``public = True``: it reads only what is published (stations,
their serving deputies' names and roster, public replies) or one clue by its tracking code,
and shows it masked. ``tests`` walk every view with that marker and scan what it answers for
personal data. The one page for staff here (``FeedbackList``) is an ordinary scoped list.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import generic

from daibiao.activities.qr import qr_image
from daibiao.core.audit import client_address
from daibiao.core.views import ScopedListView
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, LiaisonStation, StationDuty, Town
from daibiao.suggestions.errors import Conflict, Invalid
from daibiao.suggestions.models import CitizenFeedback
from daibiao.suggestions.services import public

from . import limits
from .challenge import ChallengeFailed, new_challenge, use_challenge
from .filtersets import CitizenFeedbackFilter
from .forms import ClueForm, FeedbackForm, StationSearchForm, TrackForm
from .models import Kind
from .poster import poster_svg

ROSTER_DAYS = 28  # the roster a station's page shows
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # one photo sent through the portal, before it is re-encoded
# A report with its photos, and its fields: anything larger is refused whole, before its
# files are checked or kept (the web server's body limit is the first gate).
REQUEST_MAX_BYTES = public.MAX_PHOTOS * PHOTO_MAX_BYTES + 1024 * 1024


class PublicPage:
    """Marks a view of the public portal (no login; public data only, masked)."""

    public = True


def rate_limited(request, exc: limits.RateLimited) -> HttpResponse:
    response = render(request, "portal/limited.html", {"message": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return quiet(response)


def quiet(response):
    """Keep a refusal out of Django's request log: a flood would write a line per request,
    where the limiter's counters already hold one row per address and minute."""
    response._has_been_logged = True
    return response


def _field_errors(form, exc: Invalid) -> None:
    for name, messages in exc.errors.items():
        form.add_error(name if name in form.fields else None, messages)


def serving(deputies):
    return deputies.filter(status=DeputyStatus.SERVING)


# --- home and stations ----------------------------------------------------------------------


class Home(PublicPage, generic.TemplateView):
    """What a citizen can do here: raise a problem at a station, follow it, read replies."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["track_form"] = TrackForm()
        ctx["towns"] = Town.objects.filter(stations__isnull=False).distinct().order_by("sort_order", "id")
        return ctx


class StationList(PublicPage, generic.ListView):
    """Every liaison station, searchable, by town: address, contact, deputies, who is next
    on duty."""

    template_name = "portal/station_list.html"
    paginate_by = 30
    context_object_name = "stations"

    def get_queryset(self):
        today = timezone.localdate()
        self.search = StationSearchForm(self.request.GET or None)
        rows = (
            LiaisonStation.objects.select_related("town")
            .annotate(n_deputies=Count("deputies", filter=Q(deputies__status=DeputyStatus.SERVING)))
            .prefetch_related(
                Prefetch(
                    "duties",
                    queryset=StationDuty.objects.filter(
                        on_date__gte=today, on_date__lt=today + dt.timedelta(days=14)
                    )
                    .select_related("deputy")
                    .order_by("on_date", "period", "id"),
                    to_attr="upcoming",
                )
            )
            .order_by("town__sort_order", "town_id", "id")
        )
        if self.search.is_valid():
            town, text = self.search.cleaned_data["town"], self.search.cleaned_data["q"].strip()
            if town:
                rows = rows.filter(town_id=town)
            for word in text.split()[:5]:
                rows = rows.filter(
                    Q(name__icontains=word) | Q(address__icontains=word) | Q(town__name__icontains=word)
                )
        return rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["search"] = self.search
        ctx["towns"] = Town.objects.filter(stations__isnull=False).distinct().order_by("sort_order", "id")
        ctx["town_id"] = self.search.cleaned_data.get("town") if self.search.is_valid() else None
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        return ctx


class StationDetail(PublicPage, generic.DetailView):
    """A station: where, how to reach it, its deputies (names only), who is on duty when,
    its QR code and poster, and the way to raise a problem."""

    template_name = "portal/station_detail.html"
    context_object_name = "station"

    def get_queryset(self):
        return LiaisonStation.objects.select_related("town", "village")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        station, today = self.object, timezone.localdate()
        ctx["deputies"] = list(
            serving(station.deputies.all()).prefetch_related("mandates").order_by("name_pinyin", "id")
        )
        ctx["duties"] = list(
            station.duties.filter(on_date__gte=today, on_date__lt=today + dt.timedelta(days=ROSTER_DAYS))
            .select_related("deputy")
            .order_by("on_date", "period", "id")
        )
        ctx["roster_days"] = ROSTER_DAYS
        return ctx


# --- QR codes and posters -------------------------------------------------------------------


def _report_url(request, target) -> str:
    name = "portal:station-report" if isinstance(target, LiaisonStation) else "portal:deputy-report"
    return request.build_absolute_uri(reverse(name, args=[target.pk]))


def _public_deputy(pk):
    return get_object_or_404(serving(Deputy.objects.select_related("station", "town")), pk=pk)


class QRCode(PublicPage, generic.View):
    """The QR code (PNG or SVG) that opens the report form of a station or a deputy."""

    model = LiaisonStation
    image_format = "svg"

    def target(self, pk):
        if self.model is Deputy:
            return _public_deputy(pk)
        return get_object_or_404(LiaisonStation, pk=pk)

    def get(self, request, pk):
        target = self.target(pk)
        content, content_type = qr_image(_report_url(request, target), self.image_format)
        response = HttpResponse(content, content_type=content_type)
        response["Cache-Control"] = "public, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        if request.GET.get("download"):
            response["Content-Disposition"] = content_disposition_header(
                True, f"{target.name}-{_('QR code')}.{self.image_format}"
            )
        return response


class Poster(QRCode):
    """A printable A4 poster (SVG): the name, the QR code, the address and contact."""

    def get(self, request, pk):
        target = self.target(pk)
        content = poster_svg(target, _report_url(request, target))
        response = HttpResponse(content, content_type="image/svg+xml; charset=utf-8")
        response["Cache-Control"] = "public, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = content_disposition_header(
            bool(request.GET.get("download")), f"{target.name}-{_('poster')}.svg"
        )
        return response


# --- raising a problem ----------------------------------------------------------------------


class Report(PublicPage, generic.TemplateView):
    """The form a station's (or a deputy's) QR code opens. A report is counted against the
    address's limits before it is even read; the answer is the tracking code, shown once on
    the page that answers the POST (nothing is kept in a session)."""

    template_name = "portal/report.html"
    by_deputy = False

    def target(self):
        if self.by_deputy:
            deputy = _public_deputy(self.kwargs["pk"])
            return deputy.station, deputy
        return get_object_or_404(LiaisonStation.objects.select_related("town"), pk=self.kwargs["pk"]), None

    def render_form(self, form, station, deputy, status=200, refusal=""):
        form.set_challenge(new_challenge())
        town = station.town if station is not None else deputy.town
        ctx = {"form": form, "station": station, "deputy": deputy, "town": town, "refusal": refusal}
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, *args, **kwargs):
        station, deputy = self.target()
        town = station.town if station is not None else deputy.town
        return self.render_form(ClueForm(town=town), station, deputy)

    def post(self, request, *args, **kwargs):
        station, deputy = self.target()
        address = client_address(request)
        try:
            limits.admit(address, Kind.CLUE)
        except limits.RateLimited as exc:
            return rate_limited(request, exc)
        town = station.town if station is not None else deputy.town
        if int(request.META.get("CONTENT_LENGTH") or 0) > REQUEST_MAX_BYTES:
            refusal = _("The photos are too large. Please send smaller ones, or none.")
            return self.render_form(ClueForm(town=town), station, deputy, status=413, refusal=refusal)
        too_large = [f.name for f in request.FILES.getlist("photos") if f.size > PHOTO_MAX_BYTES]
        form = ClueForm(request.POST, request.FILES if not too_large else None, town=town)
        if too_large:
            form.add_error(
                None,
                _("Each photo may be at most {size}. Please send smaller ones.").format(
                    size=filesizeformat(PHOTO_MAX_BYTES)
                ),
            )
        elif form.is_valid():
            data = form.cleaned_data
            photos = data["photos"]
            size = sum(p.size for p in photos)
            if size and size > limits.photo_bytes_left():
                form.add_error(
                    "photos", _("No more photos can be accepted today. Please send the report without them.")
                )
                return self.render_form(form, station, deputy)
            try:
                with transaction.atomic():
                    use_challenge(data["nonce"])
                    clue = public.submit_public_clue(
                        content=data["content"],
                        village=data["village"],
                        station=station,
                        deputy=deputy,
                        category=data["category"],
                        contact_phone=data["contact_phone"],
                        photos=photos,
                    )
            except ChallengeFailed as exc:
                form.add_error("challenge_answer", exc.message)
            except Invalid as exc:
                _field_errors(form, exc)
            else:
                limits.count_photos(address, size)
                ctx = {
                    "clue": clue,
                    "station": station,
                    "deputy": deputy,
                    "has_phone": bool(clue.contact_phone),
                }
                return render(request, "portal/report_done.html", ctx)
        return self.render_form(form, station, deputy)


# --- following a report ---------------------------------------------------------------------


class Track(PublicPage, generic.TemplateView):
    """The tracking page: code and the phone's last four digits (when one was given) show the
    report's progress, the public replies and, once replied, the "was it solved?" form. A wrong
    code and a wrong suffix read exactly alike."""

    template_name = "portal/track.html"

    def lookup(self, code, suffix):
        return public.find_public_clue(code, suffix)

    def get(self, request, *args, **kwargs):
        if "code" in request.GET and "phone_last4" not in request.GET:
            # From the page that gave the code: ask for the digits before looking it up.
            form = TrackForm(initial={"code": request.GET["code"][:20]})
        else:
            form = TrackForm(request.GET or None)
        ctx = {"form": form}
        if form.is_bound:
            try:
                limits.admit(client_address(request), Kind.LOOKUP)
            except limits.RateLimited as exc:
                return rate_limited(request, exc)
            if form.is_valid():
                ctx.update(self.result(form.cleaned_data["code"], form.cleaned_data["phone_last4"]))
            else:
                ctx["not_found"] = True
        return self.render_to_response(ctx)

    def result(self, code, suffix, feedback_form=None):
        clue = self.lookup(code, suffix)
        if clue is None:
            return {"not_found": True}
        progress = public.public_progress(clue)
        feedback_form = feedback_form or FeedbackForm(
            initial={"code": clue.tracking_code, "phone_last4": suffix}
        )
        return {"progress": progress, "feedback_form": feedback_form}


class TrackFeedback(Track):
    """POST only: the citizen's answer on the reply (solved / partly / not solved)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            limits.admit(client_address(request), Kind.FEEDBACK)
        except limits.RateLimited as exc:
            return rate_limited(request, exc)
        form = FeedbackForm(request.POST)
        code, suffix = request.POST.get("code", ""), request.POST.get("phone_last4", "")
        clue = self.lookup(code, suffix)
        track = TrackForm(initial={"code": code})
        if clue is None:
            return self.render_to_response({"form": track, "not_found": True}, status=404)
        ctx = {"form": track}
        if form.is_valid():
            try:
                public.record_citizen_feedback(
                    clue, answer=form.cleaned_data["answer"], comment=form.cleaned_data["comment"]
                )
            except Invalid as exc:
                _field_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                ctx["thanks"] = True
                ctx.update(self.result(code, suffix))
                return self.render_to_response(ctx)
        ctx.update(self.result(code, suffix, feedback_form=form))
        return self.render_to_response(ctx)


# --- the public replies ---------------------------------------------------------------------


class ReplyList(PublicPage, generic.ListView):
    """Published replies, newest first, searchable; confidential items left out, personal
    data masked (``Reply.public_text``, titles redacted)."""

    template_name = "portal/reply_list.html"
    paginate_by = 20
    context_object_name = "replies"

    def get_queryset(self):
        self.search = (self.request.GET.get("search") or "")[:100]
        return public.search_public_replies(public.public_replies(), self.search)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        titles = public.public_titles(ctx["replies"])
        for reply in ctx["replies"]:
            reply.public_title = titles[reply.suggestion_id]
        ctx["search"] = self.search
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        return ctx


# --- for staff: what citizens answered ------------------------------------------------------


class FeedbackList(ScopedListView):
    """Citizens' answers on replies, "not solved" first, for the presidium and the county
    (each reads the answers on the clues it reads)."""

    model = CitizenFeedback
    filterset_class = CitizenFeedbackFilter
    template_name = "portal/feedback_list.html"
    paginate_by = 50

    def base_queryset(self):
        return CitizenFeedback.objects.select_related(
            "clue", "clue__town", "clue__station", "clue__recorded_by", "reply", "reply__unit"
        ).order_by("-flagged", "-created_at", "-id")
