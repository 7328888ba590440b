"""Who may see what: the one place every service asks.

- `secret`: the check that ORCHARD_SECRET_KEY is strong enough;
- `camera_tokens`: signed, expiring tokens naming cameras (for <img src> and MJPEG);
- `sessions`: the session cookie (name, lifetime, flags, content; set and cleared here only);
- `throttle` and `login`: password logins, throttled, on threads of their own;
- `viewer` and `policy`: who asks, and what they may see, and when, from the registry's
  users, farms and claims;
- `setup`: the policy and the uvicorn proxy options a web service builds from its settings.
"""

from orchard.auth.camera_tokens import (
    ALL_CAMERAS,
    CAMERA_AUDIENCE,
    CameraGrant,
    authorize_camera,
    mint_camera_token,
    read_camera_token,
)
from orchard.auth.errors import AuthError, Forbidden, LoginsBusy, TooManyAttempts
from orchard.auth.secret import check_secret
from orchard.registry.tokens import TOKEN_PREFIX as API_TOKEN_PREFIX

__all__ = [
    "ALL_CAMERAS", "API_TOKEN_PREFIX", "CAMERA_AUDIENCE", "AuthError", "CameraGrant", "Forbidden", "LoginsBusy",
    "TooManyAttempts", "authorize_camera", "check_secret", "mint_camera_token", "read_camera_token",
]
