package io.vipkeeper.core.net;

import io.vipkeeper.core.InvalidInputException;
import java.math.BigInteger;

/**
 * An IPv4 or IPv6 address as a 128-bit value ({@code hi}, {@code lo}; IPv4 lives in the low 32 bits).
 * Parsed strictly, without name resolution, and printed in canonical form (RFC 5952 for IPv6), so a
 * value that went through {@link #parse} is safe to write into any configuration file.
 */
public record IpAddress(IpFamily family, long hi, long lo) implements Comparable<IpAddress> {

    public IpAddress {
        if (family == IpFamily.IPv4 && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 value out of range");
        }
    }

    public static IpAddress ipv4(long value) {
        return new IpAddress(IpFamily.IPv4, 0, value & 0xffffffffL);
    }

    /** Parses an address; throws {@link InvalidInputException} naming the value when it is not one. */
    public static IpAddress parse(String text) {
        IpAddress a = tryParse(text);
        if (a == null) {
            throw new InvalidInputException("not an IP address: " + InvalidInputException.quote(text));
        }
        return a;
    }

    /** Parses an address, or returns null. */
    public static IpAddress tryParse(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            return parseV6(text);
        }
        long v = parseV4(text);
        return v < 0 ? null : ipv4(v);
    }

    /** Returns the IPv4 value, or -1 when the text is not a dotted quad (no leading zeros, no signs). */
    private static long parseV4(String s) {
        long value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (i <= n) {
            int start = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return -1;
                }
            }
            int len = i - start;
            if (len == 0 || octet > 255 || (len > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            value = (value << 8) | octet;
            octets++;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != '.' || octets == 4) {
                return -1;
            }
            i++;
        }
        return octets == 4 ? value : -1;
    }

    private static IpAddress parseV6(String s) {
        int[] groups = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        int n = s.length();
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (n == 2) {
                return new IpAddress(IpFamily.IPv6, 0, 0);
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        while (i < n) {
            if (count == 8) {
                return null;
            }
            int start = i;
            int g = 0;
            while (i < n && Character.digit(s.charAt(i), 16) >= 0 && i - start < 5) {
                g = (g << 4) | Character.digit(s.charAt(i), 16);
                i++;
            }
            int len = i - start;
            if (i < n && s.charAt(i) == '.') {
                // embedded IPv4 tail, e.g. ::ffff:192.0.2.1
                long v4 = parseV4(s.substring(start));
                if (v4 < 0 || count > 6) {
                    return null;
                }
                groups[count++] = (int) (v4 >>> 16);
                groups[count++] = (int) (v4 & 0xffff);
                i = n;
                break;
            }
            if (len == 0 || len > 4) {
                return null;
            }
            groups[count++] = g;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // trailing single colon
            }
        }
        if (gap < 0 && count != 8) {
            return null;
        }
        if (gap >= 0) {
            if (count == 8) {
                return null; // "::" must stand for at least one group
            }
            int shift = 8 - count;
            for (int k = count - 1; k >= gap; k--) {
                groups[k + shift] = groups[k];
            }
            for (int k = gap; k < gap + shift; k++) {
                groups[k] = 0;
            }
        }
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < 4; k++) {
            hi = (hi << 16) | groups[k];
            lo = (lo << 16) | groups[k + 4];
        }
        return new IpAddress(IpFamily.IPv6, hi, lo);
    }

    public boolean isIpv4() {
        return family == IpFamily.IPv4;
    }

    /** This address plus {@code n} (n may be negative); throws when leaving the family's space. */
    public IpAddress plus(long n) {
        if (family == IpFamily.IPv4) {
            long v = lo + n;
            if (v < 0 || v > 0xffffffffL) {
                throw new ArithmeticException("IPv4 overflow");
            }
            return ipv4(v);
        }
        long newLo = lo + n;
        long newHi = hi;
        if (n >= 0 && Long.compareUnsigned(newLo, lo) < 0) {
            newHi++;
            if (newHi == 0) {
                throw new ArithmeticException("IPv6 overflow");
            }
        } else if (n < 0 && Long.compareUnsigned(newLo, lo) > 0) {
            if (newHi == 0) {
                throw new ArithmeticException("IPv6 underflow");
            }
            newHi--;
        }
        return new IpAddress(family, newHi, newLo);
    }

    public IpAddress next() {
        return plus(1);
    }

    public IpAddress previous() {
        return plus(-1);
    }

    public boolean isMax() {
        return family == IpFamily.IPv4 ? lo == 0xffffffffL : hi == -1L && lo == -1L;
    }

    public boolean isZero() {
        return hi == 0 && lo == 0;
    }

    public BigInteger toBigInteger() {
        return new BigInteger(1, toBytes());
    }

    public byte[] toBytes() {
        int len = family.bits() / 8;
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            int bitFromEnd = (len - 1 - i) * 8;
            long word = bitFromEnd >= 64 ? hi : lo;
            b[i] = (byte) (word >>> (bitFromEnd % 64));
        }
        return b;
    }

    /** The address with every bit after {@code prefix} cleared. */
    public IpAddress mask(int prefix) {
        return new IpAddress(family, maskWord(hi, lo, prefix, true), maskWord(hi, lo, prefix, false));
    }

    /** The address with every bit after {@code prefix} set (the last address of the prefix). */
    public IpAddress fill(int prefix) {
        IpAddress m = mask(prefix);
        long fillHi;
        long fillLo;
        if (family == IpFamily.IPv4) {
            fillHi = 0;
            fillLo = prefix >= 32 ? 0 : (0xffffffffL >>> prefix);
        } else {
            fillHi = prefix >= 64 ? 0 : (prefix == 0 ? -1L : (-1L >>> prefix));
            fillLo = prefix >= 128 ? 0 : (prefix <= 64 ? -1L : (-1L >>> (prefix - 64)));
        }
        return new IpAddress(family, m.hi | fillHi, m.lo | fillLo);
    }

    private long maskWord(long h, long l, int prefix, boolean high) {
        if (family == IpFamily.IPv4) {
            if (high) {
                return 0;
            }
            return prefix == 0 ? 0 : l & (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        }
        if (high) {
            return prefix >= 64 ? h : (prefix == 0 ? 0 : h & (-1L << (64 - prefix)));
        }
        return prefix <= 64 ? 0 : (prefix == 128 ? l : l & (-1L << (128 - prefix)));
    }

    @Override
    public int compareTo(IpAddress o) {
        int c = family.compareTo(o.family);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        if (family == IpFamily.IPv4) {
            return ((lo >>> 24) & 0xff) + "." + ((lo >>> 16) & 0xff) + "." + ((lo >>> 8) & 0xff) + "." + (lo & 0xff);
        }
        int[] g = new int[8];
        for (int k = 0; k < 4; k++) {
            g[k] = (int) ((hi >>> (48 - 16 * k)) & 0xffff);
            g[k + 4] = (int) ((lo >>> (48 - 16 * k)) & 0xffff);
        }
        // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        for (int k = 0; k < 8; ) {
            if (g[k] == 0) {
                int start = k;
                while (k < 8 && g[k] == 0) {
                    k++;
                }
                if (k - start > bestLen) {
                    bestStart = start;
                    bestLen = k - start;
                }
            } else {
                k++;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int k = 0; k < 8; k++) {
            if (k == bestStart) {
                sb.append("::");
                k += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[k]));
        }
        return sb.toString();
    }
}
