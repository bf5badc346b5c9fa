package io.vipkeeper.core.viptable;

import io.vipkeeper.core.net.IpAddress;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** The set of VIPs the node agents hold, by address (what the VIP ConfigMap says, parsed). */
public record VipTable(Map<IpAddress, VipEntry> entries) {

    public static final VipTable EMPTY = new VipTable(Map.of());

    public VipTable {
        entries = Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    public static VipTable of(Collection<VipEntry> entries) {
        Map<IpAddress, VipEntry> m = new TreeMap<>();
        for (VipEntry e : entries) {
            m.put(e.vip(), e);
        }
        return new VipTable(m);
    }

    public int size() {
        return entries.size();
    }
}
