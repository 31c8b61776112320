"""The API's paths: ``create_app(settings)`` builds the FastAPI application.

Reads answer from the published snapshot, writes go to the segment store; every path
acts for the tenant of the caller's token and checks the caller's scope first. A
segment of another tenant is "not found" on every path.
"""

import pathlib
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any

import duckdb
from fastapi import Depends, FastAPI, Header, Path, Query, Response
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from segmentation.daily.store import StoreContext, segment_directory
from segmentation.explain import ContactNotFound, explain_contact
from segmentation.preview import preview as run_preview
from segmentation.rules.catalog import custom_field_names
from segmentation.rules.describe import describe, differences
from segmentation.rules.model import Segment, SegmentStatus
from segmentation.rules.validate import validate
from segmentation.snapshot import Snapshot
from segmentation.warehouse import custom_fields
from serving import models, reads
from serving.auth import Access, Caller, InvalidToken, Scope, decode
from serving.config import ServingSettings
from serving.errors import ApiError, install_error_handlers, issue_details
from serving.limits import BodySizeLimit, RateLimiter
from serving.snapshots import SnapshotReader
from serving.store import SegmentFile, SegmentStoreWriter, archived

PAGE = pathlib.Path(__file__).with_name("page") / "segment.html"
PERFORMANCE_DAYS = 30
"""The Performance tab's default time filter: the last 30 computed days."""
MAX_PERFORMANCE_DAYS = 366

_bearer = HTTPBearer(auto_error=False)


