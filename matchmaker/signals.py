"""Events a lower layer announces to the layers above it (blinker signals, connected by the receivers).

Only for the few places where the module that notices something must not import the one that acts.
"""

from blinker import Namespace

_signals = Namespace()
