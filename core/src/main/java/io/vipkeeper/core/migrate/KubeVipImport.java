package io.vipkeeper.core.migrate;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * kube-vip-cloud-provider's ConfigMap ({@code kube-system/kubevip}: its data, already read) as VipPools, with kube-vip's
 * own rules:
 * <ul>
 *   <li>a Service in namespace N takes the first of {@code cidr-N}, {@code cidr-global}, {@code range-N},
 *       {@code range-global} that is set (so a {@code range-N} beside a {@code cidr-global} is never read);</li>
 *   <li>a {@code cidr-} entry hands out every address of each CIDR, unless {@code skip-end-ips-in-cidr: "true"}, which
 *       leaves out the first and last of each IPv4 CIDR larger than /31 (after merging the list);</li>
 *   <li>values are comma-separated lists, both families; a namespace pool is used only by its namespace (when it is
 *       full, kube-vip does not fall back to the global pool).</li>
 * </ul>
 * So N's pool becomes a VipPool {@code kubevip-N} with {@code namespaces: [N]}, and the global one {@code kubevip-global}
 * for every namespace without its own (a namespaceSelector on {@code kubernetes.io/metadata.name}, which the API server
 * sets on every namespace).
 */
public final class KubeVipImport {

    public static final String GLOBAL = "global";
    static final String NAMESPACE_LABEL = "kubernetes.io/metadata.name";

    private final List<String> leftOut = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Map<String, String> cidr = new TreeMap<>();
    private final Map<String, String> range = new TreeMap<>();
    private final Map<String, String> share = new TreeMap<>();
    private final Map<String, String> iface = new TreeMap<>();
    private boolean skipEnds;

    private KubeVipImport() {
    }

    /** Converts the ConfigMap's data (values read as text: a hand-written file may leave {@code true} unquoted). */
    public static ImportResult convert(Map<String, ?> data) {
        KubeVipImport in = new KubeVipImport();
        for (Map.Entry<String, ?> e : new TreeMap<String, Object>(data).entrySet()) {
            try {
                in.entry(e.getKey(), e.getValue() == null ? "" : Fields.scalar(e.getValue(), "data." + safe(e.getKey())));
            } catch (InvalidInputException x) {
                in.errors.add(x.getMessage());
            }
        }
        return in.result();
    }

    private static String safe(String key) {
        return KubeNames.isSubdomain(key.replace('_', '-')) ? key : InvalidInputException.quote(key);
    }

    private void entry(String key, String value) {
        switch (key) {
            case "search-order" -> {
                if (value.equals("desc")) {
                    leftOut.add("search-order: desc: vipkeeper always takes the lowest free address of a pool");
                }
                return;
            }
            case "skip-end-ips-in-cidr" -> {
                skipEnds = value.equals("true"); // kube-vip reads only "true"
                return;
            }
            default -> {
            }
        }
        for (String prefix : List.of("cidr-", "range-", "allow-share-", "interface-")) {
            if (key.startsWith(prefix)) {
                String ns = key.substring(prefix.length());
                if (!ns.equals(GLOBAL) && !KubeNames.isNamespace(ns)) {
                    throw new InvalidInputException("data." + safe(key) + ": " + InvalidInputException.quote(ns)
                            + " is neither global nor a namespace name");
                }
                switch (prefix) {
                    case "cidr-" -> cidr.put(ns, value);
                    case "range-" -> range.put(ns, value);
                    case "allow-share-" -> share.put(ns, value);
                    default -> iface.put(ns, value);
                }
                return;
            }
        }
        leftOut.add("data." + safe(key) + ": not a key kube-vip-cloud-provider reads, ignored");
    }

