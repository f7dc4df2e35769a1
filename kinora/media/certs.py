"""The instance's C2PA signing identity: a self-made CA plus a signing leaf, or the operator's own chain.

c2pa-rs (0.91) is strict about the signing certificate (see provenance-safety.md §1.5): a single self-signed
certificate is rejected, and the leaf must be an end-entity (BasicConstraints ca=False) with the
digitalSignature key usage and the emailProtection extended key usage — codeSigning/serverAuth fail at signing,
documentSigning signs but then fails validation. Measured here too: a leaf without an AuthorityKeyIdentifier is
rejected at signing ("the certificate is invalid"); the SubjectKeyIdentifier is optional.
The chain is passed leaf first, then the CA.

Layout under `folder` (the caller passes settings.data_dir / "provenance"):
    ca.key, ca.pem          the instance CA (20 years); the key stays here, 0600
    signer.key, signer.pem  the signing leaf (10 years) and its chain, leaf first, then the CA
The leaf is re-issued from the same CA when it is within RENEW_BEFORE of expiry, so old clips keep verifying
against the same trust anchor.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Long lifetimes on purpose: without a timestamp authority, c2pa-rs checks the leaf against the *current* time,
# so every clip signed by a leaf reads "signingCredential.expired" once that leaf expires.
CA_DAYS = 7300
LEAF_DAYS = 3650
RENEW_BEFORE = dt.timedelta(days=30)
BACKDATE = dt.timedelta(hours=1)  # tolerate small clock skew between signer and verifier

# EC curve name -> C2PA signing algorithm (the hash follows the curve size, as COSE requires).
_EC_ALGS = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


@dataclass(frozen=True)
class SigningIdentity:
    """What the C2PA signer needs. `chain_pem` is leaf first, then any intermediates and the CA."""

    chain_pem: bytes
    key_pem: bytes
    alg: str  # "es256" | "es384" | "es512" | "ps256" | ... | "ed25519"
    anchor_pem: bytes | None  # the CA our own `read` trusts explicitly (instance CA or operator's root)

    @property
    def leaf(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain_pem)[0]


def ensure_instance_certificate(
    folder: Path,
    *,
    instance_name: str,
    chain_path: Path | None = None,
    key_path: Path | None = None,
) -> SigningIdentity:
    """Load the signing identity, creating the instance CA and leaf under `folder` on first use.

    With `chain_path` and `key_path` (the operator's own PEM chain, leaf first, and its private key) those are
    loaded and checked instead and nothing is written."""
    if (chain_path is None) != (key_path is None):
        raise ValueError(f"chain_path and key_path go together; got chain_path={chain_path} key_path={key_path}")
    if chain_path is not None and key_path is not None:
        return load_identity(chain_path, key_path)
    if not instance_name.strip():
        raise ValueError(f"instance_name must not be empty; got {instance_name!r}")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(folder / ".lock"):  # two workers starting at once must not mint two different CAs
        ca_key, ca_cert = _ensure_ca(folder, instance_name)
        _ensure_leaf(folder, instance_name, ca_key, ca_cert)
    return load_identity(folder / "signer.pem", folder / "signer.key", anchor=ca_cert)


def load_identity(chain_path: Path, key_path: Path, *, anchor: x509.Certificate | None = None) -> SigningIdentity:
    """Read and check a PEM chain (leaf first) and its private key. The anchor defaults to the chain's last
    certificate when the chain has more than one (the operator's CA)."""
    chain_pem, key_pem = _read(chain_path, "chain_path"), _read(key_path, "key_path")
    try:
        chain = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as e:
        raise ValueError(f"chain_path: no PEM certificates in {chain_path}: {e}") from e
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as e:
        raise ValueError(f"key_path: not an unencrypted PEM private key: {key_path}: {e}") from e
    check_signing_chain(chain, key, source=chain_path)
    if anchor is None and len(chain) > 1:
        anchor = chain[-1]
    anchor_pem = anchor.public_bytes(serialization.Encoding.PEM) if anchor is not None else None
    return SigningIdentity(chain_pem, key_pem, algorithm_for(key), anchor_pem)


def check_signing_chain(chain: list[x509.Certificate], key: object, *, source: Path | str = "chain") -> None:
    """Raise ValueError unless `chain` is one c2pa-rs will sign with and validate (rules in the module doc)."""
    if len(chain) < 2:
        raise ValueError(f"{source}: c2pa-rs rejects a lone self-signed certificate; give the leaf and its CA")
    leaf = chain[0]
    public = getattr(key, "public_key", None)
    if public is None or public().public_bytes(*_SPKI) != leaf.public_key().public_bytes(*_SPKI):
        raise ValueError(f"{source}: the private key does not match the first (leaf) certificate")
    basic = _ext(leaf, x509.BasicConstraints)
    if basic is not None and basic.ca:
        raise ValueError(f"{source}: the leaf is a CA certificate (BasicConstraints ca=True)")
    if _ext(leaf, x509.AuthorityKeyIdentifier) is None:  # c2pa-rs: "the certificate is invalid" without it
        raise ValueError(f"{source}: the leaf needs an AuthorityKeyIdentifier extension")
    usage = _ext(leaf, x509.KeyUsage)
    if usage is None or not usage.digital_signature:
        raise ValueError(f"{source}: the leaf needs the digitalSignature key usage")
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if eku is None or ExtendedKeyUsageOID.EMAIL_PROTECTION not in eku:
        raise ValueError(f"{source}: the leaf needs the emailProtection extended key usage (c2pa-rs rule)")
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise ValueError(f"{source}: the leaf is not valid now (valid {leaf.not_valid_before_utc} to "
                         f"{leaf.not_valid_after_utc})")
    algorithm_for(key)


def algorithm_for(key: object) -> str:
    """The C2PA signing algorithm name for a private key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _EC_ALGS:
            raise ValueError(f"key: EC curve {key.curve.name} is not one C2PA signs with (P-256/384/521)")
        return _EC_ALGS[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"  # C2PA allows RSA only as RSA-PSS
    raise ValueError(f"key: unsupported private key type {type(key).__name__}")


_E = TypeVar("_E", bound=x509.ExtensionType)
_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _ext(cert: x509.Certificate, kind: type[_E]) -> _E | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _read(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise ValueError(f"{name}: cannot read {path}: {e.strerror}") from e


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _ensure_ca(folder: Path, instance_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key_file, cert_file = folder / "ca.key", folder / "ca.pem"
    if key_file.exists() and cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_file}: the instance CA key must be an EC key; got {type(key).__name__}")
        os.chmod(key_file, 0o600)  # repair a loosened mode (e.g. after a restore from backup)
        return key, x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(instance_name, f"{instance_name} C2PA Root CA")
    now = dt.datetime.now(dt.UTC)
    cert = (
        _base(name, name, key.public_key(), now, CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_file, _key_pem(key))
    _write_public(cert_file, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _ensure_leaf(folder: Path, instance_name: str, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> None:
    key_file, chain_file = folder / "signer.key", folder / "signer.pem"
    now = dt.datetime.now(dt.UTC)
    if key_file.exists() and chain_file.exists():
        leaf = x509.load_pem_x509_certificates(chain_file.read_bytes())[0]
        os.chmod(key_file, 0o600)
        if leaf.not_valid_after_utc - now > RENEW_BEFORE and leaf.issuer == ca.subject:
            return
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        _base(_name(instance_name, f"{instance_name} C2PA Signer"), ca.subject, key.public_key(), now, LEAF_DAYS)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write_private(key_file, _key_pem(key))  # key before chain: a crash in between leaves a renewable state
    _write_public(chain_file, leaf.public_bytes(pem) + ca.public_bytes(pem))


def _name(instance_name: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Kinora instance {instance_name}"[:64]),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])


def _base(
    subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey, now: dt.datetime, days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write_private(path: Path, data: bytes) -> None:
    """Write with mode 0600 from the first byte (no chmod window), then rename into place."""
    tmp = path.with_name(f".{path.name}.part")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    tmp.replace(path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    tmp.replace(path)
