"""Times in the API's answers: always UTC. Times in queries are read by orchard.times, as every service reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator

from orchard.times import utc

# A time in an answer: the same instant reads the same whether it was just written or read back.
UTCTime = Annotated[datetime, AfterValidator(utc)]
