"""The camera relay (FastAPI): frames in over MQTT; latest JPEG, MJPEG, archive and timelapses out."""
