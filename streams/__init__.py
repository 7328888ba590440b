"""The camera relay (FastAPI): frames in over MQTT, latest JPEG, MJPEG and archive out. Arrives with the camera issue."""
