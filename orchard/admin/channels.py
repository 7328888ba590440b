"""A farm's alert channels: `add-channel`, `remove-channel`, `test-channel`, and the rows of `list channels`.

URLs and secrets are shown masked: a WeCom URL's key or a DingTalk URL's access token lets anyone
post to the group.
"""

from __future__ import annotations

import sys

import click
import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchard.admin.context import Admin, pass_admin
from orchard.admin.farms import need_farm
from orchard.notify.messages import probe_message
from orchard.notify.robots import Channel, post
from orchard.registry.alert_channels import add_channel, list_channels, masked_secret, masked_url
from orchard.registry.alerting import AlertChannel, AlertDelivery, ChannelKind
from orchard.registry.models import Farm, utcnow

Rows = tuple[list[str], list[list[object]]]


def channels(session: Session, farm_id: str | None) -> Rows:
    """`orchard admin list channels`: each channel, masked, with its waiting and given-up messages."""
    def count(*where) -> dict[int, int]:
        query = select(AlertDelivery.channel_id, func.count()).where(*where).group_by(AlertDelivery.channel_id)
        return {channel_id: number for channel_id, number in session.execute(query)}

    waiting = count(AlertDelivery.delivered_at.is_(None), AlertDelivery.gave_up_at.is_(None))
    given_up = count(AlertDelivery.gave_up_at.is_not(None))
    return (["id", "farm", "kind", "name", "url", "secret", "enabled", "waiting", "given up"],
            [[c.id, c.farm_id, c.kind.value, c.name or None, masked_url(c.url), masked_secret(c.secret),
              "yes" if c.enabled else "no", waiting.get(c.id, 0), given_up.get(c.id, 0)]
             for c in list_channels(session, farm_id)])


def need_channel(session: Session, channel_id: int) -> AlertChannel:
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        raise click.ClickException(f"there is no alert channel {channel_id} (see `orchard admin list channels`)")
    return channel


@click.command("add-channel")
@click.option("--farm", "farm_id", required=True, help="The farm whose alerts it receives.")
@click.option("--kind", type=click.Choice([kind.value for kind in ChannelKind]), required=True,
              help="webhook (JSON POST), wecom (企业微信 group robot) or dingtalk (钉钉 custom robot).")
@click.option("--url", required=True, help="The robot's webhook URL as its settings show it (it holds its key).")
@click.option("--name", default="", help="What the farmers call it, e.g. 'orchard group'.")
@click.option("--secret", "ask_secret", is_flag=True,
              help="Ask for the signing secret (DingTalk's SEC..., or the webhook's HMAC key): "
                   "a hidden prompt, or the first line of stdin.")
@pass_admin
def add_channel_command(admin: Admin, farm_id: str, kind: str, url: str, name: str, ask_secret: bool) -> None:
    """Send a farm's alerts to a webhook or a WeCom/DingTalk group robot."""
    secret = None
    if ask_secret:
        secret = (sys.stdin.readline().rstrip("\r\n") if not sys.stdin.isatty()
                  else click.prompt("Signing secret", hide_input=True))
        if not secret:
            raise click.ClickException("no secret given; leave out --secret for a channel without one")
    with admin.session() as session:
        need_farm(session, farm_id)
        channel = add_channel(session, farm_id, kind, url, name=name, secret=secret)
        shown = f"channel {channel.id}: {kind} {masked_url(channel.url)}"
    click.echo(f"{shown} added to farm {farm_id}; try it with `orchard admin test-channel {channel.id}`")


@click.command("remove-channel")
@click.argument("channel_id", metavar="ID", type=int)
@pass_admin
def remove_channel_command(admin: Admin, channel_id: int) -> None:
    """Stop sending alerts to a channel; its undelivered messages are dropped."""
    with admin.session() as session:
        channel = need_channel(session, channel_id)
        farm_id = channel.farm_id
        session.delete(channel)
    click.echo(f"channel {channel_id} removed from farm {farm_id}")


@click.command("test-channel")
@click.argument("channel_id", metavar="ID", type=int)
@pass_admin
def test_channel_command(admin: Admin, channel_id: int) -> None:
    """Send a short test message to a channel now, in its farm's language, and say how it went."""
    with admin.session() as session:
        row = need_channel(session, channel_id)
        farm = session.get_one(Farm, row.farm_id)
        channel = Channel(row.id, row.farm_id, row.kind, row.url, row.secret)
        message = probe_message(farm=farm.name or farm.id, language=farm.language, timezone=farm.timezone,
                                at=utcnow())
    with httpx.Client(timeout=admin.settings.alerts_send_timeout_s) as client:
        outcome = post(client, channel, message, [])
    where = f"channel {channel_id} ({channel.kind.value} {masked_url(channel.url)})"
    if not outcome.delivered:
        hint = " (a network or server problem: try again later)" if outcome.retry else ""
        raise click.ClickException(f"{where} did not take the test message: {outcome.error}{hint}")
    click.echo(f"{where} took the test message; look for it in the group")
