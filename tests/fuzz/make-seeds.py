#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run from anywhere).

Each seed is a meaningful input: real envelopes from docs/protocol.md and
tests/native/unit-protocol.cpp, URLs from tests/native/unit-url.cpp, and for
the session target small programs in the byte format that
fuzz-chat-session.cpp reads (see Session::step()). Files named bug-* are
regression inputs for bugs the fuzzers found; they are kept, never rewritten.
"""
import json
import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (directory / name).write_bytes(data)


# --- fuzz-protocol-decode: one text frame ------------------------------------
def envelopes():
    msg = {"type": "message", "seq": 7, "id": "abc-1", "from": "ana", "text": "hi \u0000 \U0001F600",
           "time": 1700000000000, "extra": True}
    limits = {"maxCodePoints": 50, "maxFrameBytes": 65536, "messagesPerSecond": 20}
    yield "welcome", {"type": "welcome", "session": "s1", "name": "guest-1", "online": 2,
                      "history": [{"type": "message", "seq": 1, "id": "x", "from": "bo", "text": "yo", "time": 1}],
                      "limits": limits}
    yield "welcome-batch", {"type": "welcome", "session": "s2", "name": "zo\u00e9", "online": 1, "history": [],
                            "limits": limits, "features": ["batch", "x"]}
    yield "message", msg
    yield "ack", {"type": "ack", "id": "a-1", "seq": 3}
    yield "presence", {"type": "presence", "online": 4}
    yield "name", {"type": "name", "name": "zo\u00e9"}
    yield "pong", {"type": "pong", "nonce": 9}
    yield "error-with-id", {"type": "error", "code": "rate_limited", "message": "slow down", "id": "a-2"}
    yield "error", {"type": "error", "code": "bad_name", "message": "reserved"}
    # The client's own envelopes: the server's view, not valid server envelopes.
    yield "say", {"type": "say", "id": "a-1", "text": "hi \"you\""}
    yield "batch", {"type": "batch", "items": [{"type": "say", "id": "a-1", "text": "one"},
                                               {"type": "say", "id": "a-2", "text": "two"}]}


def protocol_seeds():
    for name, envelope in envelopes():
        write("fuzz-protocol-decode", name + ".json", json.dumps(envelope, ensure_ascii=False, separators=(",", ":")))
    raw = {
        "escapes.json": r'{"type":"message","seq":1,"id":"a","from":"\u00e9\ud83d\ude00","text":"\ud83d\ude00\n\"\\","time":0}',
        "lone-surrogate.json": r'{"type":"name","name":"\ud800"}',
        "deep.json": '{"type":"pong","nonce":1,"x":[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]}',
        "nesting-in-string.json": '{"type":"pong","nonce":1,"x":"[[[[[[[[[[[[[[[[[[[[[["}',
        "big-numbers.json": '{"type":"ack","id":"a","seq":18446744073709551615}',
        "negative.json": '{"type":"message","seq":-1,"id":"a","from":"b","text":"c","time":1}',
        "float.json": '{"type":"message","seq":1.5,"id":"a","from":"b","text":"c","time":1e3}',
        "unknown-type.json": '{"type":"teleport\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}',
        "truncated.json": '{"type":"pong","nonce":1,"x":',
        "not-object.json": '[1,2,3]',
        "duplicate-keys.json": '{"type":"ack","type":"presence","online":1,"id":"a","seq":1}',
    }
    for name, text in raw.items():
        write("fuzz-protocol-decode", name, text)
    write("fuzz-protocol-decode", "invalid-utf8.json", b'{"type":"name","name":"\xc3\x28"}')


# --- fuzz-utf8: selector byte (+2 bytes when >= 0x80), then the text ---------
def utf8_seeds():
    seeds = {
        "ascii": b"\x03hello",
        "multibyte": b"\x02caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "overlong": b"\x05\xc0\xaf\xe0\x80\xaf\xf0\x80\x80\xaf",
        "surrogate": b"\x01\xed\xa0\x80\xed\xbf\xbf",
        "above-max": b"\x01\xf4\x90\x80\x80\xf5\x80",
        "truncated": b"\x02ab\xe2\x82",
        "stray-continuations": b"\x04\x80\xbf\x80a",
        "maximal-subparts": b"\x03\xe1\x80\xe2\xf0\x91\x92\xf1\xbf\x41",
        "nul": b"\x01a\x00b",
        "long-limit": b"\x80\x01\x00" + "\u00e9".encode() * 300,
    }
    for name, data in seeds.items():
        write("fuzz-utf8", name, data)


# --- fuzz-url: selector byte (0 page base, 1 none, 2 "base\0input", 3 self) -
def url_seeds():
    page_cases = ["ws://example.com", "WS://Example.COM:80/a b?c d", "wss://example.com:443/", "http://127.0.0.1:1/x",
                  "/rel", "rel2", "//h2/p", "?q", "ftp://x", "ws://x/#f", "ws://h:65536", "ws:h", " ws://h\t/p\n",
                  "ws://u:p@h/", "ws://h\\p", "ws://[::1]:9/", "ws://[1:2:3:4:5:6:1.2.3.4]/", "ws://0x7f.1/",
                  "ws://\u00c9X.com/", "ws://h/%zz", "ws://h/\u00e9?\u00e9", "ws://h/..//a/./b", "ws://h/%2e%2E/x",
                  "ws://h%41/", "http:foo", "ws://xn--nxasmq6b.com/", "ws://\u0645\u062b\u0627\u0644.\u0625\u062e\u062a\u0628\u0627\u0631/"]
    for i, url in enumerate(page_cases):
        write("fuzz-url", "page-%02d" % i, b"\x00" + url.encode())
    write("fuzz-url", "no-base", b"\x01ws://h/p?q")
    write("fuzz-url", "fuzzed-base", b"\x02https://h/dir/x?y\x00../a?b")
    write("fuzz-url", "fuzzed-base-ws", b"\x02ws://[::1]:8080/a/b\x00ws:c")
    write("fuzz-url", "self", b"\x03http://a.b:80/c/d?e")


# --- fuzz-close: flag byte (bit 0: code present), code (2 bytes BE), reason -
def close_seeds():
    def seed(code, reason):
        head = b"\x00\x00\x00" if code is None else b"\x01" + struct.pack(">H", code)
        return head + reason
    cases = {
        "none": seed(None, b""), "none-with-reason": seed(None, b"bye"), "normal": seed(1000, b"bye"),
        "app-low": seed(3000, b""), "app-high": seed(4999, "\u00e9".encode() * 61 + b"x"),
        "too-long": seed(4000, b"x" * 124), "reserved": seed(1001, b""), "zero": seed(0, b""),
        "above": seed(5000, b""), "invalid-reason": seed(1000, b"\xff"),
    }
    for name, data in cases.items():
        write("fuzz-close", name, data)


# --- fuzz-chat-session: seed byte, then operations (Session::step()) -------
# Seed byte bits: 1 nickname "me", 2 maxIncomingBytes 200 (else 4096),
# 4 reconnectMaxMs 80 (else 10), 8 heartbeat every 200 ms (else 30).
ACCEPT_V1, ACCEPT_PLAIN, WELCOME, MESSAGE, ACK, ERROR, MISC, RAW, BINARY, FAIL, CLOSE, BUFFERED, ADVANCE, \
    SEND_BYTES, SEND_TEXT, USER_CLOSE, NICK, BURST, ACK_IN_ORDER, ECHO_OWN, ADVANCE_1000, NETWORK = range(22)


def sized(data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= 255
    return bytes([len(data)]) + data


def welcome(session=0, history=(), name=1, online=2, rate=3, features=0):
    """session 0-2 = s1-s3; name: 0 me, 1 guest-1, 2 bo; rate index into 1,2,5,20,1000,0;
    features 0 none, 1 ["batch"], 2 []."""
    out = bytes([WELCOME, session, len(history)])
    for message in history:
        out += message[1:]  # history items are message() without the opcode
    return out + bytes([name, online, rate, features])


def message(seq_mode=0, stranger=7, text="hi", name=2):
    """seq_mode: 0 next, 1 repeat, 3 invalid 0; the id is a stranger's ("x<stranger>", stranger % 4 == 3)."""
    assert stranger % 4 == 3
    return bytes([MESSAGE, seq_mode, stranger, name]) + sized(text) + b"\x00\x01"


