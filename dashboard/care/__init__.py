"""The care log in the dashboard: the farmer's form and list (pages/care.py), entry cards and the promise panel."""
