package io.vipkeeper.core.net;

import io.vipkeeper.core.InvalidInputException;

/** A prefix such as {@code 192.0.2.0/24} or {@code 2001:db8::/64}; the address has no host bits set. */
public record Cidr(IpAddress network, int prefix) {

    public Cidr {
        if (prefix < 0 || prefix > network.family().bits()) {
            throw new InvalidInputException("prefix length " + prefix + " is out of range for " + network.family());
        }
        if (!network.mask(prefix).equals(network)) {
            throw new InvalidInputException(network + "/" + prefix + " has host bits set; did you mean "
                    + network.mask(prefix) + "/" + prefix + "?");
        }
    }

    /** Parses a CIDR; host bits set are an error (a typo is likelier than intent). */
    public static Cidr parse(String text) {
        return parse(text, false);
    }

    /** Parses a CIDR; with {@code maskHostBits} host bits are cleared as keepalived-cloud-provider did. */
    public static Cidr parse(String text, boolean maskHostBits) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) {
            throw new InvalidInputException("not a CIDR (address/prefix): " + InvalidInputException.quote(text));
        }
        IpAddress address = IpAddress.tryParse(text.substring(0, slash));
        String len = text.substring(slash + 1);
        if (address == null || len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)
                || (len.length() > 1 && len.charAt(0) == '0')) {
            throw new InvalidInputException("not a CIDR (address/prefix): " + InvalidInputException.quote(text));
        }
        int prefix = Integer.parseInt(len);
        if (prefix > address.family().bits()) {
            throw new InvalidInputException("prefix length " + prefix + " is out of range for " + address.family()
                    + " in " + InvalidInputException.quote(text));
        }
        return new Cidr(maskHostBits ? address.mask(prefix) : address, prefix);
    }

    public IpFamily family() {
        return network.family();
    }

    public IpAddress last() {
        return network.fill(prefix);
    }

    public IpRange toRange() {
        return new IpRange(network, last());
    }

    public boolean contains(IpAddress a) {
        return a.family() == family() && a.mask(prefix).equals(network);
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
