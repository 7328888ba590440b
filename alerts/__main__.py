"""`python -m alerts`: the same as `orchard alerts`."""

from alerts.cli import group

if __name__ == "__main__":
    group(prog_name="python -m alerts")
