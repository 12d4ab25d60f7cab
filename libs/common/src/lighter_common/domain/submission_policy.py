"""What a submission may ask of the server: its conf policy and its local-file rule together.

The API applies it to every submission, in both dialects, before storing it (a 400 naming
each problem); the submitter applies it again before any backend runs a driver, so a
document that reached the store another way is held to the same rules.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lighter_common.domain.conf_policy import FILE_LIST_KEYS, ConfPolicy
from lighter_common.domain.local_files import LocalFileRule
from lighter_common.domain.submit_params import SubmitParams

_FILE_FIELDS = (
    ("file", "file"),
    ("pyFiles", "py_files"),
    ("files", "files"),
    ("jars", "jars"),
    ("archives", "archives"),
)


@dataclass(frozen=True)
class SubmissionPolicy:
    conf: ConfPolicy
    files: LocalFileRule

    def problems(self, params: SubmitParams, *, conf_lifted: bool = False) -> list[str]:
        """Every rule the submission breaks, one sentence each; empty when it may run.

        `conf_lifted`: the conf policy does not apply (a superuser, where the operator lets
        them past it); the local-file rule always does.
        """
        conf = params.spark_conf()
        found = [] if conf_lifted else self.conf.problems(conf)
        for field, entry in _file_entries(params, conf):
            if (problem := self.files.problem(field, entry)) is not None:
                found.append(problem)
        return found


def _file_entries(params: SubmitParams, conf: dict[str, str]) -> Iterable[tuple[str, str]]:
    for shown, attribute in _FILE_FIELDS:
        value: str | list[str] | None = getattr(params, attribute)
        for entry in [value] if isinstance(value, str) else value or []:
            yield shown, entry
    for key in FILE_LIST_KEYS:
        for entry in conf.get(key, "").split(","):
            if entry.strip():
                yield f"conf '{key}'", entry.strip()


def submission_policy(
    *,
    conf_deny: str,
    conf_allow: str,
    fixed_keys: Iterable[str],
    allowed_local_dirs: Iterable[str | Path] | None,
    local_scheme_is_server: bool,
) -> SubmissionPolicy:
    """The policy from the operator's settings (settings/root.py builds it from LIGHTER_* values)."""
    conf = ConfPolicy.of(deny=conf_deny, allow=conf_allow).with_fixed_keys(fixed_keys)
    files = LocalFileRule.of(allowed_local_dirs, local_scheme_is_server=local_scheme_is_server)
    return SubmissionPolicy(conf=conf, files=files)
