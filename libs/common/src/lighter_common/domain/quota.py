"""The per-user quota: how many unfinished applications one owner may hold at once.

The capacity rule (domain/capacity.py) decides which waiting applications launch; this one
keeps a single user from filling the queue, and the database, with submissions. Past the
quota a submission is refused, worth retrying once some of the owner's applications finish.
Unfinished means any state in UNFINISHED_STATES, deleted ones included until they are killed.
"""

from lighter_common.domain.errors import QuotaExceeded

# What a refused client is told to wait: applications take seconds to minutes to finish.
RETRY_AFTER_SECONDS = 30


def check_unfinished_quota(owner: str, unfinished: int, limit: int) -> None:
    """Raise QuotaExceeded when `owner` already holds `limit` unfinished applications (0: none)."""
    if limit > 0 and unfinished >= limit:
        raise QuotaExceeded(
            f"User '{owner}' already has {unfinished} unfinished applications, the most one"
            f" user may have at once ({limit}); retry when some have finished or been deleted",
            retry_after_seconds=RETRY_AFTER_SECONDS,
        )
