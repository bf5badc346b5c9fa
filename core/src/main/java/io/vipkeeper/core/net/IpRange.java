package io.vipkeeper.core.net;

import io.vipkeeper.core.InvalidInputException;
import java.math.BigInteger;

/** An inclusive range of addresses of one family: {@code 192.0.2.10-192.0.2.20}. */
public record IpRange(IpAddress first, IpAddress last) implements Comparable<IpRange> {

    public IpRange {
        if (first.family() != last.family()) {
            throw new InvalidInputException("range " + first + "-" + last + " mixes IPv4 and IPv6");
        }
        if (first.compareTo(last) > 0) {
            throw new InvalidInputException("range " + first + "-" + last + " ends before it starts");
        }
    }

    /** Parses {@code first-last} or a CIDR. */
    public static IpRange parse(String text) {
        if (text != null && text.indexOf('/') >= 0) {
            return Cidr.parse(text.trim()).toRange();
        }
        int dash = text == null ? -1 : text.indexOf('-');
        if (dash < 0) {
            throw new InvalidInputException("not an address range (first-last) or CIDR: " + InvalidInputException.quote(text));
        }
        IpAddress a = IpAddress.tryParse(text.substring(0, dash).trim());
        IpAddress b = IpAddress.tryParse(text.substring(dash + 1).trim());
        if (a == null || b == null) {
            throw new InvalidInputException("not an address range (first-last) or CIDR: " + InvalidInputException.quote(text));
        }
        return new IpRange(a, b);
    }

    public IpFamily family() {
        return first.family();
    }

    public boolean contains(IpAddress a) {
        return a.family() == family() && first.compareTo(a) <= 0 && a.compareTo(last) <= 0;
    }

    public boolean overlaps(IpRange o) {
        return family() == o.family() && first.compareTo(o.last) <= 0 && o.first.compareTo(last) <= 0;
    }

    public BigInteger size() {
        return last.toBigInteger().subtract(first.toBigInteger()).add(BigInteger.ONE);
    }

    @Override
    public int compareTo(IpRange o) {
        int c = first.compareTo(o.first);
        return c != 0 ? c : last.compareTo(o.last);
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
