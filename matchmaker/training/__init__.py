"""Technology-broker training and certification (技术经纪人培训)."""

from .routes import bp

__all__ = ["bp"]
