"""Visits to enterprises and expert visits (走访 / 专家进企业), and each enterprise's service history."""

from .routes import bp

__all__ = ["bp"]
