"""The module-level app for `uvicorn web.server:app` (several workers); built from settings."""

from assistant.config import load_settings
from web.app import configure_logging, create_app

configure_logging()
app = create_app(load_settings())
