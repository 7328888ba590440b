"""The care log: farmers (their farms) and admins record entries and correct them; customers read
their tree's log within their claim; the promise panel of a tree. Nothing is ever edited in place."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import Services, ServicesDep
from api.times import Moment, UTCTime
from orchard.auth.policy import Viewer
from orchard.care.content import Content, Input
from orchard.care.photos import check_photo, read_photo, save_photo
from orchard.care.promise import tree_promise
from orchard.care.records import correct_entry, record_entry
from orchard.care.seen import entries_seen_by, entry_seen_by
from orchard.care.visible import EntryView, entry_views
from orchard.errors import Forbidden, NotFound
from orchard.registry.care_log import CareEntry, CareKind, InputClass, Method, Scope
from orchard.registry.models import Role, Tree, utcnow

router = APIRouter(prefix="/care-log", tags=["care log"])
PHOTOS_PATH = "/care-log/photos"  # its body may be a photo (orchard.web.BodyLimit, set in api.app)
trees_router = APIRouter(prefix="/trees", tags=["care log"])


class InputBody(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    product: str = Field(max_length=200)
    registration: str | None = Field(default=None, max_length=32, description="e.g. PD20080001")
    dose: float
    dose_unit: str = Field(max_length=16, description="e.g. ml/L, g/mu")
    pre_harvest_days: int | None = Field(default=None, ge=0, le=365)
    classification: InputClass


class ContentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notes: str = Field(default="", max_length=4000)
    material: str | None = Field(default=None, max_length=200, description="what: a fertiliser, a trap")
    quantity: float | None = Field(default=None, description="how much (watering, fertilising, harvest)")
    unit: str | None = Field(default=None, max_length=16)
    method: Method | None = Field(default=None, description="pest and disease control only")
    inputs: list[InputBody] = Field(default_factory=list, max_length=10, description="products applied")
    reason: str | None = Field(default=None, max_length=500, description="why a correction was made")
    photo: str | None = Field(default=None, max_length=100, description="a name POST /api/care-log/photos returned")

    def content(self, data_dir: Path) -> Content:
        return Content(notes=self.notes, material=self.material, quantity=self.quantity, unit=self.unit,
                       method=self.method, reason=self.reason, photo=check_photo(data_dir, self.photo),
                       inputs=tuple(Input(i.product, i.dose, i.dose_unit, i.classification, i.registration,
                                          i.pre_harvest_days) for i in self.inputs))


class EntryIn(ContentIn):
    farm_id: str = Field(max_length=64)
    scope: Scope
    plot_id: Int64 | None = None
    tree_id: Int64 | None = None
    kind: CareKind
    event_at: Moment = Field(description="when the work was done; not in the future")


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    recorded_at: UTCTime
    recorded_by: str
    notes: str
    material: str | None
    quantity: float | None
    unit: str | None
    method: Method | None
    inputs: list[InputBody]
    reason: str | None
    photo: str | None  # GET /api/care-log/{id}/revisions/{number}/photo serves it


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    farm_id: str
    scope: Scope
    plot_id: int | None
    tree_id: int | None
    kind: CareKind
    event_at: UTCTime
    recorded_at: UTCTime
    camera_id: str | None
    changed: bool
    revisions: list[RevisionOut]  # oldest first; the last is current


class AppliedOut(BaseModel):
    entry_id: int
    event_at: UTCTime
    scope: str
    product: str
    registration: str | None
    dose: float
    dose_unit: str
    pre_harvest_days: int | None
    safe_from: UTCTime | None


class PromiseOut(BaseModel):
    tree_id: int
    season_start: UTCTime
    until: UTCTime
    kept: bool  # True: no synthetic pesticide recorded on this tree, its plot or its farm this season
    controls: int
    methods: list[Method]
    synthetic: list[AppliedOut]


class PhotoOut(BaseModel):
    photo: str


PHOTO_BODY = {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                                            "image/png": {"schema": {"type": "string", "format": "binary"}}}}


def _out(entry: EntryView) -> EntryOut:
    return EntryOut.model_validate(entry)


@router.get("")
def list_entries(viewer: CurrentViewer, services: ServicesDep, farm: Annotated[str | None, Query()] = None,
                 tree: Int64 | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[EntryOut]:
    """Entries the asker may read, newest first: staff their farms'; customers their claimed trees' (within
    the claim's dates), the tree's plot and farm included."""
    with services.reading() as session:
        return [_out(e) for e in entries_seen_by(session, services.policy, viewer, farm_id=farm, tree_id=tree,
                                                 limit=limit)]


@router.post("/photos", status_code=201, openapi_extra={"requestBody": PHOTO_BODY})
async def upload_photo(request: Request, viewer: CurrentViewer, services: ServicesDep) -> PhotoOut:
    """Keep a photo (a JPEG or PNG body, at most 5 MB) for an entry or correction to name (farmers, admins)."""
    if viewer.role not in (Role.ADMIN, Role.FARMER):
        raise Forbidden("only farmers and admins add photos to the care log")
    data = await request.body()
    return PhotoOut(photo=await run_in_threadpool(save_photo, services.data_dir, data))


@router.get("/{entry_id}/revisions/{number}/photo", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}, "description": "the photo"}})
def revision_photo(entry_id: Int64, number: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """The photo of one revision, for whoever may read the entry."""
    with services.reading() as session:
        found = entry_seen_by(session, services.policy, viewer, entry_id)
    revision = next((r for r in found.revisions if r.number == number), None) if found else None
    if revision is None or revision.photo is None:
        raise NotFound(f"no photo of care log entry {entry_id} version {number}")
    data, media = read_photo(services.data_dir, revision.photo)
    return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=86400"})


@router.get("/{entry_id}")
def get_entry(entry_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> EntryOut:
    """One entry with every revision (404 alike for one that does not exist and one not yours)."""
    with services.reading() as session:
        found = entry_seen_by(session, services.policy, viewer, entry_id)
        if found is None:
            raise NotFound(f"no care log entry {entry_id}")
        return _out(found)


@router.post("", status_code=201)
def create_entry(body: EntryIn, viewer: CurrentViewer, services: ServicesDep) -> EntryOut:
    """Record work done on a tree, a plot or the farm (the farm's farmers, and admins)."""
    _may_record(viewer, services, body.farm_id)
    with services.writing() as session:
        entry = record_entry(session, farm_id=body.farm_id, scope=body.scope, plot_id=body.plot_id,
                             tree_id=body.tree_id, kind=body.kind, event_at=body.event_at,
                             by=_user_id(viewer), content=body.content(services.data_dir))
        return _out(entry_views(session, [entry])[0])


@router.post("/{entry_id}/revisions", status_code=201)
def correct(entry_id: Int64, body: ContentIn, viewer: CurrentViewer, services: ServicesDep) -> EntryOut:
    """Correct an entry: a new revision with its full content; the earlier ones stay readable."""
    with services.writing() as session:
        entry = session.get(CareEntry, entry_id)
        if entry is None or entry_seen_by(session, services.policy, viewer, entry_id) is None:
            raise NotFound(f"no care log entry {entry_id}")
        _may_record(viewer, services, entry.farm_id)
        correct_entry(session, entry, by=_user_id(viewer), content=body.content(services.data_dir))
        return _out(entry_views(session, [entry])[0])


@trees_router.get("/{tree_id}/promise")
def promise(tree_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> PromiseOut:
    """Whether any synthetic pesticide was recorded on the tree, its plot or its farm this season, and which."""
    with services.reading() as session:
        tree = load(session, Tree, tree_id, viewer, services.policy)
        window = services.policy.readings_window(viewer, tree.id)
        if window is None:
            raise NotFound(f"no tree {tree_id!r}")
        now = utcnow()
        start = window.start if viewer.role == Role.CUSTOMER else now
        found = tree_promise(session, tree, start, min(window.end, now))
        return PromiseOut(
            tree_id=tree.id, season_start=found.season_start, until=found.until, kept=found.kept,
            controls=found.controls, methods=list(found.methods),
            synthetic=[AppliedOut(entry_id=a.entry_id, event_at=a.event_at, scope=a.scope, product=a.input.product,
                                  registration=a.input.registration, dose=a.input.dose, dose_unit=a.input.dose_unit,
                                  pre_harvest_days=a.input.pre_harvest_days, safe_from=a.safe_from)
                       for a in found.synthetic])


def _may_record(viewer: Viewer, services: Services, farm_id: str) -> None:
    services.policy.require_edit(viewer, "care record", farm_id)


def _user_id(viewer: Viewer) -> int:
    if viewer.user_id is None:
        raise NotFound("no such user")
    return viewer.user_id
