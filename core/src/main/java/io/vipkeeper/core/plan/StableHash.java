package io.vipkeeper.core.plan;

import java.nio.charset.StandardCharsets;

/**
 * The hash behind VRIDs and per-VIP priorities. It must never change between releases (every node of a cluster
 * must compute the same values, also during a rolling upgrade), so it is spelled out here rather than taken from
 * {@link String#hashCode} or a library: FNV-1a 64 over the UTF-8 bytes, then the SplitMix64 finaliser (FNV alone
 * spreads neighbouring addresses poorly).
 */
public final class StableHash {

    private StableHash() {
    }

    public static long hash(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }
}
