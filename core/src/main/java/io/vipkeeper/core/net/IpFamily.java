package io.vipkeeper.core.net;

import io.vipkeeper.core.InvalidInputException;

/** The two address families, in the order Kubernetes names them ({@code IPv4}, {@code IPv6}). */
public enum IpFamily {
    IPv4(32),
    IPv6(128);

    private final int bits;

    IpFamily(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    /** Parses Kubernetes' spelling ({@code IPv4}, {@code IPv6}); anything else is refused. */
    public static IpFamily parse(String text) {
        for (IpFamily f : values()) {
            if (f.name().equals(text)) {
                return f;
            }
        }
        throw new InvalidInputException(
                "unknown IP family " + InvalidInputException.quote(text) + " (expected IPv4 or IPv6)");
    }
}
