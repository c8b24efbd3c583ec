"""Published PSNR / SSIM figures (Y channel, bicubic degradation), to print beside our own.

Sources: the bicubic, SRCNN, FSRCNN and EDSR rows as tabulated in RCAN (Zhang et al., ECCV 2018,
Table 3); VDSR from Kim et al., CVPR 2016, Table 3; ESPCN from Shi et al., CVPR 2016, Tables 1-2
(PSNR only); SRCNN 9-1-5 (91 images) from Dong et al., ECCV 2014, Table 1; EDSR-baseline from later
lightweight-SR papers (e.g. Ahn et al., CARN, ECCV 2018). Keys: (method, scale, set) -> (PSNR, SSIM or None).
"""

from __future__ import annotations

__all__ = ["PUBLISHED", "CITATIONS", "SET_ALIASES", "UNPUBLISHED_SETS", "published"]

_ROWS = """
bicubic 2 33.66/0.9299 30.24/0.8688 29.56/0.8431 26.88/0.8403
bicubic 3 30.39/0.8682 27.55/0.7742 27.21/0.7385 24.46/0.7349
bicubic 4 28.42/0.8104 26.00/0.7027 25.96/0.6675 23.14/0.6577
srcnn 2 36.66/0.9542 32.45/0.9067 31.36/0.8879 29.50/0.8946
srcnn 3 32.75/0.9090 29.30/0.8215 28.41/0.7863 26.24/0.7989
srcnn 4 30.48/0.8628 27.50/0.7513 26.90/0.7101 24.52/0.7221
srcnn-915-91 3 32.39/- -/- -/- -/-
fsrcnn 2 37.05/0.9560 32.66/0.9090 31.53/0.8920 29.88/0.9020
fsrcnn 3 33.18/0.9140 29.37/0.8240 28.53/0.7910 26.43/0.8080
fsrcnn 4 30.72/0.8660 27.61/0.7550 26.98/0.7150 24.62/0.7280
espcn 3 33.13/- 29.49/- -/- -/-
espcn-91 3 32.55/- -/- -/- -/-
espcn 4 30.90/- 27.73/- -/- -/-
vdsr 2 37.53/0.9587 33.03/0.9124 31.90/0.8960 30.76/0.9140
vdsr 3 33.66/0.9213 29.77/0.8314 28.82/0.7976 27.14/0.8279
vdsr 4 31.35/0.8838 28.01/0.7674 27.29/0.7251 25.18/0.7524
edsr-baseline 2 37.99/0.9604 33.57/0.9175 32.16/0.8994 31.98/0.9272
edsr-baseline 4 32.09/0.8938 28.58/0.7813 27.57/0.7357 26.04/0.7849
edsr 2 38.11/0.9602 33.92/0.9195 32.32/0.9013 32.93/0.9351
edsr 3 34.65/0.9280 30.52/0.8462 29.25/0.8093 28.80/0.8653
edsr 4 32.46/0.8968 28.80/0.7876 27.71/0.7420 26.64/0.8033
"""
_SETS = ("Set5", "Set14", "B100", "Urban100")


def _parse() -> dict[tuple[str, int, str], tuple[float, float | None]]:
    table = {}
    for line in _ROWS.strip().splitlines():
        method, scale, *cells = line.split()
        for set_name, cell in zip(_SETS, cells, strict=True):
            p, s = cell.split("/")
            if p != "-":
                table[(method, int(scale), set_name)] = (float(p), None if s == "-" else float(s))
    return table


PUBLISHED = _parse()

CITATIONS = {
    "bicubic": "as tabulated in Zhang et al., RCAN, ECCV 2018",
    "srcnn": "Dong et al., TPAMI 2016 (9-5-5, ImageNet), via RCAN",
    "srcnn-915-91": "Dong et al., ECCV 2014, 9-1-5 trained on 91 images",
    "fsrcnn": "Dong, Loy & Tang, ECCV 2016, via RCAN",
    "espcn": "Shi et al., CVPR 2016, trained on ImageNet",
    "espcn-91": "Shi et al., CVPR 2016, trained on 91 images",
    "vdsr": "Kim, Lee & Lee, CVPR 2016",
    "edsr-baseline": "Lim et al., CVPRW 2017, baseline model, via lightweight-SR papers",
    "edsr": "Lim et al., CVPRW 2017, via RCAN",
}


#: accepted spellings of each set, lower-cased: the table's own names and srkit.download's data-set names
SET_ALIASES = {
    "set5": "Set5",
    "set5_edsr": "Set5",
    "set14": "Set14",
    "b100": "B100",
    "bsd100": "B100",
    "urban100": "Urban100",
}
#: sets srkit knows that no paper reports on: the bundled splits (``srkit.data.bundled``)
UNPUBLISHED_SETS = ("train", "validation", "test")


def _method(method: str) -> str | None:
    """The table's name for ``method`` (case-insensitive); ``None`` for ``""`` (no published counterpart)."""
    key = str(method or "").strip().lower()
    if not key:
        return None
    methods = dict.fromkeys(m for m, _, _ in PUBLISHED)  # the table's rows, in order
    if key not in methods:
        raise ValueError(f"no published figures for method {method!r}; known methods: {', '.join(methods)}")
    return key


def _set(set_name: str, strict: bool = True) -> str | None:
    """The table's name for ``set_name`` (case-insensitive, srkit.download aliases); ``None`` for a set
    with no published figures (a bundled split, or a folder path as ``srkit.benchmark models`` takes)."""
    key = str(set_name).strip().lower()
    if key in SET_ALIASES:
        return SET_ALIASES[key]
    if key in UNPUBLISHED_SETS or "/" in key or "\\" in key or not strict:
        return None
    raise ValueError(
        f"no published figures for set {set_name!r}; known sets: {', '.join(_SETS)} "
        f"(also spelt {', '.join(sorted(SET_ALIASES))}, any case), or {', '.join(UNPUBLISHED_SETS)} "
        f"(bundled, no published figures)"
    )


def published(method: str, scale: int, set_name: str, *, strict: bool = True) -> tuple[float, float | None] | None:
    """(PSNR, SSIM) as published, or None when the paper gives no figure for that set and scale.

    Method and set names are case-insensitive (``"VDSR"``, ``"set5"``); sets also go by srkit.download's
    names (``"b100"``, ``"bsd100"``, ``"set5_edsr"``). ``None`` too for ``method=""`` (no published
    counterpart, as ``srkit.benchmark.PUBLISHED_ROW.get(arch, "")`` gives), for the bundled splits
    ``train``/``validation``/``test`` and for a folder path. An unknown method or set name is a
    ``ValueError`` listing the known ones, so that a misspelling is not read as "no published figure";
    with ``strict=False`` an unknown set gives ``None`` (a learner's own set, e.g. ``benchmark --sets Manga109``).
    """
    row, table_set = _method(method), _set(set_name, strict)
    if row is None or table_set is None:
        return None
    return PUBLISHED.get((row, int(scale), table_set))
