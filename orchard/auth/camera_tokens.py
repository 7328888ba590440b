"""Camera tokens: HMAC-signed with ORCHARD_SECRET_KEY, naming cameras and an expiry.

A token minted for a user names that user as its subject and carries their credential
generation: the policy checks the user's claims again on every use, and their logout,
new password or deactivation ends it. A token without a subject (from `orchard
camera-token` without --user) is an operator's, good for the cameras it names.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from orchard.auth.errors import AuthError, Forbidden
from orchard.auth.secret import MIN_SECRET_LENGTH, check_secret
from orchard.topics import ID_PATTERN

__all__ = ["ALL_CAMERAS", "CAMERA_AUDIENCE", "MIN_SECRET_LENGTH", "CameraGrant", "authorize_camera", "check_secret",
           "mint_camera_token", "read_camera_token"]

CAMERA_AUDIENCE = "orchard-camera"
ALL_CAMERAS = "*"


@dataclass(frozen=True)
class CameraGrant:
    """What a valid camera token allows."""

    cameras: frozenset[str]
    expires_at: int
    subject: str | None = None
    generation: int | None = None  # the subject's credential generation when it was minted
    # A share link's token: only this span [start_ms, end_ms) of the archive, never the live camera.
    archive: tuple[int, int] | None = None

    def allows(self, camera: str) -> bool:
        return ALL_CAMERAS in self.cameras or camera in self.cameras


def mint_camera_token(secret: str, cameras: Iterable[str], ttl_s: float,
                      subject: str | None = None, now: float | None = None, generation: int | None = None,
                      archive: tuple[int, int] | None = None) -> str:
    """A token that lets its bearer watch `cameras` ("*" for all) for `ttl_s` seconds.

    `subject` (a user id) and that user's `generation` make it a user's token, ended with their credentials.
    `archive` (start_ms, end_ms) limits it to that span of the cameras' archive: no live view (share links).
    """
    cameras = sorted(set(cameras))
    for camera in cameras:
        if camera != ALL_CAMERAS and not ID_PATTERN.fullmatch(camera):
            raise ValueError(f"camera id {camera!r} must match {ID_PATTERN.pattern}")
    if not cameras:
        raise ValueError("a camera token must name at least one camera")
    issued = int(time.time() if now is None else now)
    claims = {"aud": CAMERA_AUDIENCE, "cams": cameras, "iat": issued, "exp": issued + int(ttl_s)}
    if subject:
        claims["sub"] = subject
    if generation is not None:
        claims["gen"] = int(generation)
    if archive is not None:
        if subject or ALL_CAMERAS in cameras:
            raise ValueError("an archive-only token names its cameras and no user")
        claims["arc"] = [int(archive[0]), int(archive[1])]
    return jwt.encode(claims, check_secret(secret), algorithm="HS256")


def read_camera_token(secret: str, token: str | None) -> CameraGrant:
    """The grant in a token; AuthError if it is missing, forged or expired."""
    if not token:
        raise AuthError("a camera token is required (cookie, Authorization: Bearer, or ?token=)")
    try:
        claims = jwt.decode(token, check_secret(secret), algorithms=["HS256"], audience=CAMERA_AUDIENCE,
                            options={"require": ["exp", "aud"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("the camera token has expired") from None
    except jwt.InvalidTokenError:
        raise AuthError("the camera token is not valid") from None
    cameras, generation, archive = claims.get("cams"), claims.get("gen"), claims.get("arc")
    if not isinstance(cameras, list) or not all(isinstance(c, str) for c in cameras):
        raise AuthError("the camera token is not valid")
    if generation is not None and type(generation) is not int:
        raise AuthError("the camera token is not valid")
    if archive is not None and not (isinstance(archive, list) and len(archive) == 2
                                    and all(type(edge) is int for edge in archive)):
        raise AuthError("the camera token is not valid")
    return CameraGrant(frozenset(cameras), int(claims["exp"]), claims.get("sub"), generation,
                       (archive[0], archive[1]) if archive is not None else None)


def authorize_camera(grant: CameraGrant, camera: str) -> None:
    """Raise Forbidden unless `grant` covers `camera`."""
    if not grant.allows(camera):
        raise Forbidden(f"this token does not cover camera {camera!r}")
