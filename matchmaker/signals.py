"""Events a lower layer announces to the layers above it (blinker signals, connected by the receivers).

Only for the few places where the module that notices something must not import the one that acts.
"""

from blinker import Namespace

_signals = Namespace()

# Sent by suggestions.indexing (sender: the app, reason: "growth" / "dictionary" / "schedule") when this
# process's index is due for a full refit; suggestions.refit starts one in the background.
refit_due = _signals.signal("refit-due")
