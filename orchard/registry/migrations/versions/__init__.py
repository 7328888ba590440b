"""One module per registry schema revision, oldest first."""
