"""API tokens of the person asking: made here, shown once, then only their names and dates."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.access import CurrentViewer, load, signed_in_user
from api.fields import Int64, Name
from api.services import ServicesDep
from api.times import Moment, UTCTime
from orchard.registry import tokens
from orchard.registry.models import ApiToken, utcnow

router = APIRouter(prefix="/tokens", tags=["tokens"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=100, description="what the token is for, e.g. 'backup script'")
    expires_at: Moment | None = None

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value <= utcnow():
            raise ValueError("must be in the future")
        return value


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: UTCTime
    last_used_at: UTCTime | None
    expires_at: UTCTime | None
    revoked_at: UTCTime | None


class TokenCreated(TokenOut):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown this once only")


@router.get("")
def list_tokens(viewer: CurrentViewer, services: ServicesDep) -> list[TokenOut]:
    """The asker's own tokens, revoked ones included."""
    with services.reading() as session:
        user = signed_in_user(session, viewer)
        return [TokenOut.model_validate(token) for token in tokens.list_api_tokens(session, user)]


@router.post("", status_code=201)
def create_token(body: TokenIn, viewer: CurrentViewer, services: ServicesDep) -> TokenCreated:
    """A new token acting as the asker; its plaintext is in this answer and nowhere else."""
    with services.writing() as session:
        user = signed_in_user(session, viewer)
        token, plaintext = tokens.create_api_token(session, user, body.name, body.expires_at)
        return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Revoke one of the asker's tokens; another person's token is 404, as if it did not exist."""
    with services.writing() as session:
        token = load(session, ApiToken, token_id, viewer, services.policy)
        tokens.revoke_api_token(session, token)
    return Response(status_code=204)
