"""Idempotency keys: a client's retry of a submission finds the application it created."""

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Keys are kept at least this long (clients retry within minutes; a day covers outages).
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)


class IdempotencyKey(BaseModel):
    """Who holds a key: the application created for it and what the request looked like."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    key: str = Field(alias="_id")
    fingerprint: str
    app_id: str
    created_at: datetime
