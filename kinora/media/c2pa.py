"""C2PA content credentials for generated MP4s: sign last, read back with a plain-language status.

Signing adds a `c2pa.hash.bmff.v3` hard binding over the whole file, so it must be the very last step: any byte
changed afterwards (a remux, a re-encode, one flipped bit in mdat) makes the manifest "invalid" or strips it.

Trust policy of `read`. Our instance CA is self-made, so no public C2PA trust list knows it. We separate two
questions:
  status  "valid"   the claim signature and every hash check out (cryptographically intact), whoever signed;
          "invalid" a signature, hash or assertion check failed: the file was changed after signing;
          "absent"  the MP4 carries no manifest (never signed, or stripped by a re-encode).
  trusted True only when the signing chain ends in an anchor we were given explicitly (our own instance CA,
          or an operator's root) and the certificate is current. An intact manifest from an unknown signer is
          "valid" + trusted=False + a warning, which is what third-party validators show for our clips too
          ("signingCredential.untrusted"); an expired or revoked signer is the same, never "invalid".
"valid" also requires c2pa-rs to report the claim signature as validated, so a manifest it could not check is
never called valid.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import c2pa
from cryptography import x509

from kinora.media.certs import SigningIdentity

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
GENERATOR_LABEL = "org.kinora.generator"  # our own assertion: the full generator dict, read back verbatim
SOFT_BINDING_LABEL = "c2pa.soft-binding"
MAX_MANIFEST_BYTES = 16 << 20  # ours are ~10 KB; a hostile upload must not make us read gigabytes into memory
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")  # the top-level uuid box that holds the manifest
# Codes about who signed and whether their certificate is current, not about the bytes: reported as warnings
# with trusted=False, never as "invalid". (Without a timestamp authority c2pa-rs checks the leaf against today,
# so "expired" would otherwise turn every old clip "invalid" the day its leaf expires.)
TRUST_CODES = frozenset({"signingCredential.untrusted", "signingCredential.expired", "signingCredential.revoked"})

Status = Literal["valid", "invalid", "absent"]


@dataclass(frozen=True)
class Signer:
    subject: str  # RFC 4514, e.g. "CN=demo C2PA Signer,O=Kinora instance demo"
    issuer: str
    algorithm: str


@dataclass(frozen=True)
class C2paReport:
    status: Status
    trusted: bool = False
    ai_generated: bool = False
    signer: Signer | None = None
    generator: dict[str, Any] | None = None
    soft_binding: dict[str, str] | None = None  # {"alg": ..., "value": <watermark payload, hex>}
    title: str | None = None
    errors: list[str] = field(default_factory=list)  # integrity failures ("code: explanation"); status "invalid"
    warnings: list[str] = field(default_factory=list)  # trust findings (TRUST_CODES) that leave status alone


def sign_mp4(
    src: Path,
    dst: Path,
    *,
    identity: SigningIdentity,
    generator: dict[str, Any],
    soft_binding: dict[str, str] | None,
    title: str,
    tsa_url: str | None = None,
) -> None:
    """Write `src` to `dst` with an embedded, signed manifest: AI-created, watermarked, linked to the watermark.

    `generator` must name "version" (Kinora's), "engine" and "model"; `soft_binding` is {"alg", "value"} where
    value is the invisible-watermark payload in hex. `dst` may equal `src`; it is replaced atomically."""
    manifest = build_manifest(generator=generator, soft_binding=soft_binding, title=title)
    _check_mp4(src, "src")
    info = c2pa.C2paSignerInfo(
        alg=identity.alg.encode(), sign_cert=identity.chain_pem, private_key=identity.key_pem,
        ta_url=tsa_url.encode() if tsa_url else None,  # None = no RFC 3161 timestamp, stays offline
    )
    tmp = dst.with_name(f".{dst.name}.part")
    try:
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder, \
                open(src, "rb") as source, open(tmp, "w+b") as dest:
            builder.sign(signer, "video/mp4", source, dest)
        os.replace(tmp, dst)
    except c2pa.C2paError as e:
        raise ValueError(f"sign_mp4: c2pa could not sign {src}: {e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def build_manifest(
    *, generator: dict[str, Any], soft_binding: dict[str, str] | None, title: str
) -> dict[str, Any]:
    missing = [k for k in ("version", "engine", "model") if not generator.get(k)]
    if missing:
        raise ValueError(f"generator: missing {missing}; got {generator}")
    actions: list[dict[str, Any]] = [{
        "action": "c2pa.created",
        "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
        "softwareAgent": {"name": f"Kinora {generator['engine']}", "version": str(generator["model"])},
    }]
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {"label": GENERATOR_LABEL, "data": generator},
    ]
    if soft_binding is not None:
        _check_soft_binding(soft_binding)
        actions.append({"action": "c2pa.watermarked", "parameters": {"description": "invisible video watermark",
                                                                     "org.kinora.alg": soft_binding["alg"]}})
        assertions.append({"label": SOFT_BINDING_LABEL, "data": {
            "alg": soft_binding["alg"], "blocks": [{"scope": {}, "value": soft_binding["value"]}]}})
    return {
        "claim_generator_info": [{"name": "Kinora", "version": str(generator["version"])}],
        "title": title,
        "assertions": assertions,
    }


def read(path: Path, *, trust_anchors_pem: bytes | None = None) -> C2paReport:
    """Read and validate the manifest of the MP4 at `path`. `trust_anchors_pem` (one or more PEM CAs, e.g. the
    instance's `SigningIdentity.anchor_pem`) decides `trusted`. Raises ValueError for a file that is not an MP4."""
    _check_mp4(path, "path")
    settings: dict[str, Any] = {"verify": {"verify_trust": True}}  # no anchors: every signer is "untrusted"
    if trust_anchors_pem is not None:
        settings["trust"] = {"user_anchors": trust_anchors_pem.decode()}
    try:
        with open(path, "rb") as f, c2pa.Reader("video/mp4", f,
                                                 context=c2pa.Context(c2pa.Settings.from_dict(settings))) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as e:
        if isinstance(e, c2pa.C2paError.ManifestNotFound):
            return C2paReport(status="absent")
        if _manifest_box(path) is None:
            raise ValueError(f"path: {path} is not a readable MP4: {e}") from e
        return C2paReport(status="invalid", errors=[f"unreadable manifest: {e}"])  # a signed file, mangled
    return _report(store, path)


def _report(store: dict[str, Any], path: Path) -> C2paReport:
    manifest = store["manifests"][store["active_manifest"]]
    state = store.get("validation_state", "Invalid")
    codes = [(s["code"], f"{s['code']}: {s.get('explanation', '')}") for s in store.get("validation_status", [])]
    errors = [text for code, text in codes if code not in TRUST_CODES]
    warnings = [text for code, text in codes if code in TRUST_CODES]
    checked = store.get("validation_results", {}).get("activeManifest", {}).get("success", [])
    if not any(s["code"] == "claimSignature.validated" for s in checked):
        errors = errors or ["claimSignature: c2pa did not report the claim signature as validated"]
    assertions = {a["label"]: a["data"] for a in manifest.get("assertions", [])}
    actions: list[dict[str, Any]] = next(
        (d["actions"] for label, d in assertions.items() if label.startswith("c2pa.actions")), [])
    binding = assertions.get(SOFT_BINDING_LABEL)
    return C2paReport(
        status="invalid" if errors else "valid",
        trusted=state == "Trusted" and not warnings,
        ai_generated=any(a.get("action") == "c2pa.created" and a.get("digitalSourceType") == TRAINED_ALGORITHMIC_MEDIA
                         for a in actions),
        signer=_signer(path, manifest.get("signature_info", {})),
        generator=assertions.get(GENERATOR_LABEL),
        soft_binding={"alg": binding["alg"], "value": binding["blocks"][0]["value"]} if binding else None,
        title=manifest.get("title"),
        errors=errors,
        warnings=warnings,
    )


def _signer(path: Path, info: dict[str, Any]) -> Signer | None:
    """The full subject/issuer of the signing leaf. c2pa's signature_info only gives the common name and the
    organization, so take the certificate itself from the COSE x5chain inside the manifest box."""
    if not info:
        return None
    algorithm = str(info.get("alg", "")).lower()
    certs = _der_certificates(_manifest_box(path) or b"")
    name = str(info.get("common_name", ""))
    leaf = next((c for c in certs if _common_name(c) == name), certs[0] if certs else None)
    if leaf is not None:
        return Signer(leaf.subject.rfc4514_string(), leaf.issuer.rfc4514_string(), algorithm)
    return Signer(f"CN={info.get('common_name', '')}", f"O={info.get('issuer', '')}", algorithm)


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _der_certificates(blob: bytes) -> list[x509.Certificate]:
    """Every DER certificate embedded in `blob` (a few KB of JUMBF): each starts with SEQUENCE, 2-byte length."""
    found, at = [], blob.find(b"\x30\x82")
    while at >= 0:
        length = int.from_bytes(blob[at + 2 : at + 4], "big") + 4
        try:
            found.append(x509.load_der_x509_certificate(blob[at : at + length]))
            at = blob.find(b"\x30\x82", at + length)
            continue
        except ValueError:
            at = blob.find(b"\x30\x82", at + 1)
    return found


def _manifest_box(path: Path) -> bytes | None:
    """The payload of the top-level C2PA uuid box, found by walking box headers (no full-file read)."""
    size_total = path.stat().st_size
    with open(path, "rb") as f:
        at = 0
        while at + 8 <= size_total:
            f.seek(at)
            header = f.read(24)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            head = 8
            if size == 1:  # 64-bit largesize follows the type
                size, head = int.from_bytes(header[8:16], "big"), 16
            elif size == 0:  # box runs to the end of the file
                size = size_total - at
            if size < head:
                return None
            if kind == b"uuid" and header[head : head + 16] == C2PA_UUID:
                if size > MAX_MANIFEST_BYTES:
                    return None
                f.seek(at)
                return f.read(size)
            at += size
    return None


def _check_mp4(path: Path, name: str) -> None:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as e:
        raise ValueError(f"{name}: cannot read {path}: {e.strerror}") from e
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise ValueError(f"{name}: {path} is not an MP4 (no ftyp box at the start)")


def _check_soft_binding(soft_binding: dict[str, str]) -> None:
    alg, value = soft_binding.get("alg"), soft_binding.get("value")
    if not alg or not value:
        raise ValueError(f"soft_binding: needs 'alg' and 'value'; got {soft_binding}")
    try:
        bytes.fromhex(value)
    except ValueError as e:
        raise ValueError(f"soft_binding: value must be hex (the watermark payload); got {value!r}") from e
