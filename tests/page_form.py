"""The values a rendered form would post back as it is shown: what a user sends who changes nothing."""

from html.parser import HTMLParser


def form_values(page: str, having: str) -> dict:
    """{name: value} (a list for a name given more than once) of the form on ``page`` with a field named ``having``:
    its inputs (checkboxes and radios when checked; no buttons), textareas, and selects' selected options (else
    their first, as a browser sends). Fails when the page has no such form."""

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.forms, self.form, self.text, self.select = [], None, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.form = {"fields": [], "selects": []}
                self.forms.append(self.form)
            elif self.form is None or a.get("name") is None and tag != "option":
                return
            elif tag == "input" and a.get("type") not in ("submit", "button", "image", "reset", "file"):
                if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                    self.form["fields"].append((a["name"], a.get("value") or ("on" if "checked" in a else "")))
            elif tag == "textarea":
                self.text = [a["name"], ""]
            elif tag == "select":
                self.select = {"name": a["name"], "multiple": "multiple" in a, "options": [], "selected": []}
                self.form["selects"].append(self.select)
            elif tag == "option" and self.select is not None:
                value = a.get("value", "")
                self.select["options"].append(value)
                if "selected" in a:
                    self.select["selected"].append(value)

        def handle_data(self, data):
            if self.text is not None:
                self.text[1] += data

        def handle_endtag(self, tag):
            if tag == "textarea" and self.text is not None:
                self.form["fields"].append((self.text[0], self.text[1].removeprefix("\r\n").removeprefix("\n")))
                self.text = None
            elif tag == "select":
                self.select = None
            elif tag == "form":
                self.form = None

    reader = Reader()
    reader.feed(page)
    for form in reader.forms:
        pairs = list(form["fields"])
        for s in form["selects"]:
            chosen = s["selected"] or ([] if s["multiple"] else s["options"][:1])
            pairs += [(s["name"], v) for v in chosen]
        if having in {name for name, _ in pairs}:
            out = {}
            for name, value in pairs:
                out[name] = [*out[name], value] if isinstance(out.get(name), list) else (
                    [out[name], value] if name in out else value)  # fmt: skip
            return out
    raise AssertionError(f"no form with a field {having!r} on the page")
