"""DNS wire pieces the tests' own primaries (slow_primary.py,
tsig_primary.py) build their transfers from: names as octets, records of
class IN with a TTL of 300, and messages read whole from a TCP stream."""
import struct


def wire_name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.strip(".").split(".")) + b"\x00"


def below(label, origin):
    return bytes([len(label)]) + label.encode() + origin


def record(owner, rtype, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, 300, len(rdata)) + rdata


def soa(origin, serial):
    return record(origin, 6, below("ns1", origin) + below("hostmaster", origin) +
                  struct.pack("!IIIII", serial, 3600, 600, 604800, 60))


def receive(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("closed")
        data += chunk
    return data


def receive_message(conn):
    """The next message of a DNS-over-TCP stream, without its length."""
    return receive(conn, struct.unpack("!H", receive(conn, 2))[0])
