"""The province, county by county: reference rows, logins, then two years of the closed loop.

Each county's clues and suggestions are laid out in time over the two years before the run;
each suggestion follows a plan (the full loop, or withdrawn, merged, transferred) step by
step, every step at a plausible office hour after the one before, until the plan ends or the
next step would fall after *now*: so recent items are still in handling (some overdue), old
ones concluded or implemented, and the newest clues not yet triaged. Each step writes what its
service writes (``suggestions.services``): the event with from/to state, step, actor and data;
the suggestion's fields; assignments, replies (the public text masked by
``public_version``'s rules), ratings, extensions; the change-log rows, and the search documents.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from daibiao.core import privacy, workdays
from daibiao.core.audit import IGNORED_FIELDS, _plain
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.routing.models import SearchDocument, SearchTerms
from daibiao.routing.search.analysis import index_text
from daibiao.suggestions import demo
from daibiao.suggestions.choices import (
    AssignmentState,
    ClueState,
    ExtensionState,
    ReplyCategory,
    Satisfaction,
    State,
    Step,
    Tier,
    UnitRole,
)
from daibiao.suggestions.models import Assignment, Clue, Event, Extension, Rating, Reply, Suggestion
from daibiao.suggestions.services import (
    CO_OPINION_WORKING_DAYS,
    DEFAULT_ACKNOWLEDGE_DAYS,
    DEFAULT_TOWN_DAYS,
    RETURN_WINDOW_WORKING_DAYS,
)

from .bulk import Writer
from .registry import Actor, CountyData, RegistryWriter, county_name, first_monday

CHINA = workdays.CHINA_TZ
UTC = dt.UTC
YEARS_BACK = 2
PLAIN = (str, int, bool)  # values the change log keeps as they are
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_SPACE = len(TRACKING_ALPHABET) ** 10
TRACKING_STEP = 0x9E3779B97F4A7C15 % TRACKING_SPACE | 1  # odd: a bijection of the code space

# Per county at --scale 1.
DEPUTIES = 1_000
CLUES = 10_000
SUGGESTIONS = 6_000

# What becomes of a suggestion (the plan); the clock may stop it earlier.
PLANS = (("loop", 89), ("withdrawn", 3), ("merged", 3), ("transferred", 3), ("draft", 2))
TIERS = ((Tier.TOWN, 55), (Tier.VILLAGE, 10), (Tier.COUNTY, 35))
CLASSES = (("A", 70), ("B", 18), ("C", 8), ("D", 4))
CLUES_PER_SUGGESTION = ((0, 15), (1, 60), (2, 17), (3, 8))


def volumes(scale: float) -> tuple[int, int, int]:
    """Deputies, clues and suggestions per county at ``scale`` (at least two deputies a town)."""
    from .registry import TOWNS

    return (
        max(2 * TOWNS, round(DEPUTIES * scale)),
        max(1, round(CLUES * scale)),
        max(1, round(SUGGESTIONS * scale)),
    )


def weighted(pairs):
    return [value for value, weight in pairs for _ in range(weight)]


class Clock:
    """Minutes since the builder's first Monday (Beijing time), moving only forward."""

    OFFICE = (510, 1050)  # 08:30–17:30
    AWAKE = (450, 1290)  # 07:30–21:30

    def __init__(self, rng, t: int):
        self.rng = rng
        self.t = t

    def days(self, lo: int, hi: int, *, office: bool = True) -> int:
        day = self.t // 1440 + self.rng.randint(lo, hi)
        if office:
            while day % 7 >= 5:  # Saturday, Sunday (holidays are not modelled)
                day += 1
        lo_m, hi_m = self.OFFICE if office else self.AWAKE
        t = day * 1440 + self.rng.randint(lo_m, hi_m)
        if t <= self.t:
            t = self.t + self.rng.randint(8, 50)
        self.t = t
        return t

    def soon(self) -> int:
        """A few minutes on: the next step of the same sitting."""
        self.t += self.rng.randint(2, 15)
        return self.t


def add_working_days(day: int, n: int) -> int:
    while n > 0:
        day += 1
        if day % 7 < 5:
            n -= 1
    return day


