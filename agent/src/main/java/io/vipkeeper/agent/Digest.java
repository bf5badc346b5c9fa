package io.vipkeeper.agent;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The SHA-256 of a rendered configuration: what the agent keeps to tell "unchanged" from "changed" instead of the
 * text itself (an nft ruleset or an IPVS keepalived.conf for 5,000 Services is several MB).
 */
record Digest(byte[] sha256) {

    static Digest of(String text) {
        return of(text.getBytes(StandardCharsets.UTF_8));
    }

    static Digest of(byte[] bytes) {
        try {
            return new Digest(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && MessageDigest.isEqual(sha256, d.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(sha256);
    }
}
