"""Camera tokens: HMAC-signed with ORCHARD_SECRET_KEY, naming cameras and an expiry.

A token minted for a logged-in user names that user as its subject, and the policy
checks the user's claims again on every use; a token without a subject (from
`orchard camera-token`) is an operator's, good for the cameras it names.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from orchard.auth.errors import AuthError, Forbidden
from orchard.errors import OrchardError
from orchard.topics import ID_PATTERN

CAMERA_AUDIENCE = "orchard-camera"
ALL_CAMERAS = "*"
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class CameraGrant:
    """What a valid camera token allows."""

    cameras: frozenset[str]
    expires_at: int
    subject: str | None = None

    def allows(self, camera: str) -> bool:
        return ALL_CAMERAS in self.cameras or camera in self.cameras


def check_secret(secret: str | None) -> str:
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        raise OrchardError(
            f"ORCHARD_SECRET_KEY must be set to a random string of at least {MIN_SECRET_LENGTH} characters "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return secret


def mint_camera_token(secret: str, cameras: Iterable[str], ttl_s: float,
                      subject: str | None = None, now: float | None = None) -> str:
    """A token that lets its bearer watch `cameras` ("*" for all) for `ttl_s` seconds."""
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
    cameras = claims.get("cams")
    if not isinstance(cameras, list) or not all(isinstance(c, str) for c in cameras):
        raise AuthError("the camera token is not valid")
    return CameraGrant(frozenset(cameras), int(claims["exp"]), claims.get("sub"))


def authorize_camera(grant: CameraGrant, camera: str) -> None:
    """Raise Forbidden unless `grant` covers `camera`."""
    if not grant.allows(camera):
        raise Forbidden(f"this token does not cover camera {camera!r}")
