package io.vipkeeper.core.viptable;

import io.vipkeeper.core.net.IpAddress;
import java.util.ArrayList;
import java.util.List;
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

    /** The ConfigMap's data to write, the keys the controller owns in it, and the foreign entries it took over. */
    public record Result(Map<String, String> data, Set<String> owned, List<Takeover> takenOver) {
    }

    /**
     * A foreign entry taken over: its value before and after. {@code methodChanged}: the same Services, but another
     * forwarding method (e.g. the original controller ran with KEEPALIVED_DEFAULT_FORWARD_METHOD=DR and this one
     * with NAT): worth a warning, as it changes how traffic is forwarded.
     */
    public record Takeover(String key, String was, String now, boolean methodChanged) {
    }

    /**
     * @param data    the ConfigMap's data now
     * @param owned   the keys the controller wrote before
     * @param desired the controller's VIPs now
     */
    public static Result merge(Map<String, String> data, Set<String> owned, Map<IpAddress, VipEntry> desired) {
        return merge(data, owned, new VipTable(desired));
    }

    /** As above; the values written are {@link VipConfigMapCodec#encode}'s. */
    public static Result merge(Map<String, String> data, Set<String> owned, VipTable desired) {
        Map<String, String> encoded = VipConfigMapCodec.encode(desired);
        Map<String, String> out = new TreeMap<>(data == null ? Map.of() : data);
        Set<String> nowOwned = new TreeSet<>();
        List<Takeover> takenOver = new ArrayList<>();
        for (String key : owned) {
            out.remove(key);
        }
        for (VipEntry e : desired.entries().values()) {
            String key = VipConfigMapCodec.encodeKey(e.vip());
            String value = encoded.get(key);
            String current = data == null ? null : data.get(key);
            if (current != null && !owned.contains(key)) {
                if (!sameServices(current, e)) {
                    continue; // someone else's entry: left as it is (the allocator treats its address as taken)
                }
                takenOver.add(new Takeover(key, current, value, !sorted(VipConfigMapCodec.decodeValue(current)).equals(sorted(e.targets()))));
            }
            out.put(key, value);
            nowOwned.add(key);
        }
        return new Result(out, nowOwned, List.copyOf(takenOver));
    }

    private static List<VipTarget> sorted(List<VipTarget> targets) {
        return targets.stream().sorted().toList();
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
