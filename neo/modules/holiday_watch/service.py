"""The holiday watch on the tablet: homes, visits, rounds and access details (no Qt).

:class:`WatchService` is what the page uses (one per module context:
``neo.modules.holiday_watch.module.service_for(ctx)``). Every method may be called from
any thread; the slow ones (loading the road graph, planning a round, asking HQ for
access details, fetching the basemap) must not be called on the UI thread.

* **Homes** are the registrations HQ sends (``holiday_watch.registrations``, read-only
  here) that are under watch: started, and not past their end date plus the grace
  period (``grace_days``, as HQ's ``NEO_HQ_WATCH_GRACE_DAYS``; a home past it is hidden
  even before HQ's tombstone arrives). For each: the last visit (from the visits of the
  whole unit the tablet holds), hours since, *due* or *overdue* from its visit policy
  (the same days as the planner: due on the ``g``-th day after the last visit, overdue
  after), and the distance from the patrol.
* **Visits** (``holiday_watch.visits``, append-only): :meth:`WatchService.begin_visit`
  takes the time and the position at the tap (distance to the home, a warning past
  ``visit_distance_warning_m``, recorded, never blocking); :meth:`WatchService.save_visit`
  writes the visit with its checklist, outcome, note, photos and notice. An anomaly is
  written with priority: the next sync pushes it before anything else.
* **Rounds** (``holiday_watch.rounds``): :meth:`WatchService.plan_round` plans, from the
  patrol's position, over the homes due (and some drawn early: "regular but
  unpredictable", :mod:`.routing.variation`) on the road graph of the basemap package.
* **Access details**: :meth:`WatchService.reveal_access` asks HQ with a reason (HQ logs
  it) and keeps the home's key in the encrypted database until the watch's end, so a
  later reveal works offline; every reveal is audited on the device.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import math
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from neo.api import HqRefused, HqUnavailable, ModuleContext, Position, ReplicaError
from neo.modules.holiday_watch import basemap_store
from neo.modules.holiday_watch import store as sql
from neo.modules.holiday_watch.routing import (
    Constraints,
    RoadGraph,
    RoutingError,
    VisitPolicy,
    WatchedHome,
    haversine_m,
    plan_day,
)

log = logging.getLogger(__name__)

REGISTRATIONS = "holiday_watch.registrations"
VISITS = "holiday_watch.visits"
ROUNDS = "holiday_watch.rounds"
LOCAL_TZ = ZoneInfo("Europe/Paris")

# Settings of the module's section (ctx.settings), with their defaults.
SETTINGS_DEFAULTS: dict[str, float] = {
    "grace_days": 2,                   # an ended watch stays this many days (as HQ's grace period)
    "visit_distance_warning_m": 150,   # a visit logged farther than this from the home is flagged
    "proximity_m": 100,                # "as we approach": the last visit shows within this distance
    "round_hours": 3,                  # a round must fit in this many hours
    "visit_minutes": 5,                # time planned at each home
}

CHECK_ITEMS: tuple[tuple[str, str], ...] = (
    ("doors", "Portes"),
    ("windows_shutters", "Fenêtres et volets"),
    ("letterbox", "Boîte aux lettres"),
    ("garden", "Jardin"),
    ("vehicles", "Véhicules"),
)
CHECK_KEYS: tuple[str, ...] = tuple(k for k, _ in CHECK_ITEMS)
CHECK_STATES: tuple[str, ...] = ("ok", "anomaly", "na")
MAX_NOTE = 2000
MAX_PHOTOS = 20
MAX_PHOTO_BYTES = 15 * 1024 * 1024
MIN_REASON, MAX_REASON = 3, 200
ACCESS_PREFIX = "v1:"
_ACCESS_AAD = b"neo.holiday_watch.access:"

Due = Literal["", "due", "overdue"]
SortKey = Literal["distance", "since_last"]


class WatchError(Exception):
    """Something the officer must be told (``message`` is French, already translated with
    ``ctx.tr``); ``code`` says what: ``no_position``, ``no_basemap``, ``no_road_graph``,
    ``nothing_due``, ``unknown_home``, ``invalid``, ``offline``, ``refused``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# -- values ---------------------------------------------------------------------------------------


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def max_gap_days(policy: Mapping[str, Any] | None) -> int:
    """The most days allowed between two visits of a home (HQ's default: 3 visits a week)."""
    policy = policy or {}
    every = policy.get("every_n_days")
    if isinstance(every, int) and every >= 1:
        return every
    per_week = policy.get("min_visits_per_week")
    if not isinstance(per_week, int) or per_week < 1:
        per_week = 3
    return max(1, 7 // per_week)


@dataclass(frozen=True)
class Home:
    """A home under watch, as the map, the list and the card show it."""

    id: str
    payload: dict[str, Any]
    lat: float
    lon: float
    address: str
    postcode: str
    city: str
    citizen: str
    start_date: date
    end_date: date
    gap_days: int
    last_visit: datetime | None = None
    last_outcome: str | None = None
    visit_count: int = 0
    hours_since: float | None = None
    due: Due = ""
    distance_m: float | None = None
    ended: bool = False

    @property
    def label(self) -> str:
        return f"{self.address}, {self.city}" if self.city else self.address


@dataclass(frozen=True)
class Visit:
    id: str
    registration_id: str
    officer: str
    at: datetime
    outcome: str
    checklist: dict[str, str]
    note: str
    photos: tuple[str, ...]
    notice_left: bool
    distance_m: float | None
    distance_warning: bool
    state: str | None = None


@dataclass(frozen=True)
class VisitDraft:
    """A visit begun by a tap: the time and the position are those of the tap."""

    registration_id: str
    at: datetime
    position: dict[str, float] | None
    distance_m: float | None
    distance_warning: bool
    threshold_m: float
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class PlannedRound:
    id: str
    stops: tuple[str, ...]
    path: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    length_m: float
    duration_s: float
    solver: str
    planned_at: datetime
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessReveal:
    registration_id: str
    access: str | None
    valid_until: str
    source: Literal["hq", "device"]


# -- the service ------------------------------------------------------------------------------------


class WatchService:
    def __init__(self, ctx: ModuleContext, *, clock: Callable[[], datetime] | None = None) -> None:
        self.ctx = ctx
        self._clock = clock or (lambda: datetime.now(UTC))
        self._graph_lock = threading.Lock()
        self._graph: tuple[Path, RoadGraph] | None = None
        self._basemap_lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []
        self._listeners_lock = threading.Lock()

    # -- change listeners ----------------------------------------------------------------------
    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """``listener(what)`` after a change the page should show: ``"visit"`` (one was
        logged), ``"round"``, ``"synced"`` (HQ was reached: new homes or visits may have
        arrived), ``"basemap"``. Called on the thread that made the change."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, what: str) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(what)
            except Exception:
                log.exception("a holiday watch listener failed")

    # -- settings ----------------------------------------------------------------------------
    def setting(self, key: str) -> float:
        value = self.ctx.settings.get(key, SETTINGS_DEFAULTS[key])
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if number < 0 or not math.isfinite(number) or (number == 0 and key != "grace_days"):
            self.ctx.log.warning("setting %s=%r is not valid: %s used", key, value, SETTINGS_DEFAULTS[key])
            return float(SETTINGS_DEFAULTS[key])
        return number

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self.now().astimezone(LOCAL_TZ).date()

    @property
    def officer(self) -> str:
        return self.ctx.officer.service_number

    def position(self) -> Position | None:
        return self.ctx.position.current()

    def _tr(self, text: str, **kw: Any) -> str:
        return self.ctx.tr(text, **kw)

    # -- homes ---------------------------------------------------------------------------------
    def _visits_by_home(self) -> dict[str, list[Visit]]:
        out: dict[str, list[Visit]] = {}
        for rec in self.ctx.sync.collection(VISITS).list():
            visit = _visit(rec.payload, rec.state)
            if visit is not None:
                out.setdefault(visit.registration_id, []).append(visit)
        for visits in out.values():
            visits.sort(key=lambda v: v.at, reverse=True)
        return out

    def homes(self, *, sort: SortKey = "distance", position: Position | None = None,
              include_ended: bool = True) -> list[Home]:
        """The homes under watch, with their last visit, due state and distance.

        ``sort``: ``"distance"`` (nearest first; without a position, by address) or
        ``"since_last"`` (never visited first, then the longest since the last visit).
        """
        now = self.now()
        today = now.astimezone(LOCAL_TZ).date()
        grace = timedelta(days=int(self.setting("grace_days")))
        position = position if position is not None else self.position()
        visits = self._visits_by_home()
        homes: list[Home] = []
        for rec in self.ctx.sync.collection(REGISTRATIONS).list():
            home = self._home(rec.record_id, rec.payload, visits.get(rec.record_id, []), now, today, grace, position)
            if home is not None and (include_ended or not home.ended):
                homes.append(home)
        return sort_homes(homes, sort)

    def _home(self, rid: str, payload: dict[str, Any] | None, visits: Sequence[Visit], now: datetime, today: date,
              grace: timedelta, position: Position | None) -> Home | None:
        if not isinstance(payload, dict):
            return None
        try:
            pos = payload["position"]
            lat, lon = float(pos["lat"]), float(pos["lon"])
            start, end = _parse_date(payload.get("start_date")), _parse_date(payload.get("end_date"))
            if start is None or end is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError("dates or position")
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("registration %s is unreadable and not shown: %s", rid, exc)
            return None
        if today < start or today > end + grace:
            return None
        address = payload.get("address") or {}
        citizen = payload.get("citizen") or {}
        gap = max_gap_days(payload.get("visit_policy"))
        last = visits[0] if visits else None
        hours = (now - last.at).total_seconds() / 3600 if last is not None else None
        ended = today > end
        due: Due = "" if ended else due_state(last.at if last else None, start, gap, today)
        distance = haversine_m(position.lat, position.lon, lat, lon) if position is not None else None
        return Home(
            id=rid, payload=payload, lat=lat, lon=lon, address=str(address.get("line") or ""),
            postcode=str(address.get("postcode") or ""), city=str(address.get("city") or ""),
            citizen=str(citizen.get("name") or ""), start_date=start, end_date=end, gap_days=gap,
            last_visit=last.at if last else None, last_outcome=last.outcome if last else None,
            visit_count=len(visits), hours_since=None if hours is None else max(0.0, hours), due=due,
            distance_m=distance, ended=ended,
        )

    def home(self, registration_id: str) -> Home | None:
        for h in self.homes(sort="since_last"):
            if h.id == registration_id:
                return h
        return None

    def visits(self, registration_id: str, limit: int | None = None) -> list[Visit]:
        """The visits of a home the tablet holds (this device's and the unit's), newest first."""
        found = self._visits_by_home().get(registration_id, [])
        return found[:limit] if limit is not None else found

    def nearby(self, position: Position | None = None, within_m: float | None = None) -> list[Home]:
        """Homes within ``within_m`` (default ``proximity_m``) of the patrol, nearest first."""
        position = position if position is not None else self.position()
        if position is None:
            return []
        radius = self.setting("proximity_m") if within_m is None else within_m
        return [h for h in self.homes(sort="distance", position=position, include_ended=False)
                if h.distance_m is not None and h.distance_m <= radius]

    # -- visits ---------------------------------------------------------------------------------
    def begin_visit(self, registration_id: str, position: Position | None = None) -> VisitDraft:
        """The tap on "Passage": the time and the patrol's position now."""
        home = self.home(registration_id)
        if home is None:
            raise WatchError(self._tr("Ce domicile n'est plus sous surveillance."), "unknown_home")
        position = position if position is not None else self.position()
        threshold = self.setting("visit_distance_warning_m")
        pos: dict[str, float] | None = None
        distance: float | None = None
        if position is not None:
            pos = {"lat": position.lat, "lon": position.lon}
            if position.accuracy is not None:
                pos["accuracy"] = float(position.accuracy)
            distance = round(haversine_m(position.lat, position.lon, home.lat, home.lon), 1)
        return VisitDraft(registration_id, self.now(), pos, distance,
                          distance is not None and distance > threshold, threshold)

    def save_visit(self, draft: VisitDraft, *, checklist: Mapping[str, str], anomaly: bool = False, note: str = "",
                   photos: Sequence[tuple[bytes, str]] = (), notice_left: bool = False) -> Visit:
        """Write the visit (offline; it leaves with the next sync). ``photos``: (bytes,
        media type). The outcome is ``anomaly`` when ``anomaly`` is set or any item of the
        checklist is; an anomaly goes to HQ before anything else."""
        missing = [k for k in CHECK_KEYS if k not in checklist]
        bad = [k for k, v in checklist.items() if k not in CHECK_KEYS or v not in CHECK_STATES]
        if missing or bad:
            raise WatchError(self._tr("Liste de contrôle incomplète ou invalide : {items}",
                                      items=", ".join(missing + bad)), "invalid")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise WatchError(self._tr("La note dépasse {n} caractères.", n=MAX_NOTE), "invalid")
        if any(ch < " " and ch not in "\n\t" for ch in note):
            raise WatchError(self._tr("La note contient des caractères de contrôle."), "invalid")
        if len(photos) > MAX_PHOTOS:
            raise WatchError(self._tr("Au plus {n} photos par passage.", n=MAX_PHOTOS), "invalid")
        for data, media_type in photos:
            if not data or len(data) > MAX_PHOTO_BYTES or not media_type.startswith("image/"):
                raise WatchError(self._tr("Photo refusée (image de 15 Mo au plus)."), "invalid")
        outcome = "anomaly" if anomaly or "anomaly" in checklist.values() else "all_clear"
        visits = self.ctx.sync.collection(VISITS)
        names = [visits.attach(data, media_type) for data, media_type in photos]
        payload: dict[str, Any] = {
            "id": draft.id, "registration_id": draft.registration_id, "officer": self.officer,
            "at": draft.at.astimezone(UTC).isoformat(timespec="seconds"), "position": draft.position,
            "distance_m": draft.distance_m, "distance_warning": draft.distance_warning,
            "checklist": {k: checklist[k] for k in CHECK_KEYS}, "outcome": outcome, "note": note,
            "photos": names, "notice_left": bool(notice_left),
        }
        try:
            visits.put(draft.id, payload, priority=outcome == "anomaly")
        except ReplicaError as exc:
            raise WatchError(exc.message, "invalid") from exc
        self.ctx.audit.log("visit.logged", details={
            "visit_id": draft.id, "registration_id": draft.registration_id, "outcome": outcome,
            "distance_m": draft.distance_m, "distance_warning": draft.distance_warning, "photos": len(names)})
        visit = _visit(payload, visits.state(draft.id))
        assert visit is not None
        self._notify("visit")
        return visit

    # -- the road graph and rounds ----------------------------------------------------------------
    def basemap_path(self) -> Path | None:
        return basemap_store.basemap_path(self.ctx)

    def ensure_basemap(self, progress: Callable[[int, int], None] | None = None) -> Path | None:
        """Fetch HQ's basemap when the tablet lacks it (blocks; raises ``HqUnavailable``)."""
        with self._basemap_lock:
            before = basemap_store.basemap_path(self.ctx)
            installed = basemap_store.ensure_basemap(self.ctx, progress)
        path = installed.path if installed is not None else None
        if path != before:
            self._notify("basemap")
        return path

    def road_graph(self) -> RoadGraph:
        path = self.basemap_path()
        if path is None:
            raise WatchError(self._tr("Fond de carte absent : il se télécharge dès que le QG est joignable."),
                             "no_basemap")
        with self._graph_lock:
            if self._graph is None or self._graph[0] != path:
                try:
                    self._graph = (path, RoadGraph.from_package(path))
                except RoutingError as exc:
                    raise WatchError(self._tr("Le fond de carte ne contient pas de réseau routier ({why}).",
                                              why=str(exc)), "no_road_graph") from exc
            return self._graph[1]

    def _round_secret(self) -> bytes:
        raw = self.ctx.settings.get("round_secret")
        try:
            secret = base64.b64decode(raw) if isinstance(raw, str) else b""
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) < 16:
            secret = secrets.token_bytes(32)
            self.ctx.settings.set("round_secret", base64.b64encode(secret).decode("ascii"))
        return secret

    def plan_round(self, position: Position | None = None) -> PlannedRound:
        """Plan a round from the patrol's position over the homes due (and some drawn
        early), on the roads; save it (``holiday_watch.rounds``) and return it."""
        position = position if position is not None else self.position()
        if position is None:
            raise WatchError(self._tr("Position inconnue : attendez le signal GPS pour planifier la ronde."),
                             "no_position")
        graph = self.road_graph()
        now = self.now()
        today = now.astimezone(LOCAL_TZ).date()
        homes = [h for h in self.homes(sort="since_last", position=position) if not h.ended]
        if not homes:
            raise WatchError(self._tr("Aucun domicile sous surveillance."), "nothing_due")
        watched = [WatchedHome(h.id, VisitPolicy(every_n_days=h.gap_days),
                               h.last_visit.astimezone(LOCAL_TZ).date() if h.last_visit else None,
                               h.start_date, h.end_date) for h in homes]
        try:
            snaps = [graph.snap(position.lat, position.lon)] + [graph.snap(h.lat, h.lon) for h in homes]
            matrix = graph.matrix(["start", *[h.id for h in homes]], snaps)
            shift_end = now + timedelta(hours=self.setting("round_hours"))
            unit = self.ctx.officer.unit or "unit"
            chosen = plan_day(day=today, unit=unit, secret=self._round_secret(), start="start", homes=watched,
                              matrix=matrix, shift_start=now, shift_end=shift_end,
                              shift=now.astimezone(LOCAL_TZ).strftime("%H%M"),
                              constraints=Constraints(service_s=self.setting("visit_minutes") * 60))
        except RoutingError as exc:
            raise WatchError(self._tr("La ronde n'a pas pu être calculée : {why}", why=str(exc)), "invalid") from exc
        rnd = chosen.round
        if not rnd.order:
            raise WatchError(self._tr("Aucun domicile à visiter pour l'instant."), "nothing_due")
        snap_of = {pid: s for pid, s in zip(matrix.ids, snaps, strict=True)}
        path: list[tuple[float, float]] = []
        route = rnd.route
        for a, b in itertools.pairwise(route):
            try:
                leg = graph.path(snap_of[a], snap_of[b])
            except RoutingError:
                leg = [(snap_of[a].road_lat, snap_of[a].road_lon), (snap_of[b].road_lat, snap_of[b].road_lon)]
            path.extend(leg if not path else leg[1:])
        planned = PlannedRound(
            id=str(uuid.uuid4()), stops=tuple(str(s) for s in rnd.order),
            path=tuple((round(lat, 6), round(lon, 6)) for lat, lon in path), start=(position.lat, position.lon),
            length_m=round(rnd.length_m, 1), duration_s=round(rnd.duration_s, 1), solver=rnd.solver,
            planned_at=now, dropped=tuple(str(s) for s in rnd.dropped))
        self.ctx.sync.collection(ROUNDS).put(planned.id, _round_payload(planned, self.officer, unit))
        self.ctx.audit.log("round.planned", details={"round_id": planned.id, "stops": len(planned.stops),
                                                     "length_m": planned.length_m, "solver": planned.solver})
        self._notify("round")
        return planned

    def last_round(self) -> PlannedRound | None:
        """The latest round this officer planned today (for the page to draw again)."""
        today = self.today()
        best: PlannedRound | None = None
        for rec in self.ctx.sync.collection(ROUNDS).list():
            p = rec.payload or {}
            if p.get("officer") != self.officer:
                continue
            planned = _round_from(rec.record_id, p)
            if planned is None or planned.planned_at.astimezone(LOCAL_TZ).date() != today:
                continue
            if best is None or planned.planned_at > best.planned_at:
                best = planned
        return best

    # -- access details ----------------------------------------------------------------------------
    def reveal_access(self, registration_id: str, reason: str) -> AccessReveal:
        """The home's access details and codes, for a reason (3 to 200 characters).

        Asks HQ (which logs it) and keeps the home's key until the watch's end; offline,
        opens the sealed details with a key kept earlier. Audited on the device either
        way. :class:`WatchError` ``offline`` when HQ cannot be reached and no key is
        kept, ``refused`` when HQ says no.
        """
        reason = " ".join(reason.split())
        if not MIN_REASON <= len(reason) <= MAX_REASON:
            raise WatchError(self._tr("Indiquez un motif (de {a} à {b} caractères).", a=MIN_REASON, b=MAX_REASON),
                             "invalid")
        home = self.ctx.sync.collection(REGISTRATIONS).get(registration_id)
        if home is None:
            raise WatchError(self._tr("Ce domicile n'est plus sous surveillance."), "unknown_home")
        sealed = home.get("access_sealed")
        try:
            answer = self.ctx.hq.post(f"registrations/{registration_id}/access",
                                      {"officer": self.officer, "reason": reason})
        except HqUnavailable:
            return self._reveal_offline(registration_id, sealed, reason)
        except HqRefused as exc:
            raise WatchError(self._tr("Le QG refuse : {message}", message=exc.message), "refused") from exc
        key = answer.get("key")
        valid_until = str(answer.get("valid_until") or "")
        if isinstance(key, str) and key and _parse_date(valid_until) is not None:
            now = self.now().isoformat(timespec="seconds")
            self.ctx.db.write(lambda c: sql.key_put(c, registration_id, key, valid_until, now, self.officer))
        access = answer.get("access")
        self.ctx.audit.log("access.revealed", reason=reason,
                           details={"registration_id": registration_id, "source": "hq"})
        return AccessReveal(registration_id, access if isinstance(access, str) else None, valid_until, "hq")

    def _reveal_offline(self, registration_id: str, sealed: Any, reason: str) -> AccessReveal:
        kept = self.ctx.db.read(lambda c: sql.key_get(c, registration_id))
        today = self.today().isoformat()
        if kept is None or kept[1] < today:
            raise WatchError(self._tr("QG injoignable : les codes d'accès de ce domicile ne sont pas encore sur la "
                                      "tablette. Réessayez avec le réseau."), "offline")
        access = None
        if isinstance(sealed, str) and sealed:
            try:
                access = open_access(base64.b64decode(kept[0]), registration_id, sealed)
            except (ValueError, InvalidTag, binascii.Error) as exc:
                raise WatchError(self._tr("Les codes d'accès gardés sur la tablette ne s'ouvrent pas ; "
                                          "réessayez avec le réseau."), "offline") from exc
        self.ctx.audit.log("access.revealed", reason=reason,
                           details={"registration_id": registration_id, "source": "device"})
        return AccessReveal(registration_id, access, kept[1], "device")

    def purge_keys(self) -> int:
        """Erase the access keys past their date or of homes no longer on the tablet."""
        keep = {r.record_id for r in self.ctx.sync.collection(REGISTRATIONS).list()}
        today = self.today().isoformat()
        return int(self.ctx.db.write(lambda c: sql.keys_purge(c, today, keep)))

    # -- HQ reached --------------------------------------------------------------------------------
    def on_reachable(self) -> None:
        """(Worker thread) HQ was just reached: fetch the basemap if needed, erase old keys."""
        try:
            self.ensure_basemap()
        except HqUnavailable as exc:
            log.info("basemap not fetched now: %s", exc)
        except (HqRefused, ValueError, OSError) as exc:
            log.warning("basemap not fetched: %s", exc)
        self.purge_keys()
        self._notify("synced")

    def close(self) -> None:
        with self._graph_lock:
            self._graph = None
        with self._listeners_lock:
            self._listeners.clear()


