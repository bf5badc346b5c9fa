package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A standard BGP community (RFC 1997), {@code ASN:VALUE}, each 0..65535. */
public record BgpCommunity(int asn, int value) {

    private static final Pattern TEXT = Pattern.compile("([0-9]{1,5}):([0-9]{1,5})");

    public BgpCommunity {
        if (asn < 0 || asn > 65535 || value < 0 || value > 65535) {
            throw new InvalidInputException("BGP community out of range: " + asn + ":" + value + " (each part 0..65535)");
        }
    }

    public static BgpCommunity parse(String text) {
        Matcher m = text == null ? null : TEXT.matcher(text);
        if (m == null || !m.matches()) {
            throw new InvalidInputException("not a BGP community: " + InvalidInputException.quote(text) + " (ASN:VALUE, each 0..65535)");
        }
        return new BgpCommunity(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    @Override
    public String toString() {
        return asn + ":" + value;
    }
}
