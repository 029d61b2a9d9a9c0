"""IP-pledge financing referrals (知识产权质押融资): 政府 + 银行 + 保险 + 评估公司."""

from .routes import bp

__all__ = ["bp"]
