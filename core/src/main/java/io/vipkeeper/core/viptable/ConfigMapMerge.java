package io.vipkeeper.core.viptable;

import io.vipkeeper.core.net.IpAddress;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the controller writes the VIP ConfigMap without touching what others wrote: it replaces only the keys
 * it owns (recorded beside the data), never changes or removes another entry, and takes over an entry that
 * names exactly the Services it would write there (the original controller's entries, during a migration).
 */
public final class ConfigMapMerge {

    private ConfigMapMerge() {
    }

    public record Result(Map<String, String> data, Set<String> owned) {
    }

    /**
     * @param data    the ConfigMap's data now
     * @param owned   the keys the controller wrote before
     * @param desired the controller's VIPs now
     */
    public static Result merge(Map<String, String> data, Set<String> owned, Map<IpAddress, VipEntry> desired) {
        Map<String, String> out = new TreeMap<>(data == null ? Map.of() : data);
        Set<String> nowOwned = new TreeSet<>();
        for (String key : owned) {
            out.remove(key);
        }
        for (VipEntry e : desired.values()) {
            String key = VipConfigMapCodec.encodeKey(e.vip());
            String value = VipConfigMapCodec.encodeValue(e.targets());
            String current = data == null ? null : data.get(key);
            if (current != null && !owned.contains(key) && !sameServices(current, e)) {
                continue; // someone else's entry: left as it is (the allocator treats its address as taken)
            }
            out.put(key, value);
            nowOwned.add(key);
        }
        return new Result(out, nowOwned);
    }

    /** Whether a foreign value names exactly the Services of this entry (so taking it over moves nothing). */
    public static boolean sameServices(String value, VipEntry e) {
        try {
            return VipConfigMapCodec.decodeValue(value).stream().map(VipTarget::service).sorted().toList()
                    .equals(e.targets().stream().map(VipTarget::service).sorted().toList());
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }
}
