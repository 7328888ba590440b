import jwt
import pytest

from orchard.auth import AuthError, Forbidden, authorize_camera, mint_camera_token, read_camera_token
from orchard.errors import OrchardError

SECRET = "a-test-secret-that-is-long-enough-for-hmac"


def test_a_token_names_its_cameras_and_expiry():
    token = mint_camera_token(SECRET, ["cam-17", "cam-18"], ttl_s=60, subject="customer-3", now=1_800_000_000)
    grant = jwt.decode(token, SECRET, algorithms=["HS256"], audience="orchard-camera",
                       options={"verify_exp": False, "verify_iat": False})
    assert grant["cams"] == ["cam-17", "cam-18"] and grant["exp"] == 1_800_000_060


def test_a_valid_token_allows_exactly_its_cameras():
    grant = read_camera_token(SECRET, mint_camera_token(SECRET, ["cam-17"], ttl_s=60))
    authorize_camera(grant, "cam-17")
    with pytest.raises(Forbidden):
        authorize_camera(grant, "cam-18")


def test_star_allows_every_camera():
    authorize_camera(read_camera_token(SECRET, mint_camera_token(SECRET, ["*"], ttl_s=60)), "any-cam")


@pytest.mark.parametrize("token, why", [
    (None, "required"),
    ("", "required"),
    ("not-a-token", "not valid"),
    (mint_camera_token("another-secret-that-is-long-enough-for-hmac", ["cam-17"], 60), "not valid"),
    (mint_camera_token(SECRET, ["cam-17"], 60, now=1_000_000_000), "expired"),
    (jwt.encode({"cams": ["cam-17"], "exp": 4_000_000_000}, SECRET, algorithm="HS256"), "not valid"),
    (jwt.encode({"aud": "orchard-camera", "cams": ["cam-17"], "exp": 4_000_000_000}, SECRET,
                algorithm="HS512"), "not valid"),
    (jwt.encode({"aud": "orchard-camera", "cams": "cam-17", "exp": 4_000_000_000}, SECRET,
                algorithm="HS256"), "not valid"),
])
def test_forged_expired_and_missing_tokens_are_refused(token, why):
    with pytest.raises(AuthError, match=why) as caught:
        read_camera_token(SECRET, token)
    assert caught.value.status_code == 401


def test_a_short_secret_is_refused_with_advice():
    with pytest.raises(OrchardError, match="ORCHARD_SECRET_KEY must be set"):
        mint_camera_token("short", ["cam-1"], 60)


def test_camera_ids_are_checked():
    with pytest.raises(ValueError):
        mint_camera_token(SECRET, ["Cam 1"], 60)
