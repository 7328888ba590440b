"""`python -m dashboard`: the same as `orchard dashboard`."""

from dashboard.cli import command

if __name__ == "__main__":
    command()
