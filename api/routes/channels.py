"""A farm's alert channels: admins and the farm's farmers list, add, test and remove them; customers never.

A channel's URL (a robot's key sits in it) and its signing secret are never sent back whole.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import CurrentViewer, load
from api.fields import Int64, Line, Name
from api.services import ServicesDep
from api.times import UTCTime
from orchard.notify.messages import probe_message
from orchard.notify.robots import Channel, post
from orchard.registry.alert_channels import add_channel, get_channel, list_channels, masked_secret, masked_url
from orchard.registry.alerting import AlertChannel
from orchard.registry.models import Farm, utcnow

router = APIRouter(prefix="/farms/{farm_id}/channels", tags=["alert channels"])
TEST_TIMEOUT_S = 10.0


class ChannelOut(BaseModel):
    id: int
    farm_id: str
    kind: str
    name: str
    url: str = Field(description="masked: a robot's key or token is cut to its first characters")
    secret: str | None = Field(description="masked, or null when the channel signs nothing")
    enabled: bool
    created_at: UTCTime

    @classmethod
    def of(cls, channel: AlertChannel) -> ChannelOut:
        return cls(id=channel.id, farm_id=channel.farm_id, kind=channel.kind.value, name=channel.name,
                   url=masked_url(channel.url), secret=masked_secret(channel.secret), enabled=channel.enabled,
                   created_at=channel.created_at)


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="webhook, wecom or dingtalk")
    url: Line = Field(min_length=1, max_length=1000, description="the robot's webhook URL, key included")
    name: Name = Field(default="", max_length=100)
    secret: Line | None = Field(default=None, max_length=200,
                                description="DingTalk's signing secret (SEC...), or the webhook's HMAC key")


class TestOut(BaseModel):
    delivered: bool
    error: str = ""


@router.get("")
def list_farm_channels(farm_id: str, viewer: CurrentViewer, services: ServicesDep) -> list[ChannelOut]:
    """The farm's channels, masked."""
    with services.reading() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        return [ChannelOut.of(channel) for channel in list_channels(session, farm_id)]


@router.post("", status_code=201)
def add_farm_channel(farm_id: str, body: ChannelIn, viewer: CurrentViewer, services: ServicesDep) -> ChannelOut:
    """Send the farm's alerts to a webhook or a WeCom/DingTalk group robot too."""
    with services.writing() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        return ChannelOut.of(add_channel(session, farm_id, body.kind, body.url, name=body.name, secret=body.secret))


@router.post("/{channel_id}/test")
def test_farm_channel(farm_id: str, channel_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> TestOut:
    """Send a short test message now, in the farm's language; says whether the channel took it."""
    with services.reading() as session:
        farm = load(session, Farm, farm_id, viewer, services.policy)
        row = get_channel(session, farm_id, channel_id)
        channel = Channel(row.id, row.farm_id, row.kind, row.url, row.secret)
        message = probe_message(farm=farm.name or farm.id, language=farm.language, timezone=farm.timezone,
                                at=utcnow())
    with httpx.Client(timeout=TEST_TIMEOUT_S) as client:
        outcome = post(client, channel, message, [])
    return TestOut(delivered=outcome.delivered, error=outcome.error)


@router.delete("/{channel_id}", status_code=204)
def remove_farm_channel(farm_id: str, channel_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Stop sending the farm's alerts there; its undelivered messages are dropped."""
    with services.writing() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        session.delete(get_channel(session, farm_id, channel_id))
        session.flush()
    return Response(status_code=204)
