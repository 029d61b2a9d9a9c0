"""The results area: researchers' research results (科技成果), a thin twin of needs over listings/."""

from .routes import bp

__all__ = ["bp"]
