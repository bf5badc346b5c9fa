package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A named set of addresses Services may get. {@code namespaces} empty means every namespace.
 * {@code avoidBuggyIps} keeps IPv4 addresses ending in .0 and .255 out of automatic assignment (some
 * firmware drops them); {@code autoAssign=false} means only Services that name the pool get its addresses.
 * MetalLB's serviceAllocation (VipPool objects): {@code priority} (lower first; {@code null}: after those with one),
 * {@code namespaceSelector} on the Namespace's labels and {@code serviceSelector} on the Service's ({@code null}: any).
 */
public record AddressPool(String name, List<IpRange> ranges, Set<String> namespaces, boolean avoidBuggyIps, boolean autoAssign,
        Integer priority, LabelSelector namespaceSelector, LabelSelector serviceSelector) {

    /** A pool without serviceAllocation priority or selectors (flags, the pools file, KEEPALIVED_SERVICE_CIDR). */
    public AddressPool(String name, List<IpRange> ranges, Set<String> namespaces, boolean avoidBuggyIps, boolean autoAssign) {
        this(name, ranges, namespaces, avoidBuggyIps, autoAssign, null, null, null);
    }

    public AddressPool {
        KubeNames.requirePoolName(name);
        if (ranges.isEmpty()) {
            throw new InvalidInputException("pool " + name + " has no addresses");
        }
        List<IpRange> sorted = new ArrayList<>(ranges);
        Collections.sort(sorted);
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i - 1).overlaps(sorted.get(i))) {
                throw new InvalidInputException("pool " + name + ": " + sorted.get(i - 1) + " overlaps " + sorted.get(i));
            }
        }
        ranges = List.copyOf(sorted);
        for (String ns : namespaces) {
            KubeNames.requireNamespace(ns);
        }
        namespaces = Collections.unmodifiableSet(new TreeSet<>(namespaces));
        if (namespaceSelector != null && namespaceSelector.isEmpty()) {
            namespaceSelector = null;
        }
        if (serviceSelector != null && serviceSelector.isEmpty()) {
            serviceSelector = null;
        }
    }

    public boolean allows(String namespace) {
        return namespaces.isEmpty() || namespaces.contains(namespace);
    }

    /**
     * Whether a Service in {@code namespace} (whose Namespace has {@code namespaceLabels}) with {@code serviceLabels} may
     * get the pool's addresses: the namespace list, then both selectors.
     */
    public boolean allows(String namespace, Map<String, String> namespaceLabels, Map<String, String> serviceLabels) {
        return allows(namespace) && (namespaceSelector == null || namespaceSelector.matches(namespaceLabels))
                && (serviceSelector == null || serviceSelector.matches(serviceLabels));
    }

    /** Whether the pool's ranges share an address with another's (the first such pair, as text), or empty. */
    public Optional<String> overlap(AddressPool other) {
        for (IpRange a : ranges) {
            for (IpRange b : other.ranges) {
                if (a.overlaps(b)) {
                    return Optional.of(a + " overlaps " + b);
                }
            }
        }
        return Optional.empty();
    }

    public boolean contains(IpAddress a) {
        for (IpRange r : ranges) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    public boolean has(IpFamily family) {
        for (IpRange r : ranges) {
            if (r.family() == family) {
                return true;
            }
        }
        return false;
    }

    /** Whether automatic assignment may hand out this address (it must be in the pool). */
    public boolean assignable(IpAddress a) {
        if (avoidBuggyIps && a.isIpv4()) {
            long last = a.lo() & 0xff;
            return last != 0 && last != 255;
        }
        return true;
    }

    /** Number of addresses of that family, buggy ones included (for the pool-size metric). */
    public BigInteger size(IpFamily family) {
        BigInteger n = BigInteger.ZERO;
        for (IpRange r : ranges) {
            if (r.family() == family) {
                n = n.add(r.size());
            }
        }
        return n;
    }

    /** Refuses pool sets in which two pools share an address, naming both. */
    public static void requireDisjoint(List<AddressPool> pools) {
        Set<String> names = new TreeSet<>();
        for (AddressPool p : pools) {
            if (!names.add(p.name())) {
                throw new InvalidInputException("two pools are named " + p.name());
            }
        }
        for (int i = 0; i < pools.size(); i++) {
            for (int j = i + 1; j < pools.size(); j++) {
                for (IpRange a : pools.get(i).ranges()) {
                    for (IpRange b : pools.get(j).ranges()) {
                        if (a.overlaps(b)) {
                            throw new InvalidInputException("pool " + pools.get(i).name() + " (" + a + ") overlaps pool "
                                    + pools.get(j).name() + " (" + b + ")");
                        }
                    }
                }
            }
        }
    }
}
