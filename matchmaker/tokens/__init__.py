"""API tokens: each user's own tokens and admins' service tokens for other systems."""

from .routes import bp

__all__ = ["bp"]
