"""Time to render and sign one certificate, for ``bench/documents.py``.

Uses the platform's base template, a development certificate in a temporary folder and
the signer opened once (as the connector does), so the figures are the per-certificate
cost of a running server.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from connectors.documents.codes import verification_code, verification_link
from connectors.documents.render import BASE_TEMPLATE_DIR, render_certificate
from connectors.documents.signing import create_development_certificate, load_signer, sign_pdf

SAMPLE_DATA = {
    "cuerpo": "Se certifica que el inmueble identificado no registra deudas por tasas municipales.",
    "titular": "María José Núñez",
    "padron": "123456",
    "domicilio": "Av. Mate de Luna 1234, San Miguel de Tucumán",
    "superficie_m2": 312.5,
}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_render_and_sign(n: int = 20) -> dict[str, float]:
    """Render and sign ``n`` certificates and report the timings in milliseconds.

    :param n: how many certificates (one warm-up run is not counted).
    :return: ``median_ms`` and ``p95_ms`` of render+sign, and ``render_median_ms``,
        ``sign_median_ms``, ``size_kb`` for the table.
    """
    with tempfile.TemporaryDirectory(prefix="bench-cert-") as folder:
        signer = load_signer(create_development_certificate(Path(folder) / "dev.p12", "bench"), "bench")
        render_ms: list[float] = []
        sign_ms: list[float] = []
        size = 0
        for run in range(n + 1):
            code = verification_code()
            started = time.perf_counter()
            pdf = render_certificate(BASE_TEMPLATE_DIR, SAMPLE_DATA, title="Certificado de libre deuda",
                                     verification_url=verification_link("https://tramites.example", code),
                                     verification_code=code, case_number=f"EXP-2026-{run:06d}")
            rendered = time.perf_counter()
            signed = sign_pdf(pdf, signer, reason="Emisión de certificado")
            done = time.perf_counter()
            if run:  # the first run pays for imports and font loading
                render_ms.append((rendered - started) * 1000)
                sign_ms.append((done - rendered) * 1000)
                size = len(signed)
    total = [r + s for r, s in zip(render_ms, sign_ms, strict=True)]
    return {
        "median_ms": statistics.median(total),
        "p95_ms": _percentile(total, 0.95),
        "render_median_ms": statistics.median(render_ms),
        "sign_median_ms": statistics.median(sign_ms),
        "size_kb": size / 1024,
    }