    private ImportResult result() {
        Map<String, ImportedPool> pools = new TreeMap<>();
        Set<String> own = new TreeSet<>();
        Set<String> namespaces = new TreeSet<>(cidr.keySet());
        namespaces.addAll(range.keySet());
        namespaces.remove(GLOBAL);
        for (String ns : namespaces) {
            String key = cidr.containsKey(ns) ? "cidr-" + ns : !cidr.containsKey(GLOBAL) ? "range-" + ns : null;
            if (cidr.containsKey(ns) && range.containsKey(ns)) {
                leftOut.add("range-" + ns + ": never read by kube-vip, as cidr-" + ns + " is set");
            } else if (key == null) {
                leftOut.add("range-" + ns + ": never read by kube-vip, as cidr-global is set (it looks for cidr-" + ns
                        + ", cidr-global, range-" + ns + ", range-global in that order)");
                continue;
            }
            own.add(ns);
            pool("kubevip-" + ns, key, List.of(ns), null, interfaceFor(ns), pools);
        }
        String globalKey = cidr.containsKey(GLOBAL) ? "cidr-global" : range.containsKey(GLOBAL) ? "range-global" : null;
        if (cidr.containsKey(GLOBAL) && range.containsKey(GLOBAL)) {
            leftOut.add("range-global: never read by kube-vip, as cidr-global is set");
        }
        if (globalKey != null) {
            LabelSelector others = own.isEmpty() ? null : new LabelSelector(Map.of(),
                    List.of(new LabelSelector.Requirement(NAMESPACE_LABEL, LabelSelector.Operator.NOT_IN, Set.copyOf(own))));
            pool("kubevip-" + GLOBAL, globalKey, List.of(), others, interfaceFor(GLOBAL), pools);
        }
        for (Map.Entry<String, String> e : iface.entrySet()) {
            if (!e.getKey().equals(GLOBAL) && !own.contains(e.getKey())) {
                leftOut.add("interface-" + e.getKey() + ": namespace " + e.getKey() + " takes its addresses from the global pool,"
                        + " and a VipPool's interface is per pool, not per namespace");
            }
        }
        for (Map.Entry<String, String> e : share.entrySet()) {
            Boolean on = parseBool(e.getValue());
            if (on == null) {
                errors.add("allow-share-" + e.getKey() + ": not true or false: " + InvalidInputException.quote(e.getValue()));
            } else if (on) {
                leftOut.add("allow-share-" + e.getKey() + ": kube-vip puts Services on one address by itself when their ports"
                        + " differ; vipkeeper shares an address only between Services with the same"
                        + " vipkeeper.io/allow-shared-ip (or metallb.io/allow-shared-ip) key: annotate the Services that share");
            }
        }
        List<ImportedPool> out = new ArrayList<>();
        for (ImportedPool p : pools.values()) {
            ImportedPool clash = out.stream().filter(p::overlaps).findFirst().orElse(null);
            if (clash != null) {
                leftOut.add(p.name() + ": shares addresses with " + clash.name() + ", which kube-vip allows across namespaces but"
                        + " VipPools do not; give each namespace its own addresses (or one VipPool with both namespaces)");
                continue;
            }
            out.add(p);
        }
        return new ImportResult(out, leftOut, errors);
    }

    private InterfaceName interfaceFor(String ns) {
        String v = iface.containsKey(ns) ? iface.get(ns) : iface.get(GLOBAL);
        if (v == null) {
            return null;
        }
        try {
            return InterfaceName.parse(v);
        } catch (InvalidInputException e) {
            errors.add("interface-" + (iface.containsKey(ns) ? ns : GLOBAL) + ": " + e.getMessage());
            return null;
        }
    }

    private void pool(String name, String key, List<String> namespaces, LabelSelector nsSelector, InterfaceName nic,
                      Map<String, ImportedPool> pools) {
        if (!ImportedPool.isPoolName(name)) {
            leftOut.add(key + ": the VipPool name " + name + " would be longer than 63 characters");
            return;
        }
        String value = key.startsWith("cidr-") ? cidr.get(key.substring(5)) : range.get(key.substring(6));
        try {
            List<IpRange> ranges = key.startsWith("cidr-") ? cidrs(key, value) : ranges(key, value);
            if (ranges.isEmpty()) {
                leftOut.add(key + ": no addresses left");
                return;
            }
            pools.put(name, new ImportedPool(name, ranges, true, false, null, namespaces, nsSelector, null, null, nic, false,
                    List.of(), null));
        } catch (InvalidInputException e) {
            errors.add(e.getMessage());
        }
    }

    private List<IpRange> cidrs(String key, String value) {
        List<IpRange> merged = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            if (part.trim().equals("0.0.0.0/32")) {
                leftOut.add(key + ": 0.0.0.0/32 asks kube-vip to get addresses by DHCP, which vipkeeper does not do");
                continue;
            }
            if (part.indexOf('/') < 0) {
                throw new InvalidInputException(key + ": not a CIDR: " + InvalidInputException.quote(part));
            }
            merged.add(ImportedPool.parseEntry(part, key));
        }
        merged = ImportedPool.normalise(merged);
        if (!skipEnds) {
            return merged;
        }
        List<IpRange> out = new ArrayList<>();
        for (IpRange r : merged) {
            if (r.family() == IpFamily.IPv6) {
                out.add(r);
                continue;
            }
            // as kube-vip: the merged set's prefixes, each without its first and last address when larger than /31
            for (IpRange prefix : prefixes(r)) {
                long size = prefix.size().longValueExact();
                out.add(size <= 2 ? prefix : new IpRange(prefix.first().next(), prefix.last().previous()));
            }
        }
        return out;
    }

    /** The fewest CIDR blocks that make up an IPv4 range (at most 62 for any range). */
    static List<IpRange> prefixes(IpRange r) {
        List<IpRange> out = new ArrayList<>();
        long start = r.first().lo();
        long end = r.last().lo();
        while (start <= end) {
            long size = start == 0 ? 1L << 32 : Long.lowestOneBit(start);
            while (start + size - 1 > end) {
                size >>= 1;
            }
            out.add(new IpRange(IpAddress.ipv4(start), IpAddress.ipv4(start + size - 1)));
            start += size;
        }
        return out;
    }

    private static List<IpRange> ranges(String key, String value) {
        List<IpRange> out = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            if (part.indexOf('/') >= 0) {
                throw new InvalidInputException(key + ": not a first-last range: " + InvalidInputException.quote(part));
            }
            out.add(ImportedPool.parseEntry(part, key));
        }
        return out;
    }

    /** Go's strconv.ParseBool, or null. */
    private static Boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> null;
        };
    }
}
