"""The Dash dashboard: farmer and customer views. Arrives with its own issue."""
