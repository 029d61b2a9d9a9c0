"""Forms of the suggestions area: the domain-dictionary editor."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..utils import validators as val


class TermForm(FlaskForm):
    """Add domain words, one per line (or separated by spaces or commas)."""

    words = TextAreaField("新增词条", [val.required("请填写至少一个词条"), val.length(max=5000, label="词条")])
