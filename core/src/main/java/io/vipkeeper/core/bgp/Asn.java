package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;

/** A BGP autonomous system number, 4-octet (RFC 6793): 1..4294967295. */
public record Asn(long value) implements Comparable<Asn> {

    public static final long MAX = 4_294_967_295L;

    public Asn {
        if (value < 1 || value > MAX) {
            throw new InvalidInputException("AS number out of range: " + value + " (1.." + MAX + ")");
        }
    }

    public static Asn parse(String text) {
        if (text == null || !text.matches("[0-9]{1,10}")) {
            throw new InvalidInputException("not an AS number: " + InvalidInputException.quote(text) + " (1.." + MAX + ")");
        }
        return new Asn(Long.parseLong(text));
    }

    @Override
    public int compareTo(Asn o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
