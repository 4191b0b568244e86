"""Flask extensions, created unbound and wired to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from survey.core.db import db

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No default limits: each sensitive endpoint declares its own (see auth.views).
limiter = Limiter(key_func=get_remote_address)

__all__ = ["babel", "csrf", "db", "limiter", "login_manager"]
