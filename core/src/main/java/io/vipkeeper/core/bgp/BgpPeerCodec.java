package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The spec of a BgpPeer object (vipkeeper.io/v1alpha1), as a JSON tree, → {@link BgpPeer}. The object is untrusted:
 * unknown fields, wrong types and values out of range are refused with the object and field named.
 *
 * <pre>
 * spec:
 *   address: 198.51.100.1        # required
 *   asn: 65000                   # required, 1..4294967295
 *   localASN: 65100              # required
 *   port: 179
 *   holdTime: 3s
 *   sourceAddress: 198.51.100.11
 *   multihop: 2                  # eBGP multihop TTL (absent: a direct peer)
 *   bfd: {enabled: true, interval: 100ms, multiplier: 3}
 *   nodeSelector: {matchLabels: {rack: r1}}
 * </pre>
 * TCP-MD5 passwords are given with {@code --bgp-peer ...,password-file=} (a mounted Secret), not in the object.
 */
public final class BgpPeerCodec {

    private static final Set<String> FIELDS = Set.of("address", "asn", "localASN", "port", "holdTime", "sourceAddress", "multihop",
            "bfd", "nodeSelector");
    private static final Set<String> BFD_FIELDS = Set.of("enabled", "interval", "multiplier");

    private BgpPeerCodec() {
    }

    /** The peer of object {@code name}; throws {@link InvalidInputException} naming {@code BgpPeer NAME: spec.FIELD}. */
    public static BgpPeer fromTree(String name, Object spec) {
        String obj = "BgpPeer " + (name != null && KubeNames.isSubdomain(name) ? name : InvalidInputException.quote(name));
        try {
            if (!(spec instanceof Map<?, ?> m)) {
                throw new InvalidInputException("spec is not an object");
            }
            for (Object k : m.keySet()) {
                if (!FIELDS.contains(k)) {
                    throw new InvalidInputException("spec." + InvalidInputException.quote(String.valueOf(k)) + ": unknown field (one of "
                            + String.join(", ", new TreeSet<>(FIELDS)) + ")");
                }
            }
            IpAddress address = field("spec.address", () -> IpAddress.parse(string(m.get("address"))));
            Asn asn = field("spec.asn", () -> new Asn(whole(m.get("asn"), 1, Asn.MAX)));
            Asn local = field("spec.localASN", () -> new Asn(whole(m.get("localASN"), 1, Asn.MAX)));
            int port = m.containsKey("port") ? field("spec.port", () -> (int) whole(m.get("port"), 1, 65535)) : BgpPeer.DEFAULT_PORT;
            Duration hold = m.containsKey("holdTime") ? field("spec.holdTime", () -> BgpPeerFlag.duration(string(m.get("holdTime"))))
                    : BgpPeer.DEFAULT_HOLD_TIME;
            IpAddress source = m.containsKey("sourceAddress") ? field("spec.sourceAddress", () -> IpAddress.parse(string(m.get("sourceAddress"))))
                    : null;
            int multihop = m.containsKey("multihop") ? field("spec.multihop", () -> (int) whole(m.get("multihop"), 1, 255)) : 0;
            Bfd bfd = m.containsKey("bfd") ? field("spec.bfd", () -> bfd(m.get("bfd"))) : Bfd.DEFAULT;
            LabelSelector selector = m.containsKey("nodeSelector")
                    ? field("spec.nodeSelector", () -> PoolPlacementCodec.selectorFromTree(m.get("nodeSelector"), "nodeSelector"))
                    : null;
            return new BgpPeer(address, asn, local, port, null, bfd, hold, source, multihop, selector);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(obj + ": " + e.getMessage());
        }
    }

    private static Bfd bfd(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new InvalidInputException("not an object");
        }
        for (Object k : m.keySet()) {
            if (!BFD_FIELDS.contains(k)) {
                throw new InvalidInputException(InvalidInputException.quote(String.valueOf(k)) + ": unknown field (enabled, interval, multiplier)");
            }
        }
        Object enabled = m.containsKey("enabled") ? m.get("enabled") : Boolean.TRUE;
        if (!(enabled instanceof Boolean)) {
            throw new InvalidInputException("enabled is not true or false");
        }
        if (!(Boolean) enabled) {
            return Bfd.OFF;
        }
        Duration interval = m.containsKey("interval") ? BgpPeerFlag.duration(string(m.get("interval"))) : Bfd.DEFAULT.interval();
        int multiplier = m.containsKey("multiplier") ? (int) whole(m.get("multiplier"), 1, 255) : Bfd.DEFAULT.multiplier();
        return new Bfd.On(interval, multiplier);
    }

    private static String string(Object o) {
        if (!(o instanceof String s)) {
            throw new InvalidInputException(o == null ? "missing" : "not a string");
        }
        return s;
    }

    private static long whole(Object o, long min, long max) {
        if (!(o instanceof Integer || o instanceof Long)) {
            throw new InvalidInputException(o == null ? "missing" : "not a whole number");
        }
        long v = ((Number) o).longValue();
        if (v < min || v > max) {
            throw new InvalidInputException(v + " is outside " + min + ".." + max);
        }
        return v;
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T field(String name, Parse<T> p) {
        try {
            return p.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(name + ": " + e.getMessage());
        }
    }
}
