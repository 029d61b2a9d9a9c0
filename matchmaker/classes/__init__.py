"""Live classes and online matchmaking sessions (线上公益直播课堂 / 线上对接活动)."""

from .routes import bp

__all__ = ["bp"]
