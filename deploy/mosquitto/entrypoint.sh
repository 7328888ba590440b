#!/bin/sh
# Prepares the broker's files in the mosquitto-data volume, then starts Mosquitto.
#   passwd: the services' accounts are (re)written from their secrets; every other line, such as
#           the device accounts `orchard admin sync-broker` writes, is left as it is.
#   acl:    written by `orchard admin sync-broker`; on first start, the services' rules of
#           /mosquitto/config/acl without its pattern lines, so no device is let in before a sync.
#   mosquitto.pid: for `orchard admin sync-broker --reload-pid` (exec keeps this shell's pid).
set -eu
data=/mosquitto/data
passwd=$data/passwd
acl=$data/acl
touch "$passwd"
for account in orchard-ingest orchard-streams orchard-dashboard orchard-simulator orchard-alerts; do
  secret="/run/secrets/mqtt_$(echo "$account" | tr - _ | sed 's/^orchard_//')"
  if [ -f "$secret" ]; then
    mosquitto_passwd -b "$passwd" "$account" "$(cat "$secret")"
  fi
done
if [ ! -s "$acl" ]; then
  grep -v '^[[:space:]]*pattern' /mosquitto/config/acl > "$acl.new"
  mv "$acl.new" "$acl"
fi
chown mosquitto:mosquitto "$passwd" "$acl" && chmod 0600 "$passwd" "$acl"
echo $$ > "$data/mosquitto.pid"
exec mosquitto -c /mosquitto/config/mosquitto.conf
