"""Form fields shared across areas: exact money, comma-separated keywords."""

from decimal import Decimal

from wtforms import StringField

from .validators import parse_money


class MoneyField(StringField):
    """A Decimal amount typed as text; never a float. Keeps what was typed on error."""

    def __init__(self, label=None, validators=None, max_value=Decimal("9999999999999.99"), **kw):
        super().__init__(label, validators, **kw)
        self.max_value = max_value
        self.raw = ""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw.strip():
            try:
                self.data = parse_money(self.raw)
            except ValueError as exc:
                self.process_errors.append(str(exc))
                return
            if self.data > self.max_value:
                self.data = None
                self.process_errors.append("金额超出允许范围")

    def _value(self):
        if self.raw:
            return self.raw
        return "" if self.data is None else f"{self.data:.2f}"


def split_keywords(text, max_count=10, max_len=20):
    """Split on commas/spaces (full or half width), trim, de-duplicate, keep order."""
    import re

    seen, out = set(), []
    for part in re.split(r"[,，、;；\s]+", text or ""):
        part = part.strip()
        if part and part.lower() not in seen:
            seen.add(part.lower())
            out.append(part[:max_len])
    return out[:max_count]