def send(text):
    return bytes([SEND_BYTES]) + sized(text)


def advance(code):
    """code % 4: 0 -> 1 ms, 1 -> 10 ms, 2 -> 50 ms, 3 -> code * 4 ms."""
    return bytes([ADVANCE, code])


def server_close(code_index, reason=b"", clean=True):
    """code_index into 1000,1001,1002,1003,1005,1006,1007,1008,1009,1011,1012,1013,1014,1015,3000,4000,4009,4999;
    0xE0-0xEF echoes the code the client asked for."""
    return bytes([CLOSE, code_index]) + sized(reason) + bytes([1 if clean else 0])


def user_close(which=1, reason=b""):
    """which % 6: 0 no code, 1 1000, 2 3000, 3 4999, 4 1001 (refused)."""
    return bytes([USER_CLOSE, which]) + sized(reason)


def open_v1(**kwargs):
    return bytes([ACCEPT_V1]) + welcome(**kwargs)


def session_seeds():
    seeds = {
        "v1-send-echo-ack": b"\x00" + open_v1() + send("hello") + bytes([ECHO_OWN]) + send("again")
        + bytes([ACK_IN_ORDER, 0]) + message() + bytes([MISC, 0, 5, MISC, 2, 0, 9]),
        "v1-history-and-nick": b"\x01" + open_v1(history=[message(), message(text="\u00e9\U0001F600")], name=2)
        + bytes([MISC, 1, 0]) + bytes([NICK, 1, 2]),
        "greeting-timeout-plain": b"\x00" + bytes([ACCEPT_V1]) + send("typed early") + advance(2) + advance(2)
        + bytes([RAW]) + sized("after"),
        "plain-server": b"\x00" + bytes([ACCEPT_PLAIN, 1]) + bytes([RAW]) + sized('{"type":"message"}')
        + bytes([BINARY]) + sized(b"caf\xc3\xa9 \xff!") + send("hi") + send("\u00e9"),
        "relay-echoes-subprotocol": b"\x00" + bytes([ACCEPT_V1, BINARY]) + sized("hello from a relay") + send("x"),
        "backpressure-drain": b"\x08" + open_v1() + bytes([BUFFERED, 2]) + bytes([BURST, 2, 1, 0, 1, 11, 1, 3])
        + advance(1) + bytes([BUFFERED, 0]) + advance(1) + bytes([ACK_IN_ORDER, 3]),
        "outbox-full": b"\x08" + open_v1() + bytes([BUFFERED, 3]) + b"".join(send("m%d" % i) for i in range(9))
        + send("y" * 120) + bytes([BUFFERED, 0]) + advance(1),
        "batch": b"\x08" + open_v1(features=1) + bytes([BUFFERED, 2]) + b"".join(send("b%d" % i) for i in range(5))
        + bytes([BUFFERED, 1]) + advance(1) + bytes([ACK_IN_ORDER, 3, ACK_IN_ORDER, 3]),
        "paced": b"\x08" + open_v1(rate=0) + b"".join(send("p%d" % i) for i in range(4)) + advance(0xFF)
        + advance(0xFF) + bytes([ACK_IN_ORDER, 3]),
        "reconnect-resend": b"\x04" + open_v1() + send("lost?") + send("me too") + server_close(1)
        + bytes([ADVANCE_1000]) + open_v1(history=[message()]) + bytes([ACK_IN_ORDER, 1]),
        "reconnect-new-session": b"\x00" + open_v1(history=[message(), message()]) + bytes([FAIL, ADVANCE_1000])
        + open_v1(session=1, history=[message()]),
        "heartbeat-timeout": b"\x08" + open_v1() + send("before") + advance(51) + advance(2)
        + bytes([ADVANCE_1000, ACCEPT_V1]) + welcome() + bytes([ACK_IN_ORDER, 0]),
        "pong-keeps-alive": b"\x08" + open_v1() + bytes([ADVANCE, 51, MISC, 2, 0, 1, ADVANCE, 51]),
        "message-too-big": b"\x02" + open_v1() + send("queued") + bytes([RAW]) + sized("z" * 250)
        + bytes([ADVANCE_1000, ACCEPT_V1]) + welcome(),
        "server-error-names-ours": b"\x08" + open_v1() + send("refused") + bytes([ERROR, 0, 1, 0, 0])
        + bytes([ERROR, 2, 0]),
        "user-close-fails-queued": b"\x08" + open_v1() + bytes([BUFFERED, 2]) + send("a") + send("b")
        + user_close(1, b"bye") + server_close(0xE0, b"bye"),
        "user-close-between-connections": b"\x04" + open_v1() + send("a") + bytes([FAIL]) + user_close(0),
        "policy-close-no-reconnect": b"\x00" + open_v1() + send("a") + server_close(7, b"origin") + bytes([ADVANCE_1000]),
        "close-4009-reconnects": b"\x00" + open_v1() + server_close(16) + bytes([ADVANCE_1000, ACCEPT_PLAIN, 0]),
        "too-long-and-invalid": b"\x00" + open_v1() + send("a" * 101) + send(b"\xff") + send(b"")
        + user_close(4) + user_close(0, b"reason without code"),
        "handshake-refused": b"\x00" + bytes([FAIL, ADVANCE_1000, FAIL, ADVANCE_1000, ACCEPT_V1]) + welcome(),
        # NETWORK then 0: the browser goes offline; then 1: back online.
        "offline-waits-online-reconnects": b"\x04" + open_v1() + send("queued offline") + bytes([NETWORK, 0])
        + bytes([FAIL, ADVANCE_1000, ADVANCE_1000, NETWORK, 1]) + open_v1() + bytes([ACK_IN_ORDER, 0]),
        "connect-timeout-retries": b"\x00" + bytes([ADVANCE_1000] * 11) + open_v1() + send("after the timeout"),
        "bad-envelopes": b"\x00" + open_v1() + bytes([RAW]) + sized("{") + bytes([RAW]) + sized('{"type":"teleport"}')
        + bytes([BINARY]) + sized(b"\x01\x02") + message(seq_mode=3),
    }
    for name, data in seeds.items():
        write("fuzz-chat-session", name, data)


if __name__ == "__main__":
    protocol_seeds()
    utf8_seeds()
    url_seeds()
    close_seeds()
    session_seeds()
