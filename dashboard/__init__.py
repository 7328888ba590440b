"""The Dash dashboard: farmer views (overview, charts, devices, cameras, claims) and customer views."""
