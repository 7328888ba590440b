"""What a viewer may see, and for which dates: every service asks here, and nowhere else.

Deny by default. Admins see everything; farmers their farms; customers the trees of
their claims in force, with readings and snapshots only inside the claim's dates;
the bearer of a camera token the cameras it names (and, when it was minted for a
user, only those that user may still see). Changes: admins anything; farmers create
and update the plots, trees and claims of their farms, add to their care logs, acknowledge
their alerts and tune their alert rules; customers nothing (not even see a farm's alerts). Answers are
cached for a few seconds so that a camera endpoint under load does not query the
registry on every request.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.camera_tokens import ALL_CAMERAS, CameraGrant, mint_camera_token, read_camera_token
from orchard.auth.errors import AuthError, Forbidden
from orchard.auth.login import PasswordLogin
from orchard.auth.sessions import read_session
from orchard.auth.throttle import LoginThrottle
from orchard.auth.viewer import Viewer
from orchard.registry import access
from orchard.registry.access import EPOCH, FOREVER, Window
from orchard.registry.models import Camera, Claim, Role, Tree, User, user_farms
from orchard.registry.people import end_sessions
from orchard.registry.tokens import find_api_token

__all__ = ["ALL_TIME", "EVERYTHING", "OPERATOR", "Policy", "Viewer"]

EVERYTHING = None  # what `*_ids` return for a viewer limited by nothing
ALL_TIME = Window(EPOCH, FOREVER)
OPERATOR = "operator"  # the role of a camera token minted without a user
SHARE_LINK = "share-link"  # the role of a share link's archive-only camera token
SHARE_TOKEN_S = 900  # a share page's camera token: revoking the link stops new ones, these end soon
# What farmers may create and update on their farms; "alert" is acknowledging, "alert_rule" tuning a rule.
FARMER_EDITS = frozenset({"plot", "tree", "claim", "care record", "picking", "visit", "alert", "alert_rule"})


def now_utc() -> datetime:
    return datetime.now(UTC)


class Policy:
    def __init__(self, sessions: sessionmaker[Session], secret: str, cache_s: float = 5.0,
                 throttle: LoginThrottle | None = None, login_slots: int | None = None) -> None:
        self.sessions = sessions
        self.secret = secret
        self.cache_s = cache_s
        self.logins = PasswordLogin(sessions, throttle, slots=login_slots)
        self.throttle = self.logins.throttle
        self._cache: dict[tuple, tuple[float, object]] = {}
        self._grants: dict[str, CameraGrant] = {}
        self._lock = threading.Lock()

    # -- who is asking ----------------------------------------------------------------

    def from_password(self, username: str, password: str, address: str) -> tuple[Viewer, int]:
        """Log in on this thread: the viewer and their credential generation (for the cookie), or AuthError."""
        return self.logins.check(username, password, address)

    async def log_in(self, username: str, password: str, address: str) -> tuple[Viewer, int]:
        """As from_password, for web apps: on the login threads, LoginsBusy (429) when they are full."""
        return await self.logins.check_async(username, password, address)

    def log_out(self, cookie: str | None) -> None:
        """End the session cookie's user's sessions and camera tokens everywhere; a bad cookie ends nothing."""
        try:
            user_id, generation = read_session(self.secret, cookie or "")
        except AuthError:
            return
        with self.sessions.begin() as session:
            user = session.get(User, user_id)
            if user is not None and user.credential_generation == generation:
                end_sessions(session, user)
        self.forget()

    def from_session(self, cookie: str | None) -> Viewer:
        if not cookie:
            raise AuthError("log in first")
        user_id, generation = read_session(self.secret, cookie)
        viewer, current = self._cached(("user", user_id), lambda s: self._user_and_generation(s, user_id))
        if viewer is None or current != generation:
            raise AuthError("the session is no longer valid; log in again")
        return viewer

    def from_api_token(self, token: str) -> Viewer:
        with self.sessions.begin() as session:
            found = find_api_token(session, token)
            if found is None:
                raise AuthError("the API token is not valid")
            return Viewer.of(found.user)

    def from_camera_token(self, token: str | None) -> Viewer:
        grant = self._grant(token)
        if grant.archive is not None:
            return Viewer(None, "share-link", SHARE_LINK, grant.cameras, grant.archive)
        if grant.subject is None:
            return Viewer(None, "camera-token", OPERATOR, grant.cameras)
        try:
            user_id = int(grant.subject)
        except ValueError:
            raise AuthError("the camera token is not valid") from None
        viewer, current = self._cached(("user", user_id), lambda s: self._user_and_generation(s, user_id))
        if viewer is None or grant.generation != current:
            raise AuthError("the camera token's user has logged out or is no longer active")
        return Viewer(viewer.user_id, viewer.name, viewer.role, grant.cameras)

    def camera_token(self, viewer: Viewer, cameras: list[str], ttl_s: int, now: float | None = None) -> str:
        """A camera token for a user, ended with their credentials (logout, new password, deactivation)."""
        with self.sessions() as session:
            user = session.get(User, viewer.user_id) if viewer.user_id is not None else None
            if user is None or not user.active:
                raise AuthError("log in again")
            generation = user.credential_generation
        return mint_camera_token(self.secret, cameras, ttl_s, subject=str(user.id), now=now, generation=generation)

    def share_camera_token(self, cameras: list[str], starts_at: datetime, ends_at: datetime,
                           now: float | None = None) -> str:
        """An archive-only token for a share link's page: its tree's cameras between the claim's dates, so far."""
        issued = time.time() if now is None else now
        end = min(ends_at.timestamp(), issued)
        return mint_camera_token(self.secret, cameras, SHARE_TOKEN_S, now=issued,
                                 archive=(int(starts_at.timestamp() * 1000), int(end * 1000)))

    def _grant(self, token: str | None) -> CameraGrant:
        """A token's grant; verified signatures are remembered until the token expires.

        An <img> polling latest.jpg presents the same token again and again; checking its
        HMAC once is enough, and the expiry is still checked on every use.
        """
        known = self._grants.get(token) if token else None
        if known is not None and known.expires_at > time.time():
            return known
        grant = read_camera_token(self.secret, token)
        if len(self._grants) >= 10_000:
            self._grants.clear()
        if token:  # always, once read_camera_token accepted it
            self._grants[token] = grant
        return grant

    # -- what they may see ------------------------------------------------------------

    def farm_ids(self, viewer: Viewer) -> frozenset[str] | None:
        if viewer.role == Role.ADMIN:
            return EVERYTHING
        if viewer.role != Role.FARMER:
            return frozenset()
        return self._cached(("farms", viewer.user_id),
                            lambda s: frozenset(f.id for f in s.get(User, viewer.user_id).farms))

    def tree_ids(self, viewer: Viewer, at: datetime | None = None) -> frozenset[int] | None:
        if viewer.role == Role.ADMIN:
            return EVERYTHING
        if viewer.user_id is None:
            return frozenset()
        return self._cached(("trees", viewer.user_id, _minute(at)),
                            lambda s: frozenset(access.visible_tree_ids(s, s.get(User, viewer.user_id), at)))

    def readings_window(self, viewer: Viewer, tree_id: int, at: datetime | None = None) -> Window | None:
        """The span of a tree's readings the viewer may see now, or None."""
        if viewer.user_id is None:
            return None
        return self._cached(("window", viewer.user_id, tree_id, _minute(at)),
                            lambda s: access.claim_window(s, s.get(User, viewer.user_id), tree_id, at))

    def camera_ids(self, viewer: Viewer, at: datetime | None = None) -> frozenset[str] | None:
        token = viewer.token_cameras
        if viewer.user_id is None:
            return EVERYTHING if token and ALL_CAMERAS in token else (token or frozenset())
        if viewer.role == Role.ADMIN:
            mine = EVERYTHING
        else:
            mine = self._cached(("cameras", viewer.user_id, _minute(at)),
                                lambda s: frozenset(c.id for c in access.cameras_visible_to(
                                    s, s.get(User, viewer.user_id), at)))
        if token is None or ALL_CAMERAS in token:
            return mine
        return token if mine is EVERYTHING else mine & token

    def may_watch(self, viewer: Viewer, camera: str, at: datetime | None = None) -> bool:
        """Live: the camera's latest frame and stream; never for a share link's archive-only token."""
        return viewer.archive is None and self.may_see_archive(viewer, camera, at)

    def may_see_archive(self, viewer: Viewer, camera: str, at: datetime | None = None) -> bool:
        """The camera's snapshots and timelapses (within `camera_windows`)."""
        cameras = self.camera_ids(viewer, at)
        return cameras is EVERYTHING or camera in cameras

    def require_camera(self, viewer: Viewer, camera: str, at: datetime | None = None) -> None:
        if not self.may_watch(viewer, camera, at):
            raise Forbidden(f"camera {camera!r} is not yours to watch")

    def camera_windows(self, viewer: Viewer, camera: str, at: datetime | None = None) -> list[Window]:
        """The spans of a camera's snapshots the viewer may see: all time for staff, claim dates for customers."""
        if not self.may_see_archive(viewer, camera, at):
            return []
        if viewer.archive is not None:
            return [Window(*(datetime.fromtimestamp(ms / 1000, UTC) for ms in viewer.archive))]
        if viewer.user_id is None or viewer.role in (Role.ADMIN, Role.FARMER):
            return [ALL_TIME]

        def windows(session: Session) -> list[Window]:
            found = session.get(Camera, camera)
            user = session.get(User, viewer.user_id)
            if user is None:  # deleted since the token was signed
                return []
            spans = [access.claim_window(session, user, tree.id, at) for tree in (found.trees if found else [])]
            return sorted(w for w in spans if w is not None)
        return self._cached(("camera-windows", viewer.user_id, camera, _minute(at)), windows)

    # -- what they may read, one row at a time ----------------------------------------

    def sees_farm(self, viewer: Viewer, farm_id: str) -> bool:
        """Admins see every farm, farmers theirs (with its plots and devices); customers none."""
        farms = self.farm_ids(viewer)
        return farms is EVERYTHING or farm_id in farms

    def sees_tree(self, viewer: Viewer, tree_id: int) -> bool:
        trees = self.tree_ids(viewer)
        return trees is EVERYTHING or tree_id in trees

    def sees_claim(self, viewer: Viewer, owner_id: int, farm_id: str) -> bool:
        """Staff see the claims on their farms' trees; a customer every claim of their own, ended or not."""
        if viewer.role == Role.CUSTOMER:
            return viewer.user_id == owner_id
        return viewer.role in (Role.ADMIN, Role.FARMER) and self.sees_farm(viewer, farm_id)

    def visiting_farm_ids(self, viewer: Viewer, at: datetime | None = None) -> frozenset[str] | None:
        """Farms whose picking windows and visit slots a viewer sees: staff theirs, a customer those of
        the trees of their claims in force."""
        if viewer.role != Role.CUSTOMER or viewer.user_id is None:
            return self.farm_ids(viewer) if viewer.user_id is not None else frozenset()
        return self._cached(("visiting", viewer.user_id, _minute(at)), lambda s: frozenset(
            claim.tree.farm_id for claim in access.active_claims(s, s.get(User, viewer.user_id), at)))

    def visits_farm(self, viewer: Viewer, farm_id: str, at: datetime | None = None) -> bool:
        farms = self.visiting_farm_ids(viewer, at)
        return farms is EVERYTHING or farm_id in farms

    def user_ids(self, viewer: Viewer) -> frozenset[int] | None:
        """Whom a viewer may look up: admins anyone, farmers their colleagues and customers, others themselves."""
        if viewer.role == Role.ADMIN:
            return EVERYTHING
        if viewer.user_id is None:
            return frozenset()
        if viewer.role != Role.FARMER:
            return frozenset({viewer.user_id})
        return self._cached(("users", viewer.user_id),
                            lambda s: _people_seen_by_farmer(s, viewer.user_id))

    def sees_user(self, viewer: Viewer, user_id: int) -> bool:
        users = self.user_ids(viewer)
        return users is EVERYTHING or user_id in users

    def owns(self, viewer: Viewer, owner_id: int) -> bool:
        """True for a person's own things (API tokens): nobody else, not even an admin, manages them."""
        return viewer.user_id is not None and viewer.user_id == owner_id

    def manages_shares(self, viewer: Viewer, owner_id: int) -> bool:
        """A claim's public share links: its customer makes them; they and admins list and revoke them."""
        return self.owns(viewer, owner_id) or viewer.role == Role.ADMIN

    # -- what they may change -----------------------------------------------------------

    def may_edit(self, viewer: Viewer, kind: str, farm_id: str | None, *, delete: bool = False) -> bool:
        """Admins change anything; farmers create and update plots, trees and claims of their farms, acknowledge
        its alerts and tune its alert rules."""
        if viewer.role == Role.ADMIN:
            return True
        if viewer.role != Role.FARMER or delete or kind not in FARMER_EDITS or farm_id is None:
            return False
        return self.sees_farm(viewer, farm_id)

    def require_edit(self, viewer: Viewer, kind: str, farm_id: str | None, *, delete: bool = False) -> None:
        if not self.may_edit(viewer, kind, farm_id, delete=delete):
            where = f" on farm {farm_id!r}" if farm_id else ""
            raise Forbidden(f"you may not {'delete' if delete else 'change'} {kind}s{where}")

    def require_admin(self, viewer: Viewer, action: str) -> None:
        if viewer.role != Role.ADMIN:
            raise Forbidden(f"only an admin may {action}")

    # -- plumbing -----------------------------------------------------------------------

    @staticmethod
    def _user_and_generation(session: Session, user_id: int) -> tuple[Viewer | None, int | None]:
        user = session.get(User, user_id)
        if user is None or not user.active:
            return None, None
        return Viewer.of(user), user.credential_generation

    def _cached(self, key: tuple, compute):
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        with self.sessions() as session:
            value = compute(session)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now + self.cache_s, value)
        return value

    def forget(self) -> None:
        """Drop cached answers, e.g. after the registry changed in this process."""
        with self._lock:
            self._cache.clear()


def _people_seen_by_farmer(session: Session, user_id: int) -> frozenset[int]:
    """The farmer, the farmers of their farms, and the customers with any claim on their farms' trees."""
    farms = select(user_farms.c.farm_id).where(user_farms.c.user_id == user_id)
    colleagues = select(user_farms.c.user_id).where(user_farms.c.farm_id.in_(farms))
    customers = select(Claim.user_id).join(Tree, Claim.tree_id == Tree.id).where(Tree.farm_id.in_(farms))
    return frozenset({user_id, *session.scalars(colleagues), *session.scalars(customers)})


def _minute(at: datetime | None) -> int | None:
    # Answers for "now" may be cached; answers for a given past or future moment by that moment.
    return None if at is None else int(at.timestamp())