def create_app(settings: ServingSettings) -> FastAPI:
    """The API over ``settings``' segment store and published snapshots."""
    reader = SnapshotReader(settings.snapshots)
    store = SegmentStoreWriter(settings.segment_defs)
    rate = RateLimiter(settings.preview_rate_per_minute, per_seconds=60.0)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        reader.close()

    app = FastAPI(
        title="Customer segmentation API",
        version="1",
        description="The segment list, builder, preview, detail, performance and "
        "send-campaign screens. Every path needs a bearer token (HS256) naming the tenant, "
        "the user and their segment scopes.",
        lifespan=lifespan,
        responses=models.ERRORS,
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        if credentials is None:
            raise ApiError(
                401,
                "unauthenticated",
                "send a bearer token: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            return decode(settings.secret, credentials.credentials)
        except InvalidToken as error:
            raise ApiError(
                401, "invalid_token", str(error), headers={"WWW-Authenticate": "Bearer"}
            ) from None

    Auth = Annotated[Caller, Depends(caller)]

    @contextmanager
    def snapshot() -> Iterator[tuple[Snapshot, duckdb.DuckDBPyConnection]]:
        published, con = reader.live()
        try:
            yield published, con
        finally:
            con.close()

    contexts: dict[object, StoreContext] = {}
    contexts_lock = threading.Lock()

    def context(published: Snapshot | None, con: duckdb.DuckDBPyConnection | None) -> StoreContext:
        """What a segment is validated against: the tenants' custom fields of the snapshot
        (read once per snapshot). Timestamps are the API's own, so they are not checked
        against the clock."""
        key = published.path if published is not None else None
        with contexts_lock:
            if key not in contexts:
                fields = custom_fields(con) if con is not None else {}
                contexts[key] = StoreContext(custom_fields=fields, limits=settings.limits)
                while len(contexts) > 8:  # one a day; kept alive so cached reads stay keyed
                    del contexts[next(iter(contexts))]
            return contexts[key]

    def store_context() -> StoreContext:
        try:
            with snapshot() as (published, con):
                return context(published, con)
        except ApiError:
            return context(None, None)

    def display_names(cid: str, checked: StoreContext) -> dict[str, str]:
        """How a rule set names things in words: the tenant's custom fields and segments."""
        segments = {item.segment.id: item.segment.name for item in store.segments(cid, checked)}
        return custom_field_names(checked.custom_fields, cid) | segments

    def visible(who: Caller, item: SegmentFile) -> SegmentFile:
        _require(who, Scope.VIEW, item.segment)
        return item

    @app.get("/v1/segments", response_model=models.SegmentList, tags=["segments"])
    def list_segments(
        who: Auth,
        search: Annotated[str | None, Query(max_length=60)] = None,
        status: models.Status | None = None,
        created_at_from: date | None = None,
        created_at_to: date | None = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict:
        """The tenant's segments, newest first: searched by name, status and creation
        day; only the caller's own with view scope ``owned``."""
        access = _require(who, Scope.VIEW)
        found = [
            s.segment
            for s in store.segments(who.cid, store_context())
            if _listed(s.segment, who, access, search, status, created_at_from, created_at_to)
        ]
        found.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        chosen = found[(page - 1) * per_page : page * per_page]
        stats = _stats_or_empty(snapshot, who.cid, [s.id for s in chosen])
        return {
            "data": [_summary(s, stats.get(s.id)) for s in chosen],
            "meta": {"page": page, "per_page": per_page, "total": len(found)},
        }

    @app.post(
        "/v1/segments",
        response_model=models.SegmentOut,
        status_code=201,
        tags=["segments"],
    )
    def create_segment(who: Auth, body: models.SegmentCreate, response: Response) -> dict:
        """A new active segment owned by the caller; 409 at the tenant's segment limit."""
        _require(who, Scope.ADD)
        limit, tier = _tier_limit(snapshot, settings, who.cid)
        message = (
            f"Segment limit reached: the {tier or 'current'} package allows {limit} active "
            "segments. Archive a segment to create another."
        )
        data = {
            "cid": who.cid,
            "name": body.name,
            "description": body.description,
            "status": "active",
            "owner_id": who.user_id,
            "rule_set": body.rule_set,
        }
        created = store.create(data, store_context(), limit, message)
        return _segment_out(created, response)

    @app.get("/v1/segments/{segment_id}", response_model=models.SegmentOut, tags=["segments"])
    def get_segment(who: Auth, segment_id: str, response: Response) -> dict:
        """The segment with its rule set, for the builder; its ETag for the next edit."""
        return _segment_out(visible(who, store.get(who.cid, segment_id, store_context())), response)

    @app.patch("/v1/segments/{segment_id}", response_model=models.SegmentOut, tags=["segments"])
    def edit_segment(
        who: Auth,
        segment_id: str,
        body: models.SegmentEdit,
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict:
        """Change the name, description or rule set. Send the ETag you read as If-Match:
        412 when the segment changed since."""
        checked = store_context()
        current = store.get(who.cid, segment_id, checked)
        _require(who, Scope.MANAGE, current.segment)
        if if_match is None:
            raise ApiError(
                428,
                "if_match_required",
                "send the segment's ETag (from GET /v1/segments/{id}) in an If-Match header, "
                "so an edit never overwrites a change you have not seen",
            )
        changes = body.model_dump(exclude_unset=True)
        if not changes:
            raise ApiError(422, "nothing_to_change", "give a name, description or rule_set")
        return _segment_out(
            store.update(who.cid, segment_id, if_match, lambda d: {**d, **changes}, checked),
            response,
        )

    @app.post(
        "/v1/segments/{segment_id}/archive", response_model=models.SegmentOut, tags=["segments"]
    )
    def archive_segment(
        who: Auth,
        segment_id: str,
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict:
        """Archive: the segment keeps its history and is no longer recomputed."""
        checked = store_context()
        current = store.get(who.cid, segment_id, checked)
        _require(who, Scope.ARCHIVE, current.segment)
        return _segment_out(
            store.update(who.cid, segment_id, if_match, archived, checked), response
        )

    @app.post(
        "/v1/segments/{segment_id}/duplicate",
        response_model=models.SegmentOut,
        status_code=201,
        tags=["segments"],
    )
    def duplicate_segment(who: Auth, segment_id: str, response: Response) -> dict:
        """A new active segment with the same rules, owned by the caller."""
        checked = store_context()
        source = visible(who, store.get(who.cid, segment_id, checked)).segment
        _require(who, Scope.ADD)
        limit, tier = _tier_limit(snapshot, settings, who.cid)
        data = {
            "cid": who.cid,
            "name": f"Copy of {source.name}"[:60],
            "description": source.description,
            "status": "active",
            "owner_id": who.user_id,
            "rule_set": source.rule_set.model_dump(mode="json"),
        }
        message = f"Segment limit reached: the {tier or 'current'} package allows {limit}."
        return _segment_out(store.create(data, checked, limit, message), response)

    @app.get(
        "/v1/segments/{segment_id}/versions",
        response_model=models.VersionList,
        tags=["segments"],
    )
    def segment_versions(who: Auth, segment_id: str) -> dict:
        """Every version of the segment the API stored, oldest first."""
        visible(who, store.get(who.cid, segment_id, store_context()))
        return {"data": store.versions(who.cid, segment_id)}

    @app.get(
        "/v1/segments/{segment_id}/versions/{before}/diff/{after}",
        response_model=models.VersionDiff,
        tags=["segments"],
    )
    def segment_version_diff(
        who: Auth,
        segment_id: str,
        before: Annotated[int, Path(ge=1)],
        after: Annotated[int, Path(ge=1)],
    ) -> dict:
        """What changed from version ``before`` to version ``after``, in words."""
        checked = store_context()
        visible(who, store.get(who.cid, segment_id, checked))
        old, new = (store.version(who.cid, segment_id, n) for n in (before, after))
        if old is None or new is None:
            written = [v["version"] for v in store.versions(who.cid, segment_id)]
            raise ApiError(
                404,
                "version_not_found",
                f"the segment has no version {after if old else before}; its versions are "
                f"{written or 'none written through the API'}",
            )
        names = display_names(who.cid, checked)
        changes = [
            f"{field} changed from {str(getattr(old, field))!r} to {str(getattr(new, field))!r}"
            for field in ("name", "description", "status")
            if getattr(old, field) != getattr(new, field)
        ] + differences(old.rule_set, new.rule_set, names)
        return {
            "segment_id": segment_id,
            "from_version": before,
            "to_version": after,
            "changes": changes or ["nothing changed"],
        }

    @app.post("/v1/segments/preview", response_model=models.PreviewOut, tags=["builder"])
    def preview_segment(who: Auth, body: models.PreviewIn) -> dict:
        """How many contacts an unsaved rule set matches now, with up to 10 of them."""
        _require_builder(who)
        retry_after = rate.acquire(who.cid)
        if retry_after is not None:
            raise ApiError(
                429,
                "too_many_previews",
                f"this tenant asked for more than {settings.preview_rate_per_minute} previews "
                f"a minute: try again in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
        with snapshot() as (published, con):
            fields = context(published, con).custom_fields
            bound, problems = validate(
                body.rule_set, who.cid, fields, settings.limits,
                segments=segment_directory(settings.segment_defs),
            )  # fmt: skip
            if problems or bound is None:
                raise ApiError(
                    422,
                    "invalid_rule_set",
                    "the rule set has problems: see details for each, with its JSON pointer",
                    issue_details(problems, "/rule_set"),
                )
            owner = who.user_id if who.customers_view is Access.OWNED else None
            result = _with_deadline(
                con,
                settings.preview_deadline_seconds,
                lambda: run_preview(con, bound, published.as_of, owner),
            )
        return {
            "total_matched": result.total_matched,
            "total_customer_base": result.total_customer_base,
            "as_of": result.as_of,
            "sample": [
                {
                    "contact_id": c.contact_id,
                    "name": c.full_name,
                    "source": c.source,
                    "last_activity": c.last_activity_on,
                }
                for c in result.sample
            ],
        }

    @app.get("/v1/segments/{segment_id}/detail", response_model=models.DetailOut, tags=["detail"])
    def segment_detail(
        who: Auth,
        segment_id: str,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> dict:
        """The Overview tab: the segment, its latest numbers and a page of its matched
        customers (only the caller's own contacts when they may see only those)."""
        with snapshot() as (published, con):
            checked = context(published, con)
            item = visible(who, store.get(who.cid, segment_id, checked))
            segment = item.segment
            stats = reads.latest_stats(con, who.cid, [segment.id]).get(segment.id)
            computed = reads.last_computed(con, who.cid, [segment.id]).get(segment.id)
            owner = who.user_id if who.customers_view is Access.OWNED else None
            rows, total = reads.matched_customers(
                con, who.cid, segment.id, owner, reads.Page(page, per_page)
            )
            names = display_names(who.cid, checked)
        active = segment.status == "active"
        return {
            **_summary(segment, stats),
            "rule_summary": describe(segment.rule_set, names),
            "total_customer_base": stats["total_customer_base"] if stats else None,
            "percentage_reach": stats["percentage_reach"] if stats else None,
            "last_computed_on": computed["day"] if computed else None,
            "rule_set_version": computed["rule_set_hash"] if computed else None,
            "data_as_of": published.as_of,
            "reachability": _reachability(stats) if active else None,
            "customers": {
                "data": rows,
                "meta": {"page": page, "per_page": per_page, "total": total},
            },
        }

    @app.get(
        "/v1/segments/{segment_id}/performance",
        response_model=models.PerformanceOut,
        tags=["detail"],
    )
    def segment_performance(
        who: Auth,
        segment_id: str,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> dict:
        """The Performance tab: members per day with entries and exits over the time
        filter (default: the last 30 days), and the distributions on its last day."""
        with snapshot() as (published, con):
            segment = visible(who, store.get(who.cid, segment_id, context(published, con))).segment
            end = date_to or published.as_of
            start = date_from or end - timedelta(days=PERFORMANCE_DAYS - 1)
            if start > end or (end - start).days >= MAX_PERFORMANCE_DAYS:
                raise ApiError(
                    422,
                    "invalid_time_filter",
                    f"date_from ({start}) must be on or before date_to ({end}), at most "
                    f"{MAX_PERFORMANCE_DAYS} days apart",
                )
            series = reads.growth(con, who.cid, segment.id, start, end)
            last = series[-1]["day"] if series else None
            shares = reads.distributions(con, who.cid, segment.id, last) if last else {}
        return {
            "date_from": start,
            "date_to": end,
            "growth": series,
            "distributions_on": last,
            "distributions": shares or {d: [] for d in reads.DIMENSIONS},
        }

    @app.get(
        "/v1/segments/{segment_id}/reachability",
        response_model=models.ReachabilityOut,
        tags=["campaigns"],
    )
    def segment_reachability(who: Auth, segment_id: str) -> dict:
        """Audience size by channel for the send-campaign sidebar (0: nothing to send)."""
        with snapshot() as (published, con):
            segment = visible(who, store.get(who.cid, segment_id, context(published, con))).segment
            stats = reads.latest_stats(con, who.cid, [segment.id]).get(segment.id)
        active = segment.status == "active" and stats is not None
        return {
            "segment_id": segment.id,
            "status": segment.status,
            "total_matched": stats["total_matched"] if stats else 0,
            "channels": {
                "whatsapp": stats["reachable_whatsapp"] if active else 0,
                "email": stats["reachable_email"] if active else 0,
            },
        }

    @app.get("/v1/segments/{segment_id}/explain", response_model=models.ExplainOut, tags=["detail"])
    def explain_membership(
        who: Auth, segment_id: str, contact_id: Annotated[str, Query(min_length=1, max_length=200)]
    ) -> dict:
        """Why a contact is (or is not) in the segment on the snapshot's day: each group and
        condition with its verdict and the value that decided it."""
        with snapshot() as (published, con):
            checked = context(published, con)
            item = visible(who, store.get(who.cid, segment_id, checked))
            segment = item.segment
            owner = who.user_id if who.customers_view is Access.OWNED else None
            if owner is not None and reads.contact_owner(con, who.cid, contact_id) != owner:
                raise _contact_not_found(contact_id)
            names = display_names(who.cid, checked)
            try:
                why = explain_contact(
                    con, segment.rule_set, item.rule_set, contact_id, published.as_of, names
                )
            except ContactNotFound:
                raise _contact_not_found(contact_id) from None
        return {"segment_id": segment.id, **asdict(why)}

    @app.get("/v1/customers/fields", response_model=models.FieldPalette, tags=["builder"])
    def customer_fields(who: Auth) -> dict:
        """The rule builder's palette for the caller's tenant."""
        _require_builder(who)
        with snapshot() as (published, con):
            segments = [
                (item.segment.id, item.segment.name)
                for item in store.segments(who.cid, context(published, con))
                if item.segment.status is SegmentStatus.ACTIVE
            ]
            return reads.field_palette(con, who.cid, segments)

    @app.get("/segments/{segment_id}", response_class=HTMLResponse, include_in_schema=False)
    def segment_page(segment_id: str) -> HTMLResponse:
        """The detail page: it reads the API with the token it is given."""
        return HTMLResponse(PAGE.read_text())

    return app


def _require(who: Caller, scope: Scope, segment: Segment | None = None) -> Access:
    """The caller's access for ``scope``: 403 when disabled, or when ``owned`` and
    ``segment`` is not the caller's (a segment nobody owns is nobody's own)."""
    access = who.access(scope)
    if access is Access.DISABLED:
        raise ApiError(403, "permission_denied", f"your role does not allow {scope.value}")
    if access is Access.OWNED and segment is not None and segment.owner_id != who.user_id:
        raise ApiError(
            403,
            "not_owner",
            f"your role allows {scope.value} only on segments you own; this one is not yours",
        )
    return access


def _require_builder(who: Caller) -> None:
    """The builder (palette, preview) is for those who may add or edit segments."""
    if who.access(Scope.ADD) is Access.DISABLED and who.access(Scope.MANAGE) is Access.DISABLED:
        raise ApiError(
            403,
            "permission_denied",
            "your role allows neither customers_segment_add nor customers_segment_manage",
        )


def _listed(
    segment: Segment,
    who: Caller,
    access: Access,
    search: str | None,
    status: str | None,
    created_from: date | None,
    created_to: date | None,
) -> bool:
    if access is Access.OWNED and segment.owner_id != who.user_id:
        return False
    if search and search.casefold() not in segment.name.casefold():
        return False
    if status and segment.status != status:
        return False
    created = segment.created_at.date()
    return (created_from is None or created >= created_from) and (
        created_to is None or created <= created_to
    )


def _stats_or_empty(snapshot, cid: str, segment_ids: list[str]) -> dict[str, dict]:
    try:
        with snapshot() as (_published, con):
            return reads.latest_stats(con, cid, segment_ids)
    except ApiError:
        return {}


def _tier_limit(snapshot, settings: ServingSettings, cid: str) -> tuple[int, str | None]:
    """The tenant's active-segment limit and package tier (the smallest tier's limit
    while its tier is unknown)."""
    try:
        with snapshot() as (_published, con):
            tier = reads.package_tier(con, cid)
    except ApiError:
        tier = None
    if tier in settings.tier_limits:
        return settings.tier_limits[tier], tier
    return min(settings.tier_limits.values()), tier


def _summary(segment: Segment, stats: dict | None) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "description": segment.description,
        "status": segment.status,
        "owner_id": segment.owner_id,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "total_matched": stats["total_matched"] if stats else None,
        "last_updated": stats["computed_at"] if stats else None,
    }


def _segment_out(item: SegmentFile, response: Response) -> dict:
    response.headers["ETag"] = item.etag
    segment = item.segment
    return {
        "id": segment.id,
        "name": segment.name,
        "description": segment.description,
        "status": segment.status,
        "owner_id": segment.owner_id,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "rule_set": segment.rule_set.model_dump(mode="json"),
        "etag": item.etag,
    }


def _contact_not_found(contact_id: str) -> ApiError:
    return ApiError(
        404, "contact_not_found", f"no contact {contact_id!r} you may see in this tenant today"
    )


def _reachability(stats: dict | None) -> dict | None:
    if stats is None:
        return None
    return {
        "whatsapp": stats["reachable_whatsapp"],
        "whatsapp_pct": stats["reachable_whatsapp_pct"],
        "email": stats["reachable_email"],
        "email_pct": stats["reachable_email_pct"],
    }


def _with_deadline(con: duckdb.DuckDBPyConnection, seconds: float, work):
    """Run ``work`` (queries on ``con``); past ``seconds`` interrupt them and answer 504.

    The deadline is kept even when it falls between two of the work's queries, where an
    interrupt has nothing to stop: the work then finishes, but its answer is late and refused.
    """
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        con.interrupt()

    timer = threading.Timer(seconds, expire)
    timer.start()
    try:
        result = work()
    except duckdb.InterruptException:
        expired.set()
        result = None
    finally:
        timer.cancel()
    if expired.is_set():
        raise ApiError(
            504,
            "preview_timed_out",
            f"the preview took longer than {seconds:g} s and was stopped: narrow the "
            "conditions (a shorter window, fewer values) and try again",
        )
    return result
