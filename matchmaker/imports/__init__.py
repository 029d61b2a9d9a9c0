"""The imports area: admins' bulk import of needs and results from Excel or CSV."""

from .routes import bp

__all__ = ["bp"]
