"""Suggestion tokens: a group of request ids, sealed for one caller, readable only by the server.

A citizen's suggestion hides the other households' request ids (`request_id: null`), so the token
that lets them form the pool must not carry those ids in the clear. It is AES-256-GCM (authenticated
encryption, NIST SP 800-38D) over the expiry and the ids, with the caller's id as associated data:
it opens only for whom it was made, any change fails authentication, and without the key it is
random bytes. The key is derived from the app secret with HKDF-SHA256 (RFC 5869) under a label of
its own, so it is never the key that signs JWTs. A fresh 96-bit random nonce per token.
"""

import base64
import binascii
import os
import struct
import time
import uuid
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.config import get_settings

_LABEL = b"welfare-di-tutti/pool-suggestion-token/v1"
_NONCE_BYTES = 12
_EXPIRY = struct.Struct(">Q")  # seconds since the epoch, then 16 bytes per request id


class TokenRejected(Exception):
    """Malformed, tampered with, made for someone else, or expired."""


@lru_cache(maxsize=4)
def _cipher(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(secret.encode())
    return AESGCM(key)


def _current_cipher() -> AESGCM:
    return _cipher(get_settings().auth.secret_key.get_secret_value())


def _associated_data(user_id: uuid.UUID) -> bytes:
    return _LABEL + user_id.bytes


def seal(user_id: uuid.UUID, request_ids: list[uuid.UUID], *, ttl_seconds: int) -> str:
    plaintext = _EXPIRY.pack(int(time.time()) + ttl_seconds) + b"".join(r.bytes for r in sorted(request_ids))
    nonce = os.urandom(_NONCE_BYTES)
    sealed = nonce + _current_cipher().encrypt(nonce, plaintext, _associated_data(user_id))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_sealed(token: str, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The request ids of a token made for `user_id` and not expired; TokenRejected otherwise."""
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenRejected from exc
    if len(sealed) <= _NONCE_BYTES:
        raise TokenRejected
    try:
        plaintext = _current_cipher().decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], _associated_data(user_id))
    except InvalidTag as exc:
        raise TokenRejected from exc
    (expires,) = _EXPIRY.unpack_from(plaintext)
    body = plaintext[_EXPIRY.size :]
    if expires < time.time() or len(body) % 16:
        raise TokenRejected
    return [uuid.UUID(bytes=body[i : i + 16]) for i in range(0, len(body), 16)]
