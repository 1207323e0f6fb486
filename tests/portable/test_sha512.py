"""Pure-Python SHA-512 (iotedge.core.sha512) against published digests.

Runs on CPython and MicroPython (whose hashlib usually has no sha512, so there this
is the SHA-512 that Ed25519 uses). tests/test_ed25519_sha512.py adds the one-million
"a" example of FIPS 180-2 C.3 and random inputs against hashlib on CPython.
"""

import gc

from iotedge.core import sha512

# FIPS 180-2, Appendix C.1: SHA-512("abc").
ABC = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"  # noqa: E501
# FIPS 180-2, Appendix C.2: the 896-bit (112-byte) message, padded into two blocks.
TWO_BLOCK_MSG = (
    b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
    b"ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
)
TWO_BLOCK = "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"  # noqa: E501
# NIST CAVP SHAVS SHA512ShortMsg.rsp, Len = 0: the empty message.
EMPTY = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"  # noqa: E501
# The 448-bit message of FIPS 180-2 C.2 (the SHA-256 example) hashed with SHA-512, as
# listed in D. Ireland's "Test vectors for SHA-1, SHA-2 and SHA-3" (di-mgt.com.au);
# tests/test_ed25519_sha512.py confirms every digest here against OpenSSL.
MSG_448 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
DIGEST_448 = "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"  # noqa: E501

# Lengths around the padding edges: 111 and 112 bytes are where the 17 bytes of
# padding stop fitting in the last block; 128 is one whole block.
BOUNDARY_LENGTHS = (0, 1, 2, 55, 56, 63, 64, 65, 110, 111, 112, 113, 127, 128, 129, 200)
BOUNDARY_LENGTHS += (239, 240, 241, 255, 256, 257)
# SHA-512 over the concatenated digests of the first n bytes of _pattern() for each n
# in BOUNDARY_LENGTHS, computed with OpenSSL (CPython's hashlib.sha512).
BOUNDARY_CHAIN = "fe72de0afca63cf6a2d6ecf94760b222cf0bded3d8e470e28277265b6c469ec0ccdf17ac150698355f1d42ed66517b0443b3ca12e17e631927978e589f9ca164"  # noqa: E501


def _pattern():
    return bytes((i * 7 + 3) & 0xFF for i in range(257))


def test_fips_180_abc():
    assert sha512.SHA512(b"abc").hexdigest() == ABC


def test_fips_180_two_block_message():
    assert sha512.SHA512(TWO_BLOCK_MSG).hexdigest() == TWO_BLOCK


def test_empty_message():
    assert sha512.SHA512().hexdigest() == EMPTY
    assert sha512.SHA512(b"").digest() == sha512.SHA512().digest()


def test_448_bit_message():
    assert sha512.SHA512(MSG_448).hexdigest() == DIGEST_448


def test_padding_boundaries():
    data = _pattern()
    chain = sha512.SHA512()
    for n in BOUNDARY_LENGTHS:
        chain.update(sha512.SHA512(data[:n]).digest())
        gc.collect()
    assert chain.hexdigest() == BOUNDARY_CHAIN


def test_every_split_of_a_two_block_message():
    for cut in range(0, len(TWO_BLOCK_MSG) + 1, 5):
        h = sha512.SHA512(TWO_BLOCK_MSG[:cut])
        h.update(TWO_BLOCK_MSG[cut:])
        assert h.hexdigest() == TWO_BLOCK, cut


def test_byte_at_a_time_and_buffer_types():
    h = sha512.SHA512()
    for i in range(len(MSG_448)):
        h.update(MSG_448[i : i + 1])
    assert h.hexdigest() == DIGEST_448
    assert sha512.SHA512(bytearray(MSG_448)).hexdigest() == DIGEST_448
    assert sha512.SHA512(memoryview(MSG_448)).hexdigest() == DIGEST_448


def test_digest_does_not_finalise_and_copy_is_independent():
    h = sha512.SHA512(b"ab")
    first = h.digest()
    assert h.digest() == first
    twin = h.copy()
    h.update(b"c")
    assert h.hexdigest() == ABC
    assert twin.digest() == first
    twin.update(b"c")
    assert twin.hexdigest() == ABC


def test_sizes_and_name():
    h = sha512.SHA512()
    assert h.digest_size == 64
    assert h.block_size == 128
    assert h.name == "sha512"
    assert len(h.digest()) == 64


def test_fastest_available_agrees():
    # new()/digest() pick hashlib.sha512 where the interpreter has it, else SHA512.
    assert sha512.digest(b"abc") == sha512.SHA512(b"abc").digest()
    h = sha512.new(b"ab")
    h.update(b"c")
    assert h.digest() == sha512.digest(b"abc")
