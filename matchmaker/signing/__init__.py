"""Online signing of technology contracts (网上签约): a library with no Flask in it.

- ``amounts``   money in figures and in Chinese capitals (人民币大写);
- ``text``      the contract's text from a template per contract type;
- ``fonts``     a Chinese font found on the machine (Debian's fonts-noto-cjk first);
- ``pdf``       the text laid out as a byte-stable PDF with the font embedded;
- ``authority`` the platform's certificate authority and keys encrypted at rest;
- ``pades``     PAdES signatures with pyHanko: the parties', then the platform's locking one;
- ``verify``    every signature of a PDF checked: signer, time, integrity, trust.

The web side (``contracts/signing_*.py``) maps rows to these calls.
"""

from .amounts import rmb_upper, yuan_figures
from .text import ContractTerms, Party, build_text

__all__ = ["ContractTerms", "Party", "build_text", "rmb_upper", "yuan_figures"]
