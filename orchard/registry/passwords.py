"""Password hashes: argon2id for people, Mosquitto's PBKDF2 format for devices' MQTT logins."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
HASH_THREADS = _hasher.parallelism  # threads one check keeps busy: the login slots are sized by it

MQTT_SCHEME = "$7$"  # Mosquitto 2: PBKDF2-HMAC-SHA512, the format mosquitto_passwd writes
# Device passwords are 256 random bits, so stretching adds nothing; few rounds keep the broker's
# single thread fast when hundreds of field units reconnect after a power cut.
MQTT_ITERATIONS = 1000
MQTT_SALT_BYTES = 12


def hash_password(password: str) -> str:
    """An argon2id hash of a person's password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches `password_hash`; False for a wrong password, no hash or a broken hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True if the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def new_secret() -> str:
    """A random secret for a machine (an MQTT password, an API token): 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def mqtt_password_hash(password: str, iterations: int = MQTT_ITERATIONS) -> str:
    """The line Mosquitto's password file holds after `username:` for this password."""
    salt = secrets.token_bytes(MQTT_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"{MQTT_SCHEME}{iterations}${_b64(salt)}${_b64(digest)}"


def verify_mqtt_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches a Mosquitto `$7$` hash (ours or mosquitto_passwd's)."""
    if not password_hash or not password_hash.startswith(MQTT_SCHEME):
        return False
    try:
        iterations, salt, digest = password_hash[len(MQTT_SCHEME):].split("$")
        expected = base64.b64decode(digest, validate=True)
        actual = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt, validate=True),
                                     int(iterations))
    except ValueError:  # also binascii.Error: a damaged hash matches nothing
        return False
    return hmac.compare_digest(expected, actual)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
