package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/** An inclusive range of VRRP virtual router ids, within 1-255. */
public record VridRange(int first, int last) {

    public VridRange {
        if (first < 1 || last > 255 || first > last) {
            throw new InvalidInputException("VRID range " + first + "-" + last + " is not within 1-255 (first-last)");
        }
    }

    public int size() {
        return last - first + 1;
    }

    public boolean contains(int vrid) {
        return vrid >= first && vrid <= last;
    }

    /** Parses {@code first-last}, e.g. {@code 50-99}. */
    public static VridRange parse(String text) {
        if (text == null || !text.matches("[0-9]{1,3}-[0-9]{1,3}")) {
            throw new InvalidInputException("not a VRID range: " + InvalidInputException.quote(text) + " (e.g. 50-99)");
        }
        int dash = text.indexOf('-');
        return new VridRange(Integer.parseInt(text.substring(0, dash)), Integer.parseInt(text.substring(dash + 1)));
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
