"""The fast channel for urgent needs (技术需求快速通道)."""

from .routes import bp

__all__ = ["bp"]
