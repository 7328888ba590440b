"""Customer views: "My tree", built from the viewer's claims."""
