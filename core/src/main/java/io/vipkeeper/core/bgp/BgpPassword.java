package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;

/**
 * A TCP-MD5 password (RFC 2385) for a BGP session. BIRD's strings have no escape for {@code "}, so only printable
 * ASCII without {@code "} and {@code \} is accepted (1..80 characters, the kernel's TCP-MD5 key limit). Its
 * {@link #toString()} never shows the secret.
 */
public record BgpPassword(String secret) {

    public static final int MAX_LENGTH = 80;

    public BgpPassword {
        if (secret == null || secret.isEmpty() || secret.length() > MAX_LENGTH) {
            throw new InvalidInputException("BGP password must have 1.." + MAX_LENGTH + " characters"
                    + (secret == null ? "" : " (has " + secret.length() + ")"));
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                throw new InvalidInputException("BGP password has a character BIRD cannot quote at position " + (i + 1)
                        + " (printable ASCII only, no '\"' and no '\\')");
            }
        }
    }

    /**
     * The password in a file or Secret: one trailing newline (as {@code echo} writes it) is not part of it.
     */
    public static BgpPassword fromFileContent(String content) {
        String s = content == null ? null : content.endsWith("\r\n") ? content.substring(0, content.length() - 2)
                : content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        return new BgpPassword(s);
    }

    @Override
    public String toString() {
        return "BgpPassword[***]";
    }
}
