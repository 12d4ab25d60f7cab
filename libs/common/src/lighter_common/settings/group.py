"""What every group of settings shares: read from LIGHTER_* environment variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsGroup(BaseSettings):
    """One concern's settings. A field's variable is the group's prefix and the field's name in
    upper case, or the names its `validation_alias` gives (the original Lighter's aliases)."""

    model_config = SettingsConfigDict(env_prefix="LIGHTER_", extra="ignore", populate_by_name=True)
