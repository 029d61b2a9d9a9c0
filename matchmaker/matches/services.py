"""The only bridge between the database and the matching engine."""


def listing_changed(listing):
    """Called by the needs and results services after a listing is published, edited,
    closed, solved or expired: (re)compute or withdraw its suggestions."""
    # Filled in by the matching wiring; a no-op keeps the listing services callable.
    return None
