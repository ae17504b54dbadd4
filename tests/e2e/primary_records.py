"""The records the tests' own primaries (slow_primary.py, tsig_primary.py)
build their transfers from, as dnspython RRsets of class IN with a TTL of
300, and the answer to a transfer query that carries them."""
import dns.flags
import dns.message
import dns.rrset


def record(owner, rtype, text):
    return dns.rrset.from_text(owner, 300, "IN", rtype, text)


def soa(origin, serial):
    return record(origin, "SOA", f"ns1.{origin} hostmaster.{origin} {serial} 3600 600 604800 60")


def answer(query, rrsets):
    """QUERY's authoritative answer holding RRSETS, in their order, each
    as it is (a transfer's closing SOA is a second RRset, not merged)."""
    reply = dns.message.make_response(query)
    reply.flags |= dns.flags.AA
    reply.answer = list(rrsets)
    return reply
