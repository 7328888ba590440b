#!/usr/bin/env bash
# Install the Orchard Live field agent on a Raspberry Pi (Raspberry Pi OS bookworm, or any Debian) as a
# systemd service that starts at boot, restarts on any failure and is watched by systemd's watchdog.
#
#   sudo deploy/pi/install.sh device.env
#
# device.env: what `orchard admin add-device` printed for this unit (its ORCHARD_* lines; other lines
# are ignored), plus any ORCHARD_SENSORS / ORCHARD_CAMERAS lines you add. Run it again to update.
# Layout (SD-card friendly: the card is written only by the spool and a small, batched journal):
#   /opt/orchard/venv           the agent (a virtualenv with requirements.lock's versions)
#   /etc/orchard/device.env     its settings, readable by root only (systemd hands them to the agent)
#   /var/lib/orchard            ORCHARD_DATA_DIR: the spool of readings not yet sent
#
# For a staging copy or a test: --root DIR puts every file under DIR and touches nothing of the
# running system (no packages, user, venv or systemctl); --no-venv skips the virtualenv only.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
root=/ env_file= venv=yes

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fail() { echo "install.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=${2:?--root needs a directory}; shift 2 ;;
    --no-venv) venv=no; shift ;;
    -h|--help) usage ;;
    -*) fail "unknown option $1 (see --help)" ;;
    *) [ -z "$env_file" ] || fail "one settings file, please"; env_file=$1; shift ;;
  esac
done
[ -n "$env_file" ] || usage
[ -r "$env_file" ] || fail "cannot read $env_file"
system=$([ "$root" = / ] && echo yes || echo no)
[ "$system" = no ] || [ "$(id -u)" -eq 0 ] || fail "run as root (sudo), or with --root DIR for a staging copy"

# Only ORCHARD_ lines: the admin may paste add-device's whole output, greeting included.
settings=$(grep -E '^ORCHARD_[A-Z0-9_]+=' "$env_file" || true)
for required in ORCHARD_FARM ORCHARD_DEVICE ORCHARD_MQTT_URL; do
  grep -q "^$required=" <<<"$settings" || fail "$env_file has no $required line: use what 'orchard admin add-device' printed"
done
grep -q '^ORCHARD_MQTT_PASSWORD\(_FILE\)\?=' <<<"$settings" || fail "$env_file has no ORCHARD_MQTT_PASSWORD line"
grep -q '^ORCHARD_DATA_DIR=' <<<"$settings" || settings+=$'\nORCHARD_DATA_DIR=/var/lib/orchard'

prefix=${root%/}
if [ "$system" = yes ]; then
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  id orchard >/dev/null 2>&1 || useradd --system --home-dir /var/lib/orchard --shell /usr/sbin/nologin orchard
  for group in video i2c gpio dialout; do   # cameras, I2C and 1-Wire sensors, serial sensors
    getent group "$group" >/dev/null && usermod -aG "$group" orchard
  done
fi

install -d -m 0755 "$prefix/opt/orchard" "$prefix/etc/orchard" "$prefix/etc/systemd/system" \
  "$prefix/etc/systemd/journald.conf.d"
install -d -m 0750 "$prefix/var/lib/orchard"
[ "$system" = no ] || chown orchard:orchard "$prefix/var/lib/orchard"

if [ "$venv" = yes ] && [ "$system" = yes ]; then
  [ -x /opt/orchard/venv/bin/python ] || python3 -m venv /opt/orchard/venv
  /opt/orchard/venv/bin/python -m pip install -q --upgrade pip
  /opt/orchard/venv/bin/python -m pip install -q -c "$repo/requirements.lock" "$repo"
fi

umask 077   # the MQTT password is in there
printf '# Orchard Live field agent settings (from orchard admin add-device); see the README.\n%s\n' \
  "$settings" > "$prefix/etc/orchard/device.env.new"
mv "$prefix/etc/orchard/device.env.new" "$prefix/etc/orchard/device.env"
umask 022
install -m 0644 "$here/orchard-device.service" "$prefix/etc/systemd/system/orchard-device.service"
install -m 0644 "$here/journald-orchard.conf" "$prefix/etc/systemd/journald.conf.d/orchard.conf"

if [ "$system" = yes ]; then
  /opt/orchard/venv/bin/orchard --version >/dev/null
  systemctl daemon-reload
  systemctl restart systemd-journald
  systemctl enable orchard-device.service
  systemctl restart orchard-device.service
  echo "orchard-device is running: journalctl -u orchard-device -f"
else
  echo "installed under $root (no service started)"
fi
