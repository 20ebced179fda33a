"""The map's two errors in words a provider reads: between surveyed roads, and on them."""

from __future__ import annotations

__all__ = ["accuracy_texts"]


def accuracy_texts(errors: dict[str, float | None]) -> dict[str, str]:
    """One sentence per language (``id``, ``en``) from ``Coverage.errors()``.

    Blocked CV is the typical error where no one drove (whole 500 m squares left out);
    leave-one-drive-out is the typical error on roads already driven, for the next drive.
    """
    blocked = errors.get("blocked_cv_rmse_db")
    lodo = errors.get("lodo_rmse_db")
    en, id_ = [], []
    if lodo is not None:
        en.append(
            f"On roads already surveyed, a new drive measures typically within ±{lodo:.1f} dB "
            "of the map (leave-one-drive-out check)."
        )
        id_.append(
            f"Di jalan yang sudah disurvei, pengukuran baru biasanya berbeda ±{_koma(lodo)} dB "
            "dari peta (uji tanpa satu perjalanan)."
        )
    if blocked is not None:
        en.append(
            f"Between surveyed roads the map is typically within ±{blocked:.1f} dB "
            "(check leaving out whole 500 m squares)."
        )
        id_.append(
            f"Di antara jalan yang disurvei, peta biasanya berbeda ±{_koma(blocked)} dB "
            "(uji dengan menyisihkan kotak 500 m)."
        )
    return {"en": " ".join(en), "id": " ".join(id_)}


def _koma(value: float) -> str:
    """``3,0``: Indonesian writes a decimal comma."""
    return f"{value:.1f}".replace(".", ",")
