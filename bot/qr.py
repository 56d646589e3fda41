"""A link as a printable QR code (PNG), for a meeting's flyer or door (pure)."""

from __future__ import annotations

import io

import segno

# Medium error correction survives a folded or scuffed flyer; 10 pixels a module prints sharp
# at the size of a hand, and 4 modules of quiet zone is what the standard asks for.
_ERROR = "m"
_SCALE = 10
_BORDER = 4


def qr_png(link: str) -> bytes:
    """The PNG image of a QR code that opens `link`."""
    out = io.BytesIO()
    segno.make(link, error=_ERROR, micro=False).save(out, kind="png", scale=_SCALE, border=_BORDER)
    return out.getvalue()