class Builder:
    """Writes the synthetic province through a ``bulk.Writer``."""

    def __init__(
        self,
        connection,
        *,
        seed: int,
        scale: float,
        now: dt.datetime,
        password_hash: str,
        out,
        trust_keys=False,
    ):
        self.writer = Writer(connection)
        self.writer.trust_keys = trust_keys
        self.rng = random.Random(seed)  # noqa: S311 — synthetic data, reproducible by seed
        self.seed = seed
        self.scale = scale
        self.out = out
        self.password_hash = password_hash
        self.now = now
        today = now.astimezone(CHINA).date()
        self.base_day = first_monday(today.replace(year=today.year - YEARS_BACK))
        self.base = dt.datetime.combine(self.base_day, dt.time(), CHINA).astimezone(UTC)
        self.now_m = int((now - self.base).total_seconds() // 60)
        self.start = self.base  # reference data is as old as the history
        self.content_types = {}
        self.audited: dict[str, list] = {}
        self.log_row = None
        self.docs: list = []
        self.system = _("system")
        self.step_labels = {s.value: str(s.label) for s in Step}
        self.phases = {"reference data and logins": 0.0, "clues and histories": 0.0, "search documents": 0.0}

    @contextlib.contextmanager
    def phase(self, name: str):
        """Time a phase, less the database writes made during it (reported on their own)."""
        started, written = time.perf_counter(), sum(self.writer.seconds.values())
        yield
        wrote = sum(self.writer.seconds.values()) - written
        self.phases[name] += time.perf_counter() - started - wrote

    # --- rows -------------------------------------------------------------------------------

    def table(self, model):
        return self.writer.table(model)

    def at(self, minute: int) -> dt.datetime:
        return self.base + dt.timedelta(minutes=minute)

    def day_end(self, day: int) -> dt.datetime:
        """A deadline: the end of ``day`` in Beijing, as ``workdays.deadline_at`` stores it."""
        return dt.datetime.combine(self.base_day + dt.timedelta(days=day), dt.time.max, CHINA)

    def content_type(self, model) -> int:
        if model not in self.content_types:
            self.content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
        return self.content_types[model]

    def request_id(self) -> str:
        """A version-4 UUID from the seeded generator (``audit.acting_as`` makes one per call)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    def log(self, model, pk, repr_, action, changes, t, actor: Actor | None, request_id, note=""):
        """One change-log row, as ``audit.write_entry`` writes it (no client address: no request)."""
        if self.log_row is None:
            self.log_row = self.table(ChangeLog).positional(
                "timestamp", "actor_id", "actor_name", "remote_addr", "request_id", "content_type_id",
                "object_id", "object_repr", "action", "changes", "note",
            )  # fmt: skip
        self.log_row(
            t,
            actor.id if actor else None,
            actor.username if actor else "system",
            None,
            request_id,
            self.content_type(model),
            str(pk),
            repr_[:200],
            action,
            changes,
            note[:300],
        )

    def log_create(self, model, table, pk, t, *, actor, request_id=None, repr_=None) -> None:
        """The create row ``post_save`` writes: every audited field that is not null."""
        row = table.rows[-1]
        audited = self.audited.get(table.name)
        if audited is None:  # (attname, column index) of the audited fields, in name order
            audited = self.audited[table.name] = sorted(
                (f.attname, i) for i, f in enumerate(table.fields) if f.name not in IGNORED_FIELDS
            )
        changes = {}
        for attname, i in audited:
            value = row[i]
            if value is not None:
                changes[attname] = [None, value if type(value) in PLAIN else _plain(value)]
        if repr_ is None:
            i = table.index.get("name", table.index.get("title"))
            repr_ = str(row[i]) if i is not None else str(pk)
        self.log(model, pk, repr_, ChangeAction.CREATE, changes, t, actor, request_id or self.request_id())

    def document(self, t, kind, object_id, town_id, year, title, body) -> None:
        self.docs.append((t, kind, object_id, town_id, year, title, body))

    def flush_documents(self) -> None:
        """The county's documents in the order their records were made (as a rebuild does)."""
        docs = self.table(SearchDocument)
        terms = self.table(SearchTerms)
        self.docs.sort(key=lambda d: d[0])
        # Where the index files a document by county too (``SearchDocument.county``), say it.
        county = {"county_id": self.county_id} if "county_id" in docs.index else {}
        for _t, kind, object_id, town_id, year, title, body in self.docs:
            doc_id = docs.add(
                kind=kind, object_id=object_id, town_id=town_id, year=year, indexed_at=self.now, **county
            )
            terms.add(document_id=doc_id, title=index_text(title), body=index_text(body))
        self.docs = []

    # --- the province -----------------------------------------------------------------------

    def counties(self, count: int, first_ordinal: int, taken: set[str]):
        """Build ``count`` counties, one transaction each; yields (name, seconds) per county."""
        return self.build_plan(plan(count, first_ordinal, taken))

    def build_plan(self, counties):
        """Build the counties of ``plan`` ((slot, ordinal, name) each), one transaction each;
        yields (data, seconds) per county."""
        from django.db import transaction

        for slot, ordinal, name in counties:
            started = time.perf_counter()
            if self.writer.id_blocks is not None:
                self.writer.start_slot(slot)
            with transaction.atomic():
                self.rng = random.Random(f"{self.seed}/{ordinal}")  # noqa: S311 — one stream per county
                with self.phase("reference data and logins"):
                    data = RegistryWriter(self, ordinal, name, volumes(self.scale)[0]).run()
                self.county_id = data.id
                with self.phase("clues and histories"):
                    CountyLoop(self, data).run()
                with self.phase("search documents"):
                    self.flush_documents()
                self.writer.flush()
            yield data, time.perf_counter() - started


def plan(count: int, first_ordinal: int, taken: set[str]) -> list[tuple[int, int, str]]:
    """The next ``count`` counties: (slot, ordinal, name), skipping names already taken."""
    counties, ordinal = [], first_ordinal
    for slot in range(count):
        name = county_name(ordinal)
        while name in taken:
            ordinal += 1
            name = county_name(ordinal)
        taken.add(name)
        counties.append((slot, ordinal, name))
        ordinal += 1
    return counties


class Item:
    """One suggestion as it is being replayed: its columns as the services leave them."""

    __slots__ = (
        "actor",
        "by_deputy",
        "category",
        "clues",
        "co_signers",
        "created",
        "ctx",
        "fields",
        "id",
        "lead_deputy",
        "merged_into_title",
        "plan",
        "raised_names",
        "staff",
        "tier",
        "title",
        "topic",
        "town_id",
        "variant",
        "year",
    )


class CountyLoop:
    """Clues and suggestions of one county, with every row their histories write."""

    def __init__(self, builder: Builder, data: CountyData):
        self.b = builder
        self.rng = builder.rng
        self.d = data
        self.s = builder.scale
        self.topics = weighted((t, t.weight) for t in demo.TOPICS)
        self.plans = weighted(PLANS)
        self.tiers = weighted(TIERS)
        self.classes = weighted(CLASSES)
        self.clue_counts = weighted(CLUES_PER_SUGGESTION)
        self.live_by_town: dict[int, list[Item]] = {}
        self.clues = builder.table(Clue)
        self.suggestions = builder.table(Suggestion)
        self.events = builder.table(Event)
        self.assignments = builder.table(Assignment)
        self.event_row = self.events.positional(
            "suggestion_id", "step", "actor_id", "actor_name", "from_state", "to_state", "from_entered_at",
            "note", "data", "created_at",
        )  # fmt: skip
        self.withdrawn_reason = _("Withdrawn.")
        town_of = {dep: town for town, deputies in data.deputies.items() for dep, _n, _s in deputies}
        self.logins = {town: [] for town, _name in data.towns}  # the deputies with a login, per town
        for dep in data.deputy_users:
            self.logins[town_of[dep]].append(dep)

    # --- texts (the demo's templates) -------------------------------------------------------

    def context(self, town_name: str, village_name: str) -> dict:
        rng = self.rng
        g, g2 = sorted(rng.sample(range(1, 13), 2))
        hamlet, hamlet2 = (
            rng.choice(demo.PLACE_SURNAMES) + "家" + rng.choice("湾坡岗冲垭畈台") for _ in range(2)
        )
        stem = village_name.removesuffix("社区").removesuffix("村")
        return {
            "town": town_name,
            "v": village_name,
            "g": demo.NUMERALS[g],
            "g2": demo.NUMERALS[g2],
            "hamlet": hamlet,
            "hamlet2": hamlet2,
            "stream": rng.choice(demo.PLACE_SURNAMES) + "家" + rng.choice(("河", "沟", "溪")),
            "yard": hamlet,
            "n": rng.randint(12, 160),
            "p": rng.randrange(40, 900, 10),
            "m": rng.randrange(150, 1500, 10),
            "km": f"{rng.randint(12, 85) / 10:.1f}",
            "y": rng.randint(5, 25),
            "k": rng.randint(2, 9),
            "s": rng.choice(demo.SURNAMES),
            "crop": rng.choice(demo.CROPS),
            "wan": rng.randint(3, 95),
            "school": rng.choice((f"{town_name}中心学校", f"{stem}小学")),
        }

    def raised_by(self, ctx) -> str:
        # Now and then a named constituent, so that replies' public texts have a name to mask.
        if self.rng.random() < 0.1:
            rng = self.rng
            return f"村民{rng.choice(demo.SURNAMES)}{rng.choice(demo.SURNAMES)}{rng.choice('华明芳军')}"
        return self.rng.choice(demo.RAISERS).format(**ctx)

    # --- the county -------------------------------------------------------------------------

    def run(self) -> None:
        rng = self.rng
        _deputies, n_clues, n_suggestions = volumes(self.s)
        span = self.b.now_m - 7 * 1440  # items start during the two years, up to a week ago
        items = []
        merged_clues = 0
        for _i in range(n_suggestions):
            item = Item()
            item.plan = rng.choice(self.plans)
            item.created = rng.randint(14 * 1440, span)
            count = rng.choice(self.clue_counts)
            if merged_clues + count > n_clues:
                count = max(0, n_clues - merged_clues)
            merged_clues += count
            item.clues = count
            items.append(item)
        items.sort(key=lambda i: i.created)
        loose = [rng.randint(0, self.b.now_m - 60) for _ in range(n_clues - merged_clues)]
        loose.sort()
        # Clues and suggestions interleaved in time, so ids follow creation order.
        li = 0
        for item in items:
            while li < len(loose) and loose[li] < item.created - 20 * 1440:
                self.loose_clue(loose[li])
                li += 1
                self.b.writer.maybe_flush()
            self.suggestion(item)
            self.b.writer.maybe_flush()
        for t in loose[li:]:
            self.loose_clue(t)
            self.b.writer.maybe_flush()

    def pick_place(self):
        rng, d = self.rng, self.d
        town_id, town_name = rng.choice(d.towns)
        village_id, village_name = rng.choice(d.villages[town_id])
        return town_id, town_name, village_id, village_name

    def tracking_code(self, clue_id: int) -> str:
        n = (clue_id * TRACKING_STEP + self.b.seed) % TRACKING_SPACE
        chars = []
        for _i in range(10):
            n, r = divmod(n, 32)
            chars.append(TRACKING_ALPHABET[r])
        return "".join(chars)

    def clue(
        self, t: int, town_id, town_name, village_id, village_name, topic, variant_i, ctx, recorder
    ) -> tuple:
        """A clue as ``create_clue`` records it (open); returns its id, row and creator."""
        rng, b = self.rng, self.b
        variant = topic.variants[variant_i]
        deputy_id, deputy_name, station_id = recorder
        at_station = rng.random() < 0.15
        creator = self.d.deputy_users.get(deputy_id) or self.d.town_staff[town_id]
        day = b.base_day + dt.timedelta(days=t // 1440)
        ctx = {**ctx, "date": f"{day.month}月{day.day}日"}
        raised = self.raised_by(ctx)
        ctx["raised"], ctx["dep"] = raised, deputy_name
        if at_station:
            ctx["station"] = dict(self.d.stations[town_id])[station_id]
            opening = demo.STATION_OPENING.format(**ctx)
        else:
            opening = rng.choice(demo.CLUE_OPENINGS).format(**ctx)
        content = opening + variant.cb.format(**ctx) + rng.choice(demo.CLUE_CLOSINGS)
        title = variant.ct.format(**ctx)[:120]
        when = b.at(t)
        occurred = (when.astimezone(CHINA) - dt.timedelta(days=rng.choice((0, 0, 0, 1, 2)))).date()
        clue_id = self.clues.next_id
        self.clues.add(
            created_at=when,
            updated_at=when,
            county_id=self.d.id,
            town_id=town_id,
            village_id=village_id,
            title=title,
            content=content,
            category=topic.category,
            raised_by=raised,
            contact_phone=f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
            if rng.random() < 0.3
            else "",
            recorded_by_id=deputy_id,
            station_id=station_id if at_station else None,
            occurred_on=occurred,
            tracking_code=self.tracking_code(clue_id),
            created_by_id=creator.id,
        )
        row = self.clues.rows[-1]
        b.log_create(Clue, self.clues, clue_id, when, actor=creator)
        b.document(when, "clue", clue_id, town_id, occurred.year, title, content)
        return clue_id, row, creator

    def close_clue(self, row, clue_id, t_when, to_state, outcome, actor, request_id, suggestion_id=None):
        """``_close_clue``: the conditional update and its change-log row."""
        ix = self.clues.index
        row[ix["state"]] = to_state
        row[ix["outcome"]] = outcome
        row[ix["suggestion_id"]] = suggestion_id
        row[ix["updated_at"]] = t_when
        self.b.log(
            Clue,
            clue_id,
            row[ix["title"]],
            ChangeAction.STATE,
            {"state": [ClueState.OPEN, to_state], "outcome": ["", outcome]},
            t_when,
            actor,
            request_id,
        )

    def loose_clue(self, t: int) -> None:
        """A clue answered on the spot, dismissed, or (recent) still waiting for triage."""
        rng = self.rng
        town_id, town_name, village_id, village_name = self.pick_place()
        topic = rng.choice(self.topics)
        vi = rng.randrange(len(topic.variants))
        ctx = self.context(town_name, village_name)
        recorder = rng.choice(self.d.deputies[town_id])
        clue_id, row, creator = self.clue(
            t, town_id, town_name, village_id, village_name, topic, vi, ctx, recorder
        )
        onspot = topic.onspot[vi] if vi < len(topic.onspot) else ""
        solved = bool(onspot) and rng.random() < 0.7
        clock = Clock(rng, t)
        # Most are triaged within weeks; some wait for months.
        delay = int(rng.expovariate(1 / 25)) + (rng.randint(30, 150) if rng.random() < 0.08 else 0)
        triage = clock.days(0, delay) if not solved else clock.soon()
        if triage >= self.b.now_m:
            return  # not triaged yet
        when = self.b.at(triage)
        actor = creator if solved else self.d.town_staff[town_id]
        if solved:
            self.close_clue(row, clue_id, when, ClueState.SOLVED, onspot, actor, self.b.request_id())
        else:
            self.close_clue(
                row,
                clue_id,
                when,
                ClueState.DISMISSED,
                rng.choice(demo.DISMISS_REASONS),
                actor,
                self.b.request_id(),
            )

    # --- one suggestion ---------------------------------------------------------------------

    def suggestion(self, item: Item) -> None:
        rng, d, b = self.rng, self.d, self.b
        town_id, town_name, village_id, village_name = self.pick_place()
        item.town_id = town_id
        item.topic = topic = rng.choice(self.topics)
        vi = rng.randrange(len(topic.variants))
        item.variant = topic.variants[vi]
        item.ctx = ctx = self.context(town_name, village_name)
        item.tier = Tier.ABOVE if item.plan == "transferred" else rng.choice(self.tiers)
        if item.tier == Tier.COUNTY and all(u == demo.TOWN_GOV for u in topic.units):
            item.tier = Tier.TOWN
        logins = self.logins[town_id]
        item.by_deputy = bool(logins) and rng.random() < 0.55
        # Deputies with a login lead (they rate the reply); the presidium's own items have none.
        lead = rng.choice(logins) if logins and rng.random() < 0.85 else None
        if lead is None and logins and rng.random() < 0.5:
            lead = rng.choice(list(d.deputy_users))  # a deputy of another town may lead too
        item.lead_deputy = lead
        item.staff = d.town_staff[town_id] if item.tier != Tier.COUNTY else d.county_staff
        item.actor = d.deputy_users[lead] if item.by_deputy and lead is not None else d.town_staff[town_id]
        item.category = topic.category
        clock = Clock(rng, item.created)
        # The clues first: recorded in the days before, by deputies of the town.
        clue_rows = []
        t0 = item.created - rng.randint(1, 19) * 1440
        for _j in range(item.clues):
            recorder = rng.choice(d.deputies[town_id])
            t0 += rng.randint(0, 1440)
            clue_rows.append(
                self.clue(
                    min(t0, item.created - 30),
                    town_id,
                    town_name,
                    village_id,
                    village_name,
                    topic,
                    vi,
                    ctx,
                    recorder,
                )
            )
        item.raised_names = {
            name
            for _id, row, _c in clue_rows
            for name in privacy.redact_contact_names(row[self.clues.index["raised_by"]])
        }
        item.title = item.variant.st.format(**ctx)[:120]
        opening = rng.choice(demo.SUGGESTION_OPENINGS[item.by_deputy])
        content = opening + item.variant.cb.format(**ctx)
        for _id, row, _c in clue_rows[1:]:
            recorder = d.deputy_names[row[self.clues.index["recorded_by_id"]]]
            content += f"此外，{recorder}代表也收集到类似反映。"
        content += "\n建议：" + item.variant.sp.format(**ctx)
        t = clock.t
        when = b.at(t)
        item.year = when.astimezone(CHINA).year
        others = [x[0] for x in d.deputies[town_id] if x[0] != lead]
        item.co_signers = rng.sample(others, min(len(others), rng.choice((0, 0, 1, 2, 3)))) if lead else []
        sid = self.suggestions.add(
            created_at=when,
            updated_at=when,
            county_id=d.id,
            town_id=town_id,
            title=item.title,
            content=content,
            category=item.category,
            tier=item.tier,
            year=item.year,
            lead_deputy_id=lead,
            state=State.DRAFT,
            state_entered_at=when,
            created_by_id=item.actor.id,
        )
        item.id = sid
        row = self.suggestions.rows[-1]
        item.fields = row
        request_id = b.request_id()
        b.log_create(Suggestion, self.suggestions, sid, when, actor=item.actor, request_id=request_id)
        if item.co_signers:
            through = b.table(Suggestion.co_signers.through)
            for dep in item.co_signers:
                through.add(suggestion_id=sid, deputy_id=dep)
            b.log(
                Suggestion,
                sid,
                item.title,
                ChangeAction.UPDATE,
                {"co_signers": {"added": sorted(item.co_signers)}},
                when,
                item.actor,
                request_id,
            )
        for clue_id, clue_row, _c in clue_rows:
            self.close_clue(
                clue_row,
                clue_id,
                when,
                ClueState.MERGED,
                _("Merged into suggestion {id}.").format(id=sid),
                item.actor,
                request_id,
                sid,
            )
        self.events.add(
            suggestion_id=sid,
            step=Step.CREATE,
            actor_id=item.actor.id,
            actor_name=item.actor.full_name,
            to_state=State.DRAFT,
            data={"clues": [c[0] for c in clue_rows]},
            created_at=when,
        )
        b.document(when, "suggestion", sid, town_id, item.year, item.title, content)
        History(self, item, clock).run()
        if item.plan == "loop" and item.fields[self.suggestions.index["state"]] not in (State.DRAFT,):
            self.live_by_town.setdefault(town_id, []).append(item)


class StopHistory(Exception):
    """The next step would happen after now: the item stays where it is."""


class History:
    """Replays one suggestion's plan through the steps, as the services write them."""

    def __init__(self, loop: CountyLoop, item: Item, clock: Clock):
        self.loop = loop
        self.b = loop.b
        self.rng = loop.rng
        self.item = item
        self.clock = clock
        self.t = loop.suggestions
        self.ix = loop.suggestions.index
        self.row = item.fields
        self.units: dict[int, int] = {}  # unit id → assignment id (live)
        self.lead_assignment = None
        self.round = 1

    # --- the time and the write of one step ---------------------------------------------------

    def when(self, lo, hi, *, office=True) -> int:
        t = self.clock.days(lo, hi, office=office)
        if t >= self.b.now_m:
            raise StopHistory
        return t

    def get(self, name):
        return self.row[self.ix[name]]

    def plain(self, name, value):
        if value is None or (type(value) in PLAIN and name not in ("lead_unit", "merged_into")):
            return value
        if name == "lead_unit":
            return self.loop.d.unit_names[value]
        if name == "merged_into":
            return self.item.merged_into_title
        return _plain(value)

    def move(
        self, step, actor: Actor | None, to_state, minute, *, note="", data=None, request_id=None, **fields
    ):
        """``services.base._move``: fields and state, the event, the change-log row."""
        b, row, ix = self.b, self.row, self.ix
        now = b.at(minute)
        from_state, entered = row[ix["state"]], row[ix["state_entered_at"]]
        updates = dict(fields)
        if to_state is not None and to_state != from_state:
            updates.update(state=to_state, state_entered_at=now)
        changes = {}
        for key, value in updates.items():
            attname = f"{key}_id" if key in ("lead_unit", "merged_into") else key
            before = row[ix[attname]]
            if before != value:
                changes[key] = [self.plain(key, before), self.plain(key, value)]
            row[ix[attname]] = value
        row[ix["updated_at"]] = now
        self.loop.event_row(
            self.item.id,
            step,
            actor.id if actor else None,
            actor.full_name if actor else b.system,
            from_state,
            row[ix["state"]],
            entered,
            note,
            data or {},
            now,
        )
        b.log(
            Suggestion,
            self.item.id,
            self.item.title,
            ChangeAction.STATE if "state" in changes else ChangeAction.UPDATE,
            changes,
            now,
            actor,
            request_id or b.request_id(),
            note=b.step_labels[step],
        )

    # --- the plan -----------------------------------------------------------------------------

    def run(self) -> None:
        with contextlib.suppress(StopHistory):
            self.steps()

    def steps(self) -> None:
        item, rng, d = self.item, self.rng, self.loop.d
        plan = item.plan
        if plan == "draft":
            return
        self.move(Step.SUBMIT, item.actor, State.SUBMITTED, self.when(0, 2, office=False))
        if plan == "merged":
            self.merge()
            return
        if plan == "withdrawn" and rng.random() < 0.5:
            self.move(
                Step.WITHDRAW,
                item.actor,
                State.WITHDRAWN,
                self.when(1, 20),
                note=rng.choice(demo.WITHDRAW_REASONS),
            )
            return
        if plan == "transferred":
            self.transfer()
            return
        staff = item.staff
        if rng.random() < 0.04:  # misrouted first: the wrong unit returns it
            wrong = self.pick_units(wrong=True)
            if wrong is not None:
                self.assign(wrong, [])
                self.give_back(wrong)
        lead = self.pick_units()
        co = self.co_units(lead)
        self.assign(lead, co)
        if plan == "withdrawn":
            self.move(
                Step.WITHDRAW, staff, State.WITHDRAWN, self.when(0, 2), note=rng.choice(demo.WITHDRAW_REASONS)
            )
            self.withdraw_assignments()
            return
        ack_late = rng.random() < 0.08
        if ack_late:
            t = self.when(DEFAULT_ACKNOWLEDGE_DAYS + 2, DEFAULT_ACKNOWLEDGE_DAYS + 5)
            self.move(
                Step.URGE,
                d.county_staff,
                None,
                t,
                note=rng.choice(demo.URGE_ACKNOWLEDGE),
                data={"key": False},
            )
        self.acknowledge(lead, 0, 2)
        for unit in co:
            self.acknowledge(unit, 0, 2)
            if rng.random() < 0.8:
                self.co_opinion(unit)
        self.handle(lead)

    def pick_units(self, wrong=False):
        topic, d = self.item.topic, self.loop.d
        town_gov = d.town_gov[self.item.town_id][0]
        if wrong:
            names = [n for n in topic.wrong if n != demo.TOWN_GOV]
            ids = [d.departments[n] for n in names if n in d.departments]
            return self.rng.choice(ids) if ids else None
        if self.item.tier in (Tier.TOWN, Tier.VILLAGE):
            return town_gov
        names = [n for n in topic.units if n != demo.TOWN_GOV and n in d.departments]
        return d.departments[self.rng.choice(names)] if names else town_gov

    def co_units(self, lead) -> list[int]:
        roll = self.rng.random()
        n = 0 if roll < 0.55 else 1 if roll < 0.9 else 2
        d = self.loop.d
        pool = []
        for name in self.item.topic.co:
            uid = d.town_gov[self.item.town_id][0] if name == demo.TOWN_GOV else d.departments.get(name)
            if uid and uid != lead and uid not in pool:
                pool.append(uid)
        return self.rng.sample(pool, min(n, len(pool)))

    def deadline_day(self, lead, start_day) -> int:
        town_level = self.item.tier in (Tier.VILLAGE, Tier.TOWN) or lead in {
            u for u, _n in self.loop.d.town_gov.values()
        }
        if town_level:
            return add_working_days(start_day, DEFAULT_TOWN_DAYS)
        return start_day + 91  # three months

    def assign(self, lead, co) -> None:
        item, rng, b = self.item, self.rng, self.b
        t = self.when(1, 6)
        now = b.at(t)
        day = t // 1440
        reply_by = b.day_end(self.deadline_day(lead, day))
        ack_by = b.day_end(add_working_days(day, DEFAULT_ACKNOWLEDGE_DAYS))
        opinion_by = min(reply_by, b.day_end(add_working_days(day, CO_OPINION_WORKING_DAYS)))
        request_id = b.request_id()
        self.move(
            Step.ASSIGN,
            item.staff,
            State.ASSIGNED,
            t,
            note=rng.choice(demo.ASSIGN_NOTES),
            data={"lead_unit": lead, "co_units": list(co)},
            request_id=request_id,
            lead_unit=lead,
            assigned_at=now,
            deadline=reply_by,
            original_deadline=self.get("original_deadline") or reply_by,
        )
        table = self.loop.assignments
        self.units = {}
        for unit, role in [(lead, UnitRole.LEAD)] + [(u, UnitRole.CO) for u in co]:
            aid = table.add(
                created_at=now,
                updated_at=now,
                suggestion_id=item.id,
                unit_id=unit,
                role=role,
                acknowledge_by=ack_by,
                opinion_by=opinion_by if role == UnitRole.CO else None,
            )
            self.units[unit] = table.rows[-1]
            b.log_create(
                Assignment,
                table,
                aid,
                now,
                actor=item.staff,
                request_id=request_id,
                repr_=f"{item.title} · {self.loop.d.unit_names[unit]} · {UnitRole(role).label}",
            )

    def set_assignment(self, unit, when, **values):
        row = self.units[unit]
        ix = self.loop.assignments.index
        for key, value in values.items():
            row[ix[key]] = value
        row[ix["updated_at"]] = when

    def give_back(self, wrong) -> None:
        """The lead unit's return within the window: every live assignment ends."""
        d = self.loop.d
        # Within the return window (RETURN_WINDOW_WORKING_DAYS) of the assignment.
        t = self.when(0, RETURN_WINDOW_WORKING_DAYS // 2)
        now = self.b.at(t)
        right = d.unit_names[self.pick_units()]
        reason = demo.RETURN_REASON.format(right=right)
        for unit in list(self.units):
            self.set_assignment(
                unit, now, state=AssignmentState.RETURNED, return_reason=reason, returned_at=now
            )
        self.move(
            Step.RETURN,
            d.unit_staff[wrong],
            State.SUBMITTED,
            t,
            note=reason,
            data={"unit": wrong, "role": UnitRole.LEAD},
            lead_unit=None,
            deadline=None,
            original_deadline=None,
            assigned_at=None,
        )
        self.units = {}

    def withdraw_assignments(self) -> None:
        now = self.get("updated_at")
        ix = self.loop.assignments.index
        for unit, row in self.units.items():
            if row[ix["state"]] == AssignmentState.PENDING:
                self.set_assignment(
                    unit,
                    row[ix["updated_at"]],
                    state=AssignmentState.RETURNED,
                    return_reason=self.loop.withdrawn_reason,
                    returned_at=now,
                )

    def acknowledge(self, unit, lo, hi) -> None:
        t = self.when(lo, hi)
        now = self.b.at(t)
        row = self.units[unit]
        ix = self.loop.assignments.index
        self.set_assignment(unit, now, state=AssignmentState.ACKNOWLEDGED, acknowledged_at=now)
        role = row[ix["role"]]
        self.move(
            Step.ACKNOWLEDGE,
            self.loop.d.unit_staff[unit],
            State.HANDLING if role == UnitRole.LEAD else None,
            t,
            data={"unit": unit, "role": role, "late": now > row[ix["acknowledge_by"]]},
        )

    def co_opinion(self, unit) -> None:
        t = self.when(1, 9)
        now = self.b.at(t)
        row = self.units[unit]
        ix = self.loop.assignments.index
        text = self.rng.choice(demo.CO_OPINIONS)
        row[ix["opinion"]], row[ix["opinion_at"]], row[ix["updated_at"]] = text, now, now
        late = bool(row[ix["opinion_by"]] and now > row[ix["opinion_by"]])
        self.move(
            Step.CO_OPINION,
            self.loop.d.unit_staff[unit],
            None,
            t,
            note=text,
            data={"unit": unit, "late": late},
        )

    def handle(self, lead) -> None:
        """From acknowledgement to the end: progress, extension, reply, rating, conclusion,
        implementation on the ground and look-back; a second round when the deputy is not
        satisfied."""
        item, rng, d, b = self.item, self.rng, self.loop.d, self.b
        unit_actor = d.unit_staff[lead]
        deadline_day = self.get("deadline").astimezone(CHINA).date()
        due = (deadline_day - b.base_day).days
        for _p in range(rng.choice((0, 1, 1, 2))):
            span = max(1, (due - self.clock.t // 1440) // 2)
            self.move(
                Step.PROGRESS,
                unit_actor,
                None,
                self.when(1, span),
                note=rng.choice(item.topic.progress).format(**item.ctx),
            )
        if rng.random() < 0.08:
            self.extension(lead, unit_actor)
            due = (self.get("deadline").astimezone(CHINA).date() - b.base_day).days
        late = rng.random() < 0.12
        # A unit that lets it lie: urged, and still overdue months later.
        stuck = rng.random() < 0.04
        left = due - self.clock.t // 1440
        if late or stuck:
            urge_day = due + rng.randint(1, 10)
            if urge_day * 1440 >= b.now_m:
                raise StopHistory
            self.clock.t = max(self.clock.t, urge_day * 1440)
            self.move(
                Step.URGE,
                d.county_staff,
                None,
                self.when(0, 1),
                note=rng.choice(demo.URGE_HANDLING),
                data={"key": False},
            )
            t = self.when(90, 400) if stuck else self.when(1, 25)
        else:
            t = self.when(max(0, left // 3), max(0, left))
        category = rng.choice(self.loop.classes)
        self.reply(lead, unit_actor, category, t)
        if self.rate(category) == "again":
            self.move(
                Step.PROGRESS,
                unit_actor,
                None,
                self.when(3, 15),
                note=rng.choice(item.topic.progress).format(**item.ctx),
            )
            self.reply(lead, unit_actor, rng.choice(("A", "B")), self.when(5, 30), second=True)
            self.rate(self.get("reply_category"), second=True)
        satisfaction = getattr(self, "satisfaction", Satisfaction.SATISFIED)
        self.move(
            Step.CONCLUDE,
            item.staff,
            State.CONCLUDED,
            self.when(1, 7),
            note=rng.choice(demo.CONCLUDE_NOTES[satisfaction]),
            concluded_at=b.at(self.clock.t),
        )
        if self.get("reply_category") != ReplyCategory.A or rng.random() < 0.15:
            return
        t = self.when(7, 60)
        who = rng.choice(demo.EVIDENCE_WHO).format(
            dep=d.deputy_users[item.lead_deputy].full_name if item.lead_deputy else ""
        )
        seen = item.variant.ev.format(**item.ctx)
        tail = rng.choice(demo.EVIDENCE_TAILS).format(**item.ctx)
        evidence = (
            f"{demo.cn_date(b.at(t).astimezone(CHINA))}，{who}到{item.ctx['v']}现场察看：{seen}。{tail}"
        )
        self.move(
            Step.VERIFY_IMPLEMENTED, item.staff, State.IMPLEMENTED, t, note=evidence, implemented_at=b.at(t)
        )
        if rng.random() < 0.25:
            t = self.when(30, 150)
            text = rng.choice(item.topic.lookback + demo.LOOKBACK_GENERIC).format(**item.ctx)
            self.move(
                Step.LOOK_BACK,
                item.staff,
                None,
                t,
                note=f"{demo.cn_date(b.at(t).astimezone(CHINA))}回头看：{text}",
            )

    def extension(self, lead, unit_actor) -> None:
        rng, b, item = self.rng, self.b, self.item
        t = self.when(1, 10)
        now = b.at(t)
        current = self.get("deadline").astimezone(CHINA).date()
        until = current + dt.timedelta(days=rng.randint(15, 60))
        reason = rng.choice(demo.EXTENSION_REASONS)
        table = b.table(Extension)
        request_id = b.request_id()
        eid = table.add(
            created_at=now, updated_at=now, suggestion_id=item.id, unit_id=lead, until=until, reason=reason
        )
        ext_row = table.rows[-1]
        b.log_create(
            Extension,
            table,
            eid,
            now,
            actor=unit_actor,
            request_id=request_id,
            repr_=f"{item.title} · {until}",
        )
        self.move(
            Step.REQUEST_EXTENSION,
            unit_actor,
            None,
            t,
            note=reason,
            data={"until": until.isoformat(), "extension": eid},
            request_id=request_id,
        )
        t = self.when(1, 4)  # a pending request stays pending if now comes first
        now = b.at(t)
        approve = rng.random() < 0.8
        ix = table.index
        ext_row[ix["state"]] = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
        ext_row[ix["decided_by_id"]], ext_row[ix["decided_at"]], ext_row[ix["updated_at"]] = (
            item.staff.id,
            now,
            now,
        )
        fields = {"deadline": workdays.deadline_at(until)} if approve else {}
        self.move(
            Step.DECIDE_EXTENSION,
            item.staff,
            None,
            t,
            note=rng.choice(demo.EXTENSION_DECISIONS[approve]),
            data={"approve": approve, "until": until.isoformat()},
            **fields,
        )

    def reply(self, lead, unit_actor, category, t, *, second=False) -> None:
        item, rng, b, d = self.item, self.rng, self.b, self.loop.d
        now = b.at(t)
        unit_name = d.unit_names[lead]
        me = (
            "我镇"
            if lead in {u for u, _n in d.town_gov.values()}
            else "我局"
            if unit_name.endswith("局")
            else "我单位"
        )
        v = item.variant
        body = {"A": v.a, "B": v.b, "C": v.c}.get(category) or rng.choice(demo.D_TEXTS)
        body = body.format(**item.ctx)
        if second:
            head = f"针对您对第一次答复提出的意见，{me}再次组织人员到现场核实，现将办理情况报告如下："
        else:
            lead_in = rng.choice(demo.LEAD_INS)
            head = f"您提出的《{item.title}》收悉。{me}高度重视，{lead_in}。现将办理情况答复如下："
        if item.raised_names and rng.random() < 0.5:
            head += f"我们已与反映人{rng.choice(sorted(item.raised_names))}当面沟通。"
        closing = demo.CLOSINGS[category].format(field=demo.FIELDS[item.topic.category])
        addressee = (
            d.deputy_users[item.lead_deputy].full_name + "代表"
            if item.lead_deputy
            else f"{item.ctx['town']}人大主席团"
        )
        signed = demo.cn_full_date(now.astimezone(CHINA))
        text = f"{addressee}：\n　　{head}{body}。\n　　{closing}\n{unit_name}\n{signed}"
        public = privacy.redact(text, names=item.raised_names)
        table = b.table(Reply)
        request_id = b.request_id()
        rid = table.add(
            created_at=now,
            updated_at=now,
            suggestion_id=item.id,
            unit_id=lead,
            round=self.round,
            category=category,
            text=text,
            public_text=public,
            created_by_id=unit_actor.id,
        )
        b.log_create(
            Reply,
            table,
            rid,
            now,
            actor=unit_actor,
            request_id=request_id,
            repr_=f"{item.title} · {category}",
        )
        self.move(
            Step.REPLY,
            unit_actor,
            State.REPLIED,
            t,
            note=text,
            request_id=request_id,
            data={"category": category, "reply": rid, "follow_up": False},
            reply_category=category,
        )
        b.document(now, "reply", rid, item.town_id, item.year, "", text)

    def rate(self, category, *, second=False) -> str:
        """The leading deputy's rating; "again" when the first round is unsatisfactory."""
        item, rng, b = self.item, self.rng, self.b
        if item.lead_deputy is None:
            return "none"  # the presidium concludes it without a rating
        actor = self.loop.d.deputy_users[item.lead_deputy]
        t = self.when(1, 12, office=False)
        now = b.at(t)
        S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED
        unsat = rng.random() < (0.05 if not second else 0.2)
        if unsat:
            attitude, result = rng.choice((B, U)), U
        else:
            options = {
                "A": [(S, S)] * 6 + [(S, B), (B, B)],
                "B": [(S, B), (B, B), (S, S)],
                "C": [(B, B), (S, B), (B, B)],
                "D": [(B, B)],
            }[category]
            attitude, result = rng.choice(options)
        comments = demo.RATING_COMMENTS.get(result if result == U else (result, category), ())
        comment = rng.choice(comments) if comments and rng.random() < 0.75 else ""
        table = b.table(Rating)
        request_id = b.request_id()
        pk = table.add(
            created_at=now,
            updated_at=now,
            suggestion_id=item.id,
            deputy_id=item.lead_deputy,
            round=self.round,
            attitude=attitude,
            result=result,
            comment=comment,
        )
        b.log_create(
            Rating,
            table,
            pk,
            now,
            actor=actor,
            request_id=request_id,
            repr_=f"{item.title} · {actor.full_name} · {result}",
        )
        data = {"attitude": attitude, "result": result, "round": self.round, "lead": True}
        self.satisfaction = result
        if result != U:
            self.move(Step.RATE, actor, State.RATED, t, note=comment, data=data, request_id=request_id)
            return "rated"
        if self.round == 1:
            self.round = 2
            self.move(
                Step.RATE, actor, State.HANDLING, t, note=comment, data=data, request_id=request_id, round=2
            )
            return "again"
        self.move(
            Step.RATE,
            actor,
            State.RATED,
            t,
            note=comment,
            data={**data, "key": True},
            request_id=request_id,
            key_supervision=True,
        )
        return "rated"

    def merge(self) -> None:
        item = self.item
        t = self.when(1, 10)
        candidates = [
            x
            for x in self.loop.live_by_town.get(item.town_id, [])
            if x.fields[self.ix["created_at"]] < self.b.at(t)
        ]
        if not candidates:
            item.plan = "loop"  # nothing to merge into: it is handled on its own
            return
        into = candidates[-1]
        item.merged_into_title = into.title
        self.move(Step.MERGE, item.staff, State.MERGED, t, data={"into": into.id}, merged_into=into.id)

    def transfer(self) -> None:
        item, rng, d = self.item, self.rng, self.loop.d
        to = rng.choice(item.topic.transfer_to or ("市级主管部门", "省级主管部门"))
        self.move(
            Step.TRANSFER,
            d.county_staff,
            State.TRANSFERRED,
            self.when(1, 6),
            note=demo.TRANSFER_REASONS.format(to=to),
            data={"to": to},
            transferred_to=to,
        )
        item.staff = d.county_staff
        for _p in range(rng.choice((1, 2))):
            text = rng.choice(demo.TRANSFER_PROGRESS).format(to=to, **item.ctx)
            self.move(Step.PROGRESS, d.county_staff, None, self.when(10, 60), note=text)
        if rng.random() < 0.6:
            self.move(
                Step.CONCLUDE,
                d.county_staff,
                State.CONCLUDED,
                self.when(10, 60),
                concluded_at=self.b.at(self.clock.t),
            )
