"""The module-level app for `uvicorn web.server:app` (several workers); built from settings."""

from assistant.config import Settings
from web.app import configure_logging, create_app

configure_logging()
app = create_app(Settings())