# -- helpers ----------------------------------------------------------------------------------------


def due_state(last_visit: datetime | None, start: date, gap_days: int, today: date) -> Due:
    """``"due"`` on the ``gap_days``-th day after the last visit (or on the first day of a
    watch never visited), ``"overdue"`` after, ``""`` before (days in Paris time)."""
    if last_visit is None:
        left = -(today - start).days
    else:
        left = gap_days - (today - last_visit.astimezone(LOCAL_TZ).date()).days
    if left < 0:
        return "overdue"
    return "due" if left == 0 else ""


def sort_homes(homes: Iterable[Home], key: SortKey) -> list[Home]:
    if key == "distance":
        return sorted(homes, key=lambda h: (h.distance_m is None, h.distance_m or 0.0, h.label))
    if key == "since_last":
        return sorted(homes, key=lambda h: (h.hours_since is not None, -(h.hours_since or 0.0), h.label))
    raise ValueError(f"unknown sort {key!r}")


def open_access(key: bytes, registration_id: str, sealed: str) -> str:
    """Open ``access_sealed`` (``"v1:" + base64(nonce ‖ AES-256-GCM)``, the id as
    associated data; docs/holiday-watch.md)."""
    if not sealed.startswith(ACCESS_PREFIX):
        raise ValueError("unknown access format")
    blob = base64.b64decode(sealed[len(ACCESS_PREFIX):])
    if len(blob) < 13:
        raise ValueError("sealed access too short")
    aad = _ACCESS_AAD + registration_id.encode("ascii")
    return AESGCM(key).decrypt(blob[:12], blob[12:], aad).decode("utf-8")


