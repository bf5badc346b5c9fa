package io.vipkeeper.core.viptable;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The VIP ConfigMap format, compatible with kube-keepalived-vip in both directions.
 *
 * <p>Keys: an IPv4 VIP is written exactly as the seed does ({@code 192.0.2.201}). ConfigMap keys may not
 * hold ':', so an IPv6 VIP is written in canonical form with every ':' replaced by '-'
 * ({@code 2001:db8::10} → {@code 2001-db8--10}); IPv6 text never contains '-', so this is reversible.
 *
 * <p>Values: {@code ""} (VIP only), {@code namespace/service} (NAT), {@code namespace/service:NAT|DR|PROXY}.
 * Several Services sharing one VIP (a vipkeeper extension) are listed with ',':
 * {@code ns/a,ns/b:DR}; a single Service is written without ',' so the original agent reads it.
 * Parsing is strict: an entry that does not parse is reported, never guessed at.
 */
public final class VipConfigMapCodec {

    private VipConfigMapCodec() {
    }

    public static String encodeKey(IpAddress vip) {
        return vip.family() == IpFamily.IPv4 ? vip.toString() : vip.toString().replace(':', '-');
    }

    /** The VIP a key names, or null when the key is not one. */
    public static IpAddress decodeKey(String key) {
        if (key == null || key.indexOf(':') >= 0) {
            return null;
        }
        IpAddress a = key.indexOf('-') >= 0 ? IpAddress.tryParse(key.replace('-', ':')) : IpAddress.tryParse(key);
        // only the canonical spelling is a key we write or accept, so each VIP has exactly one key
        return a != null && encodeKey(a).equals(key) ? a : null;
    }

    /** NAT, the agents' default, is written without a suffix ({@code default/web}), as the seeds show it. */
    public static String encodeValue(List<VipTarget> targets) {
        List<String> parts = new ArrayList<>();
        for (VipTarget t : targets.stream().sorted().toList()) {
            parts.add(t.method() == ForwardMethod.NAT ? t.service().toString() : t.service() + ":" + t.method());
        }
        return String.join(",", parts);
    }

    public static List<VipTarget> decodeValue(String value) {
        if (value == null || value.isEmpty()) {
            return List.of();
        }
        List<VipTarget> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String ref = part;
            ForwardMethod method = ForwardMethod.NAT;
            int colon = part.lastIndexOf(':');
            if (colon >= 0) {
                ref = part.substring(0, colon);
                method = ForwardMethod.parse(part.substring(colon + 1));
            }
            out.add(new VipTarget(ServiceRef.parse(ref), method));
        }
        return out;
    }

    public static Map<String, String> encode(VipTable table) {
        Map<String, String> out = new TreeMap<>();
        for (VipEntry e : table.entries().values()) {
            out.put(encodeKey(e.vip()), encodeValue(e.targets()));
        }
        return out;
    }

    /** A ConfigMap entry that is not a VIP: the key, the value and why. */
    public record Rejected(String key, String value, String reason) {
    }

    public record Decoded(VipTable table, List<Rejected> rejected) {
    }

    /** Parses every entry; the ones that do not parse are returned, not thrown, so every other VIP is served. */
    public static Decoded decode(Map<String, String> data) {
        Map<IpAddress, VipEntry> entries = new TreeMap<>();
        List<Rejected> rejected = new ArrayList<>();
        if (data != null) {
            for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
                IpAddress vip = decodeKey(e.getKey());
                if (vip == null) {
                    rejected.add(new Rejected(e.getKey(), e.getValue(), "key " + InvalidInputException.quote(e.getKey())
                            + " is not an IP address (IPv6 is written with '-' for ':')"));
                    continue;
                }
                try {
                    entries.put(vip, new VipEntry(vip, decodeValue(e.getValue())));
                } catch (InvalidInputException ex) {
                    rejected.add(new Rejected(e.getKey(), e.getValue(), "entry " + e.getKey() + ": " + ex.getMessage()));
                }
            }
        }
        return new Decoded(new VipTable(entries), rejected);
    }
}
