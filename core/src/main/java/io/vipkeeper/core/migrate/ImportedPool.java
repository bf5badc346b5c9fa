package io.vipkeeper.core.migrate;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VipPool made from another load balancer's configuration (the shape of docs: group vipkeeper.io, v1alpha1), every
 * field typed. {@code ranges} are exactly the addresses the other load balancer handed out; {@link #addresses()} writes
 * them so that a VipPool means the same (an IPv4 CIDR of /30 or larger in a VipPool leaves out its network and
 * broadcast addresses, so a whole one is written as a range).
 *
 * @param priority      serviceAllocation.priority, or null
 * @param nodeSelector  the nodes that may hold its VIPs, or null for every node
 * @param iface         the interface its VIPs are held on, or null for the agent's
 * @param communities   BGP standard communities (ASN:VALUE), only with {@code bgp}
 * @param localPref     BGP LOCAL_PREF, or null
 */
public record ImportedPool(String name, List<IpRange> ranges, boolean autoAssign, boolean avoidBuggyIps, Integer priority,
                           List<String> namespaces, LabelSelector namespaceSelector, LabelSelector serviceSelector, LabelSelector nodeSelector,
                           InterfaceName iface, boolean bgp, List<String> communities, Long localPref) {

    public ImportedPool {
        if (!isPoolName(name)) {
            throw new InvalidInputException("not a VipPool name: " + InvalidInputException.quote(name) + " (a DNS label)");
        }
        ranges = normalise(ranges);
        if (ranges.isEmpty()) {
            throw new InvalidInputException("pool " + name + " has no addresses");
        }
        namespaces = List.copyOf(namespaces);
        communities = List.copyOf(communities);
    }

    /** VipPool names are DNS labels (cluster-scoped objects named as the pools Services ask for). */
    public static boolean isPoolName(String name) {
        return KubeNames.isNamespace(name);
    }

    /** Sorted, overlapping and adjacent ranges merged: the same addresses, each once. */
    static List<IpRange> normalise(List<IpRange> in) {
        List<IpRange> sorted = new ArrayList<>(in);
        sorted.sort(null);
        List<IpRange> out = new ArrayList<>();
        for (IpRange r : sorted) {
            if (!out.isEmpty()) {
                IpRange last = out.get(out.size() - 1);
                boolean touches = last.family() == r.family()
                        && (last.overlaps(r) || (!last.last().isMax() && last.last().next().equals(r.first())));
                if (touches) {
                    out.set(out.size() - 1, new IpRange(last.first(), r.last().compareTo(last.last()) > 0 ? r.last() : last.last()));
                    continue;
                }
            }
            out.add(r);
        }
        return List.copyOf(out);
    }

    public boolean overlaps(ImportedPool o) {
        return ranges.stream().anyMatch(r -> o.ranges.stream().anyMatch(r::overlaps));
    }

    /** The addresses as a VipPool writes them, meaning exactly {@link #ranges()}. */
    public List<String> addresses() {
        return ranges.stream().map(ImportedPool::text).toList();
    }

    /**
     * A CIDR where the VipPool reads it as exactly this range (IPv6, IPv4 /31 and /32 whole; IPv4 /30 and larger
     * without the ends), else first-last.
     */
    static String text(IpRange r) {
        int bits = r.family().bits();
        BigInteger size = r.size();
        if (size.bitCount() == 1) {
            int prefix = bits - size.bitLength() + 1;
            boolean aligned = r.first().mask(prefix).equals(r.first());
            if (aligned && (r.family() == IpFamily.IPv6 || prefix >= 31)) {
                return r.first() + "/" + prefix;
            }
        }
        if (r.family() == IpFamily.IPv4 && !r.first().isZero() && !r.last().isMax()) {
            IpRange whole = new IpRange(r.first().previous(), r.last().next());
            BigInteger wholeSize = whole.size();
            if (wholeSize.bitCount() == 1 && wholeSize.bitLength() - 1 >= 2) {
                int prefix = bits - wholeSize.bitLength() + 1;
                if (whole.first().mask(prefix).equals(whole.first())) {
                    return whole.first() + "/" + prefix;
                }
            }
        }
        return r.toString();
    }

    /** The VipPool object (apiVersion, kind, metadata, spec) as maps and lists, in the documented order. */
    public Map<String, Object> toObject() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("addresses", addresses());
        spec.put("autoAssign", autoAssign);
        spec.put("avoidBuggyIPs", avoidBuggyIps);
        Map<String, Object> allocation = new LinkedHashMap<>();
        if (priority != null) {
            allocation.put("priority", priority);
        }
        if (!namespaces.isEmpty()) {
            allocation.put("namespaces", namespaces);
        }
        if (namespaceSelector != null) {
            allocation.put("namespaceSelector", PoolPlacementCodec.selectorTree(namespaceSelector));
        }
        if (serviceSelector != null) {
            allocation.put("serviceSelector", PoolPlacementCodec.selectorTree(serviceSelector));
        }
        if (!allocation.isEmpty()) {
            spec.put("serviceAllocation", allocation);
        }
        if (nodeSelector != null) {
            spec.put("nodeSelector", PoolPlacementCodec.selectorTree(nodeSelector));
        }
        if (iface != null) {
            spec.put("interface", iface.name());
        }
        spec.put("announce", bgp ? "bgp" : "vrrp");
        if (bgp && (!communities.isEmpty() || localPref != null)) {
            Map<String, Object> b = new LinkedHashMap<>();
            if (!communities.isEmpty()) {
                b.put("communities", communities);
            }
            if (localPref != null) {
                b.put("localPref", localPref);
            }
            spec.put("bgp", b);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("apiVersion", "vipkeeper.io/v1alpha1");
        out.put("kind", "VipPool");
        out.put("metadata", Map.of("name", name));
        out.put("spec", spec);
        return out;
    }

    /** Parses an address list entry: a CIDR (host bits cleared, as Go's parsers do) or first-last. */
    static IpRange parseEntry(String text, String where) {
        String t = text.trim();
        try {
            if (t.indexOf('/') >= 0) {
                return Cidr.parse(t, true).toRange();
            }
            int dash = t.indexOf('-');
            if (dash < 0) {
                throw new InvalidInputException("not a CIDR or first-last range: " + InvalidInputException.quote(text));
            }
            IpAddress a = IpAddress.tryParse(t.substring(0, dash).trim());
            IpAddress b = IpAddress.tryParse(t.substring(dash + 1).trim());
            if (a == null || b == null) {
                throw new InvalidInputException("not a CIDR or first-last range: " + InvalidInputException.quote(text));
            }
            return new IpRange(a, b);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage());
        }
    }
}
