"""One module per page; dashboard.app imports them all, and each registers itself with dash.register_page."""
