"""Live regions of a rendered page: what a screen reader announces by itself when it changes."""

from html.parser import HTMLParser

LIVE_ROLES = {"status", "alert", "log", "marquee", "timer"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def live_ancestors(page: str, element_id: str) -> list[str]:
    """The live regions (role status/alert/log/… or aria-live polite/assertive) the element ``element_id`` is in or
    is, as "<tag role=… aria-live=…>"; empty when a change of its text is announced by nothing. Fails when the page
    has no such element."""

    class Finder(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.stack, self.found = [], None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag not in VOID:
                self.stack.append((tag, a))
            if a.get("id") == element_id and self.found is None:
                self.found = list(self.stack) if tag not in VOID else [*self.stack, (tag, a)]

        def handle_endtag(self, tag):
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    break

    finder = Finder()
    finder.feed(page)
    assert finder.found is not None, f"no element #{element_id} on the page"
    return [
        f"<{tag} role={a.get('role')} aria-live={a.get('aria-live')}>"
        for tag, a in finder.found
        if a.get("role") in LIVE_ROLES or a.get("aria-live") in ("polite", "assertive")
    ]
