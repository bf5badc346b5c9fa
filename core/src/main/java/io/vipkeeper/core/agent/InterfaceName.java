package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * A network interface name, stricter than Linux (at most 15 bytes, no '/', ':', white space): letters, digits,
 * '.', '_' and '-', starting with a letter or digit. Safe in keepalived.conf and nft rules.
 */
public record InterfaceName(String name) implements Comparable<InterfaceName> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,14}");

    public InterfaceName {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("not a valid interface name: " + InvalidInputException.quote(name)
                    + " (1-15 letters, digits, '.', '_' or '-')");
        }
    }

    public static InterfaceName parse(String text) {
        return new InterfaceName(text);
    }

    @Override
    public int compareTo(InterfaceName o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