def _visit(payload: Mapping[str, Any] | None, state: str | None) -> Visit | None:
    if not isinstance(payload, Mapping):
        return None
    at = _parse_time(payload.get("at"))
    rid = payload.get("registration_id")
    if at is None or not isinstance(rid, str):
        return None
    checklist = payload.get("checklist") if isinstance(payload.get("checklist"), dict) else {}
    distance = payload.get("distance_m")
    return Visit(
        id=str(payload.get("id") or ""), registration_id=rid, officer=str(payload.get("officer") or ""), at=at,
        outcome=str(payload.get("outcome") or ""), checklist={str(k): str(v) for k, v in checklist.items()},
        note=str(payload.get("note") or ""), photos=tuple(str(p) for p in payload.get("photos") or ()),
        notice_left=bool(payload.get("notice_left")),
        distance_m=float(distance) if isinstance(distance, int | float) else None,
        distance_warning=bool(payload.get("distance_warning")), state=state)


def _round_payload(r: PlannedRound, officer: str, unit: str) -> dict[str, Any]:
    return {
        "id": r.id, "officer": officer, "unit": unit, "planned_at": r.planned_at.astimezone(UTC).isoformat(
            timespec="seconds"), "start": {"lat": r.start[0], "lon": r.start[1]}, "stops": list(r.stops),
        "dropped": list(r.dropped), "length_m": r.length_m, "duration_s": r.duration_s, "solver": r.solver,
        "path": [[lat, lon] for lat, lon in r.path],
    }


def _round_from(rid: str, p: Mapping[str, Any]) -> PlannedRound | None:
    try:
        at = _parse_time(p.get("planned_at"))
        if at is None:
            return None
        return PlannedRound(
            id=rid, stops=tuple(str(s) for s in p.get("stops") or ()),
            path=tuple((float(a), float(b)) for a, b in p.get("path") or ()),
            start=(float(p["start"]["lat"]), float(p["start"]["lon"])), length_m=float(p.get("length_m") or 0),
            duration_s=float(p.get("duration_s") or 0), solver=str(p.get("solver") or ""), planned_at=at,
            dropped=tuple(str(s) for s in p.get("dropped") or ()))
    except (KeyError, TypeError, ValueError):
        return None
