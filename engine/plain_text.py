"""Text as people compare it: without case or accents (keeping ñ), so «Área» sorts with «a»."""

from __future__ import annotations

import unicodedata


def plain(text: str) -> str:
    """Lower case without accents (keeping ñ): «Habilitación» → «habilitacion»."""
    text = text.lower().replace("ñ", "\0")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.replace("\0", "ñ")
