"""C2PA signing and reading of real MP4s written by write_mp4, signed with an instance identity.

Run: .venv/bin/pytest tests/media/test_c2pa.py
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import av
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from kinora.engines.base import Clip
from kinora.media.c2pa import read, sign_mp4
from kinora.media.certs import SigningIdentity, ensure_instance_certificate
from kinora.media.encode import write_mp4

FPS = 24
SR = 48_000
GENERATOR = {"version": "0.1.0", "engine": "toy", "model": "toy-v1"}
PAYLOAD = "0123456789abcdef"  # a 64-bit watermark payload, hex
BINDING = {"alg": "org.kinora.watermark.v1", "value": PAYLOAD}


def small_clip(seconds: float = 2.0) -> Clip:
    n = round(seconds * FPS)
    frames = np.full((n, 128, 224, 3), 80, np.uint8)  # (T, H, W, 3)
    for i in range(n):
        frames[i, 30:70, 4 * i : 4 * i + 40] = (200, 60, 40)
    t = np.arange(round(seconds * SR)) / SR
    audio = np.stack([0.2 * np.sin(2 * np.pi * 440 * t)] * 2, axis=1).astype(np.float32)  # (S, 2)
    return Clip(frames, float(FPS), audio, SR)


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> SigningIdentity:
    return ensure_instance_certificate(tmp_path_factory.mktemp("prov"), instance_name="test-instance")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_mp4(small_clip(), tmp_path_factory.mktemp("c2pa") / "plain.mp4")


@pytest.fixture(scope="module")
def signed(plain: Path, identity: SigningIdentity) -> Path:
    dst = plain.with_name("signed.mp4")
    sign_mp4(plain, dst, identity=identity, generator=GENERATOR, soft_binding=BINDING, title="a cat on a sofa")
    return dst


def top_level_box(data: bytes, kind: bytes) -> tuple[int, int]:
    """(offset, size) of the first top-level box of `kind` (32-bit sizes suffice for these small files)."""
    at = 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        if data[at + 4 : at + 8] == kind:
            return at, size
        at += size
    raise AssertionError(f"no {kind!r} box")


def test_signed_reads_valid_and_ai_generated(signed: Path, identity: SigningIdentity) -> None:
    report = read(signed, trust_anchors_pem=identity.anchor_pem)
    assert report.status == "valid", report.errors
    assert report.trusted
    assert report.ai_generated
    assert report.soft_binding == BINDING
    assert report.generator == GENERATOR
    assert report.title == "a cat on a sofa"
    assert report.errors == []
    assert report.signer is not None
    assert report.signer.subject == identity.leaf.subject.rfc4514_string()
    assert report.signer.issuer == identity.leaf.issuer.rfc4514_string()
    assert report.signer.algorithm == "es256"


def test_unknown_signer_is_valid_but_untrusted(signed: Path, tmp_path: Path) -> None:
    assert read(signed).status == "valid"
    assert not read(signed).trusted
    assert any("signingCredential.untrusted" in w for w in read(signed).warnings)
    stranger = ensure_instance_certificate(tmp_path, instance_name="elsewhere")
    report = read(signed, trust_anchors_pem=stranger.anchor_pem)
    assert (report.status, report.trusted) == ("valid", False)


def test_signed_file_still_decodes(plain: Path, signed: Path) -> None:
    with av.open(str(plain)) as a, av.open(str(signed)) as b:
        assert sum(1 for _ in a.decode(video=0)) == sum(1 for _ in b.decode(video=0)) == 2 * FPS
    data = signed.read_bytes()
    assert top_level_box(data, b"uuid")[0] < top_level_box(data, b"moov")[0] < top_level_box(data, b"mdat")[0]


def test_flipped_byte_in_mdat_is_invalid(signed: Path, identity: SigningIdentity, tmp_path: Path) -> None:
    data = bytearray(signed.read_bytes())
    offset, size = top_level_box(data, b"mdat")
    data[offset + size // 2] ^= 0x01
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(data)
    report = read(tampered, trust_anchors_pem=identity.anchor_pem)
    assert report.status == "invalid"
    assert any("bmffHash.mismatch" in e for e in report.errors)
    assert report.ai_generated  # the claims stay readable, they just no longer vouch for these bytes


def test_unsigned_is_absent(plain: Path) -> None:
    report = read(plain)
    assert report.status == "absent"
    assert not report.ai_generated and report.signer is None


def test_sign_in_place(plain: Path, identity: SigningIdentity, tmp_path: Path) -> None:
    target = tmp_path / "in-place.mp4"
    target.write_bytes(plain.read_bytes())
    sign_mp4(target, target, identity=identity, generator=GENERATOR, soft_binding=None, title="t")
    report = read(target)
    assert (report.status, report.ai_generated, report.soft_binding) == ("valid", True, None)
    assert [p.name for p in tmp_path.iterdir()] == ["in-place.mp4"]  # no temp file left behind


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 20, b"\x00\x00\x00\x18ftypisom" + b"\xff" * 64])
def test_garbage_is_a_clear_value_error(tmp_path: Path, content: bytes) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(content)
    with pytest.raises(ValueError, match="junk.mp4"):
        read(junk)


def test_missing_file_is_a_clear_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing.mp4"):
        read(tmp_path / "missing.mp4")


def test_bad_arguments_are_named(plain: Path, identity: SigningIdentity, tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    with pytest.raises(ValueError, match="generator"):
        sign_mp4(plain, dst, identity=identity, generator={"version": "0.1.0"}, soft_binding=None, title="t")
    with pytest.raises(ValueError, match="soft_binding"):
        sign_mp4(plain, dst, identity=identity, generator=GENERATOR, soft_binding={"alg": "x", "value": "zz"},
                 title="t")
    text = tmp_path / "notes.mp4"
    text.write_text("hello")
    with pytest.raises(ValueError, match="src"):
        sign_mp4(text, dst, identity=identity, generator=GENERATOR, soft_binding=None, title="t")
    assert not dst.exists()


def test_unreachable_timestamp_authority_fails_cleanly(plain: Path, identity: SigningIdentity, tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    with pytest.raises(ValueError, match="could not sign"):
        sign_mp4(plain, dst, identity=identity, generator=GENERATOR, soft_binding=None, title="t",
                 tsa_url="http://127.0.0.1:9/")  # discard port: refused at once, no network needed
    assert list(tmp_path.iterdir()) == []


def test_expired_signer_is_a_warning_not_tampering(plain: Path, tmp_path: Path) -> None:
    """Without a timestamp authority c2pa-rs checks the leaf against today; an expired leaf must not read as a
    tampered file. The leaf here lives 3 s; the test waits for the certificate's own expiry time."""
    folder = tmp_path / "prov"
    instance = ensure_instance_certificate(folder, instance_name="short")
    ca_key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey) and instance.anchor_pem is not None
    ca = x509.load_pem_x509_certificate(instance.anchor_pem)
    key, now = ec.generate_private_key(ec.SECP256R1()), dt.datetime.now(dt.UTC)
    leaf = (x509.CertificateBuilder().subject_name(instance.leaf.subject).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(seconds=3))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    short = SigningIdentity(leaf.public_bytes(pem) + instance.anchor_pem, key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), "es256", instance.anchor_pem)
    dst = tmp_path / "signed.mp4"
    sign_mp4(plain, dst, identity=short, generator=GENERATOR, soft_binding=BINDING, title="t")
    time.sleep(max(0.0, (leaf.not_valid_after_utc - dt.datetime.now(dt.UTC)).total_seconds()) + 1.5)
    report = read(dst, trust_anchors_pem=instance.anchor_pem)
    assert (report.status, report.trusted, report.errors) == ("valid", False, [])
    assert any("signingCredential.expired" in w for w in report.warnings)


@pytest.mark.parametrize("damage", ["truncate", "moov-size"])
def test_mangled_signed_file_is_invalid_not_a_crash(signed: Path, tmp_path: Path, damage: str) -> None:
    data = bytearray(signed.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:  # a box size pointing past the end: c2pa cannot even parse the file, but our manifest box is there
        offset, _ = top_level_box(data, b"moov")
        data[offset : offset + 4] = (0xFFFFFFF0).to_bytes(4, "big")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data)
    report = read(broken)
    assert report.status == "invalid" and report.errors
