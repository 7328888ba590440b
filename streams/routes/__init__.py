"""One router per resource: cameras (live views), snapshots (the archive), timelapses, health."""
