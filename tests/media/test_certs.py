"""The instance signing identity: created once, reused, 0600 keys, and a chain c2pa-rs accepts.

Run: .venv/bin/pytest tests/media/test_certs.py
"""

from __future__ import annotations

import datetime as dt
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kinora.engines.base import Clip
from kinora.media.c2pa import read, sign_mp4
from kinora.media.certs import ensure_instance_certificate, load_identity
from kinora.media.encode import write_mp4

FILES = ["ca.key", "ca.pem", "signer.key", "signer.pem"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_once_then_reused(tmp_path: Path) -> None:
    folder = tmp_path / "provenance"
    first = ensure_instance_certificate(folder, instance_name="demo")
    stamps = {name: (folder / name).read_bytes() for name in FILES}
    second = ensure_instance_certificate(folder, instance_name="demo")
    assert second == first
    assert {name: (folder / name).read_bytes() for name in FILES} == stamps
    assert mode(folder / "ca.key") == 0o600
    assert mode(folder / "signer.key") == 0o600
    assert mode(folder) == 0o700


def test_leaf_follows_c2pa_rules(tmp_path: Path) -> None:
    identity = ensure_instance_certificate(tmp_path, instance_name="demo")
    leaf, ca = x509.load_pem_x509_certificates(identity.chain_pem)
    assert identity.alg == "es256"
    assert identity.anchor_pem == ca.public_bytes(serialization.Encoding.PEM)
    assert leaf.issuer == ca.subject
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert "demo" in leaf.subject.rfc4514_string()


def test_loosened_key_mode_is_repaired(tmp_path: Path) -> None:
    ensure_instance_certificate(tmp_path, instance_name="demo")
    (tmp_path / "signer.key").chmod(0o644)
    ensure_instance_certificate(tmp_path, instance_name="demo")
    assert mode(tmp_path / "signer.key") == 0o600


def test_expiring_leaf_is_reissued_by_the_same_ca(tmp_path: Path) -> None:
    first = ensure_instance_certificate(tmp_path, instance_name="demo")
    ca_key = serialization.load_pem_private_key((tmp_path / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    old = first.leaf
    now = dt.datetime.now(dt.UTC)
    soon = (x509.CertificateBuilder().subject_name(old.subject).issuer_name(old.issuer).public_key(old.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2)).sign(ca_key, hashes.SHA256()))
    assert first.anchor_pem is not None
    (tmp_path / "signer.pem").write_bytes(soon.public_bytes(serialization.Encoding.PEM) + first.anchor_pem)
    renewed = ensure_instance_certificate(tmp_path, instance_name="demo")
    assert renewed.leaf.not_valid_after_utc - now > dt.timedelta(days=300)
    assert renewed.anchor_pem == first.anchor_pem
    assert renewed.key_pem != first.key_pem


def test_operator_chain_is_loaded_and_checked(tmp_path: Path) -> None:
    made = ensure_instance_certificate(tmp_path / "made", instance_name="ops")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    chain.write_bytes(made.chain_pem)
    key.write_bytes(made.key_pem)
    loaded = ensure_instance_certificate(tmp_path / "unused", instance_name="x", chain_path=chain, key_path=key)
    assert (loaded.chain_pem, loaded.key_pem, loaded.alg, loaded.anchor_pem) == \
        (made.chain_pem, made.key_pem, "es256", made.anchor_pem)
    assert not (tmp_path / "unused").exists()


def test_operator_chain_errors_name_the_problem(tmp_path: Path) -> None:
    made = ensure_instance_certificate(tmp_path / "made", instance_name="ops")
    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    key.write_bytes(made.key_pem)
    chain.write_bytes(made.chain_pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n")
    with pytest.raises(ValueError, match="lone self-signed"):
        load_identity(chain, key)
    chain.write_bytes(made.chain_pem)
    other = ec.generate_private_key(ec.SECP256R1())
    key.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    with pytest.raises(ValueError, match="does not match"):
        load_identity(chain, key)
    with pytest.raises(ValueError, match="chain_path: cannot read"):
        load_identity(tmp_path / "missing.pem", key)
    with pytest.raises(ValueError, match="go together"):
        ensure_instance_certificate(tmp_path, instance_name="x", chain_path=chain)


def operator_chain(tmp_path: Path, *, eku: x509.ObjectIdentifier, aki: bool) -> tuple[Path, Path]:
    """A CA + leaf pair as an operator might bring it, with a chosen leaf EKU and with or without an AKI."""
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ops")])
    now = dt.datetime.now(dt.UTC)

    def cert(public: ec.EllipticCurvePublicKey, *, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public)
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + dt.timedelta(days=5))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)  # digitalSignature
            builder = builder.add_extension(usage, critical=True).add_extension(
                x509.ExtendedKeyUsage([eku]), critical=False)
            if aki:
                builder = builder.add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    chain, key = tmp_path / "chain.pem", tmp_path / "key.pem"
    pem = serialization.Encoding.PEM
    chain.write_bytes(cert(leaf_key.public_key(), ca=False).public_bytes(pem) + cert(ca_key.public_key(), ca=True)
                      .public_bytes(pem))
    key.write_bytes(leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return chain, key


def test_operator_chains_c2pa_rs_would_refuse_are_refused_early(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="emailProtection"):
        load_identity(*operator_chain(tmp_path, eku=ExtendedKeyUsageOID.CODE_SIGNING, aki=True))
    with pytest.raises(ValueError, match="AuthorityKeyIdentifier"):
        load_identity(*operator_chain(tmp_path, eku=ExtendedKeyUsageOID.EMAIL_PROTECTION, aki=False))
    good = load_identity(*operator_chain(tmp_path, eku=ExtendedKeyUsageOID.EMAIL_PROTECTION, aki=True))
    assert good.alg == "es256"
    clip = Clip(np.zeros((12, 64, 64, 3), np.uint8), 24.0, None, 48_000)  # (T, H, W, 3)
    src = write_mp4(clip, tmp_path / "plain.mp4")
    sign_mp4(src, tmp_path / "signed.mp4", identity=good, generator={"version": "0", "engine": "e", "model": "m"},
             soft_binding=None, title="t")  # what the checks let through, c2pa-rs signs and verifies
    report = read(tmp_path / "signed.mp4", trust_anchors_pem=good.anchor_pem)
    assert (report.status, report.trusted) == ("valid", True)


def test_concurrent_first_start_mints_one_ca(tmp_path: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        identities = list(pool.map(lambda _: ensure_instance_certificate(tmp_path, instance_name="demo"), range(8)))
    assert all(identity == identities[0] for identity in identities)
