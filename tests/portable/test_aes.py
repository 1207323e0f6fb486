"""Portable tests of the one-block AES backends (run by pytest and by micropython).

Every backend present on the interpreter running the test is checked against the
FIPS-197 / SP 800-38A answers: cryptolib and the pure-Python cipher on
MicroPython, cryptography and the pure-Python cipher on CPython.
"""

from vectors_crypto import h, run_aes_blocks

from iotedge.core._compat import aes_ecb_encryptor, aes_ecb_into, available_aes_backends
from iotedge.core.aes import AES
from iotedge.core.errors import CipherParamError

FIPS_KEY = h("000102030405060708090a0b0c0d0e0f")


def test_every_backend_passes_fips197_and_sp800_38a():
    backends = available_aes_backends()
    assert "pure-python" in backends
    assert len(backends) >= 2  # cryptolib or cryptography is always there in CI
    for backend in backends:
        assert run_aes_blocks(backend) == 6


def test_backends_agree_on_a_long_chain():
    # 64 chained encryptions: any difference in any round would propagate.
    results = []
    for backend in available_aes_backends():
        encrypt = aes_ecb_encryptor(FIPS_KEY, backend)
        block = bytes(16)
        for _ in range(64):
            block = encrypt(block)
        results.append(block)
    for other in results[1:]:
        assert other == results[0]


def test_encrypt_into_works_in_place():
    for backend in available_aes_backends():
        into = aes_ecb_into(FIPS_KEY, backend)
        buf = bytearray(h("00112233445566778899aabbccddeeff"))
        into(buf, buf)
        assert bytes(buf) == h("69c4e0d86a7b0430d8cdb78070b4c55a"), backend


def test_only_aes128_keys_are_accepted():
    # cryptolib and cryptography would quietly switch to AES-192/256.
    for backend in available_aes_backends():
        for size in (0, 15, 17, 24, 32):
            try:
                aes_ecb_into(bytes(size), backend)
            except CipherParamError as exc:
                assert exc.reason == "bad-key-length"
            else:
                raise AssertionError("accepted a " + str(size) + "-byte key: " + backend)


def test_pure_python_rejects_wrong_block_length():
    cipher = AES(FIPS_KEY)
    for size in (0, 15, 17):
        try:
            cipher.encrypt_block(bytes(size))
        except CipherParamError as exc:
            assert exc.reason == "bad-block-length"
        else:
            raise AssertionError("encrypted a " + str(size) + "-byte block")


def test_unknown_backend_is_refused():
    try:
        aes_ecb_into(FIPS_KEY, "no-such-aes")
    except ValueError:
        pass
    else:
        raise AssertionError("unknown backend accepted")
