"""Who may see what: the one place every service asks.

- `camera_tokens`: signed, expiring tokens naming cameras (for <img src> and MJPEG);
- `sessions`: signed session cookies of logged-in users;
- `throttle`: slows password guessing;
- `policy`: what a viewer (admin, farmer, customer, token bearer) may see, and when,
  from the registry's users, farms and claims.
"""

from orchard.auth.camera_tokens import (
    ALL_CAMERAS,
    CAMERA_AUDIENCE,
    CameraGrant,
    authorize_camera,
    check_secret,
    mint_camera_token,
    read_camera_token,
)
from orchard.auth.errors import AuthError, Forbidden, TooManyAttempts

__all__ = [
    "ALL_CAMERAS", "CAMERA_AUDIENCE", "AuthError", "CameraGrant", "Forbidden", "TooManyAttempts",
    "authorize_camera", "check_secret", "mint_camera_token", "read_camera_token",
]
