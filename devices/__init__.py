"""The Pi field agent and the field simulator."""
