"""The ingester: MQTT telemetry in, validated readings into the time-series store."""
