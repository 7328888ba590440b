#!/bin/sh
# Writes the broker's password file from the services' secrets, then starts Mosquitto.
# Device accounts are added by `orchard admin sync-broker` (or mosquitto_passwd) into the same file.
set -eu
passwd=/mosquitto/data/passwd
touch "$passwd"
for account in orchard-ingest orchard-streams orchard-simulator; do
  secret="/run/secrets/mqtt_$(echo "$account" | tr - _ | sed 's/^orchard_//')"
  [ -f "$secret" ] && mosquitto_passwd -b "$passwd" "$account" "$(cat "$secret")"
done
chown mosquitto:mosquitto "$passwd" && chmod 0600 "$passwd"
exec mosquitto -c /mosquitto/config/mosquitto.conf
