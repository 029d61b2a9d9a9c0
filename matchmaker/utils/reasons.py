"""The reason an HTTP refusal of ours gives its user, apart from werkzeug's and libraries' English defaults."""


def own_description(exc):
    """The reason an ``abort(code, description=...)`` of ours gave (Chinese, for the user), or None for werkzeug's
    own English default or any other English text (Flask-Limiter's "10 per 1 minute"): a refusal that says why
    should not be shown as the generic page, and a page never shows English."""
    text = getattr(exc, "description", None)
    if not isinstance(text, str) or text == getattr(type(exc), "description", None):
        return None
    return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else None
