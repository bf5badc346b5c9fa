package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of one {@code --bgp-peer} flag: {@code address=IP,asn=N,local-asn=N[,port=N][,bfd=true|false]
 * [,bfd-interval=100ms][,bfd-multiplier=3][,hold-time=3s][,source=IP][,multihop=N][,password-file=PATH]}. The
 * password file is named here and read by the adapter ({@link BgpPassword#fromFileContent}).
 */
public final class BgpPeerFlag {

    /** The peer (without its password) and the file that holds its password, or null. */
    public record Parsed(BgpPeer peer, String passwordFile) {
    }

    private static final Set<String> KEYS = Set.of("address", "asn", "local-asn", "port", "bfd", "bfd-interval",
            "bfd-multiplier", "hold-time", "source", "multihop", "password-file");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,6})(ms|s)");
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9_.][A-Za-z0-9._-]{0,127}){1,32}");

    private BgpPeerFlag() {
    }

    public static Parsed parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("empty BGP peer (address=IP,asn=N,local-asn=N[,...])");
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : text.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (eq < 0 || !KEYS.contains(key)) {
                throw new InvalidInputException("unknown BGP peer field " + InvalidInputException.quote(key) + " (one of " + String.join(", ",
                        new TreeSet<>(KEYS)) + ")");
            }
            if (kv.put(key, part.substring(eq + 1)) != null) {
                throw new InvalidInputException("BGP peer field " + key + " given twice");
            }
        }
        for (String required : new String[] {"address", "asn", "local-asn"}) {
            if (!kv.containsKey(required)) {
                throw new InvalidInputException("BGP peer has no " + required + " (address=IP,asn=N,local-asn=N[,...])");
            }
        }
        IpAddress address = field("address", () -> IpAddress.parse(kv.get("address")));
        Asn asn = field("asn", () -> Asn.parse(kv.get("asn")));
        Asn local = field("local-asn", () -> Asn.parse(kv.get("local-asn")));
        int port = kv.containsKey("port") ? field("port", () -> whole(kv.get("port"), 1, 65535)) : BgpPeer.DEFAULT_PORT;
        boolean bfdOn = !kv.containsKey("bfd") || field("bfd", () -> bool(kv.get("bfd")));
        Duration interval = kv.containsKey("bfd-interval") ? field("bfd-interval", () -> duration(kv.get("bfd-interval")))
                : Bfd.DEFAULT.interval();
        int multiplier = kv.containsKey("bfd-multiplier") ? field("bfd-multiplier", () -> whole(kv.get("bfd-multiplier"), 1, 255))
                : Bfd.DEFAULT.multiplier();
        Bfd bfd = bfdOn ? field("bfd-interval", () -> new Bfd.On(interval, multiplier)) : Bfd.OFF;
        Duration hold = kv.containsKey("hold-time") ? field("hold-time", () -> duration(kv.get("hold-time"))) : BgpPeer.DEFAULT_HOLD_TIME;
        IpAddress source = kv.containsKey("source") ? field("source", () -> IpAddress.parse(kv.get("source"))) : null;
        int multihop = kv.containsKey("multihop") ? field("multihop", () -> whole(kv.get("multihop"), 1, 255)) : 0;
        String passwordFile = null;
        if (kv.containsKey("password-file")) {
            passwordFile = kv.get("password-file");
            if (!PATH.matcher(passwordFile).matches() || passwordFile.contains("/../")) {
                throw new InvalidInputException("BGP peer password-file " + InvalidInputException.quote(passwordFile)
                        + " is not an absolute path of letters, digits, '.', '_' and '-'");
            }
        }
        BgpPeer peer = new BgpPeer(address, asn, local, port, null, bfd, hold, source, multihop, null);
        return new Parsed(peer, passwordFile);
    }

    /** {@code 100ms}, {@code 3s}. */
    public static Duration duration(String text) {
        Matcher m = text == null ? null : DURATION.matcher(text);
        if (m == null || !m.matches()) {
            throw new InvalidInputException("not a duration: " + InvalidInputException.quote(text) + " (e.g. 100ms or 3s)");
        }
        long n = Long.parseLong(m.group(1));
        return m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
    }

    private static int whole(String text, int min, int max) {
        if (text == null || !text.matches("[0-9]{1,6}") || Integer.parseInt(text) < min || Integer.parseInt(text) > max) {
            throw new InvalidInputException(InvalidInputException.quote(text) + " is not a whole number from " + min + " to " + max);
        }
        return Integer.parseInt(text);
    }

    private static boolean bool(String text) {
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        throw new InvalidInputException(InvalidInputException.quote(text) + " is not true or false");
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T field(String name, Parse<T> p) {
        try {
            return p.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException("BGP peer " + name + ": " + e.getMessage());
        }
    }
}
