package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The spec of a VipPool object (vipkeeper.io/v1alpha1), parsed from the tree a JSON library reads (maps, lists, strings,
 * numbers, booleans). The API server may not have validated it (no schema in an old CRD, or an API that checks nothing),
 * so everything is checked here: unknown fields and values that do not parse are refused with an
 * {@link InvalidInputException} naming the field ({@code spec.serviceAllocation.priority}) and the value.
 *
 * @param pool          what the allocator uses: addresses, namespaces, selectors, priority, autoAssign, avoidBuggyIPs
 * @param placement     where its VIPs live, as the agents need it (published on the VIP ConfigMap)
 * @param forwardMethod the default forward method of Services that get its addresses, or null (the controller's default)
 * @param addressText   the addresses as written, for the status summary
 */
public record VipPoolSpec(AddressPool pool, PoolPlacement placement, ForwardMethod forwardMethod, List<String> addressText) {

    private static final Set<String> FIELDS = Set.of("addresses", "autoAssign", "avoidBuggyIPs", "serviceAllocation", "nodeSelector",
            "interface", "forwardMethod", "announce", "bgp");
    private static final Set<String> ALLOCATION_FIELDS = Set.of("priority", "namespaces", "namespaceSelector", "serviceSelector");
    private static final Set<String> BGP_FIELDS = Set.of("communities", "localPref");

    public VipPoolSpec {
        addressText = List.copyOf(addressText);
    }

    /** Parses the spec of the VipPool named {@code name}; {@code spec} is its {@code spec} tree. */
    public static VipPoolSpec parse(String name, Object spec) {
        field("metadata.name", () -> KubeNames.requirePoolName(name));
        Map<String, Object> m = map(spec, "spec");
        known(m, FIELDS, "spec");
        List<String> text = new ArrayList<>();
        List<IpRange> ranges = new ArrayList<>();
        List<?> addresses = list(m.get("addresses"), "spec.addresses");
        if (addresses.isEmpty()) {
            throw new InvalidInputException("spec.addresses is empty (give at least one CIDR or first-last range)");
        }
        for (Object o : addresses) {
            String a = string(o, "spec.addresses[]");
            try {
                ranges.addAll(PoolSpecs.parseAddresses(a));
            } catch (InvalidInputException e) {
                throw new InvalidInputException("spec.addresses: " + e.getMessage());
            }
            text.add(a);
        }
        boolean autoAssign = bool(m.get("autoAssign"), "spec.autoAssign", true);
        boolean avoidBuggy = bool(m.get("avoidBuggyIPs"), "spec.avoidBuggyIPs", false);
        Integer priority = null;
        Set<String> namespaces = Set.of();
        LabelSelector namespaceSelector = null;
        LabelSelector serviceSelector = null;
        if (m.get("serviceAllocation") != null) {
            Map<String, Object> sa = map(m.get("serviceAllocation"), "spec.serviceAllocation");
            known(sa, ALLOCATION_FIELDS, "spec.serviceAllocation");
            if (sa.get("priority") != null) {
                priority = (int) whole(sa.get("priority"), "spec.serviceAllocation.priority", 0, Integer.MAX_VALUE);
            }
            if (sa.get("namespaces") != null) {
                Set<String> ns = new LinkedHashSet<>();
                for (Object o : list(sa.get("namespaces"), "spec.serviceAllocation.namespaces")) {
                    String n = string(o, "spec.serviceAllocation.namespaces[]");
                    ns.add(field("spec.serviceAllocation.namespaces", () -> KubeNames.requireNamespace(n)));
                }
                namespaces = ns;
            }
            namespaceSelector = selector(sa.get("namespaceSelector"), "spec.serviceAllocation.namespaceSelector");
            serviceSelector = selector(sa.get("serviceSelector"), "spec.serviceAllocation.serviceSelector");
        }
        AddressPool pool;
        try {
            pool = new AddressPool(name, ranges, namespaces, avoidBuggy, autoAssign, priority, namespaceSelector, serviceSelector);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("spec.addresses: " + e.getMessage());
        }
        LabelSelector nodes = selector(m.get("nodeSelector"), "spec.nodeSelector");
        InterfaceName iface = null;
        if (m.get("interface") != null) {
            iface = field("spec.interface", () -> InterfaceName.parse(string(m.get("interface"), "spec.interface")));
        }
        ForwardMethod method = null;
        if (m.get("forwardMethod") != null) {
            method = field("spec.forwardMethod", () -> ForwardMethod.parse(string(m.get("forwardMethod"), "spec.forwardMethod")));
        }
        Announce announce = Announce.VRRP;
        if (m.get("announce") != null) {
            announce = field("spec.announce", () -> Announce.parse(string(m.get("announce"), "spec.announce")));
        }
        List<BgpCommunity> communities = new ArrayList<>();
        Long localPref = null;
        if (m.get("bgp") != null) {
            Map<String, Object> bgp = map(m.get("bgp"), "spec.bgp");
            known(bgp, BGP_FIELDS, "spec.bgp");
            if (bgp.get("communities") != null) {
                for (Object o : list(bgp.get("communities"), "spec.bgp.communities")) {
                    communities.add(field("spec.bgp.communities", () -> BgpCommunity.parse(string(o, "spec.bgp.communities[]"))));
                }
            }
            if (bgp.get("localPref") != null) {
                localPref = whole(bgp.get("localPref"), "spec.bgp.localPref", 0, PoolPlacement.MAX_LOCAL_PREF);
            }
        }
        PoolPlacement placement = new PoolPlacement(name, pool.ranges(), announce, iface, nodes, communities, localPref);
        return new VipPoolSpec(pool, placement, method, text);
    }

    /** The addresses in a few characters, for {@code kubectl get vippools}: the first as written, {@code +N} for the rest. */
    public String summary() {
        return addressText.get(0) + (addressText.size() > 1 ? " +" + (addressText.size() - 1) : "");
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T field(String field, Parse<T> p) {
        try {
            return p.get();
        } catch (InvalidInputException e) {
            throw e.getMessage().startsWith(field) ? e : new InvalidInputException(field + ": " + e.getMessage());
        }
    }

    private static LabelSelector selector(Object tree, String field) {
        return tree == null ? null : field(field, () -> PoolPlacementCodec.selectorFromTree(tree, field));
    }

    private static void known(Map<String, Object> m, Set<String> fields, String where) {
        for (String k : m.keySet()) {
            if (!fields.contains(k)) {
                throw new InvalidInputException(where + ": unknown field " + InvalidInputException.quote(k) + " (known: "
                        + String.join(", ", new TreeSet<>(fields)) + ")");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String field) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new InvalidInputException(field + (o == null ? " is missing" : " is not an object"));
    }

    private static List<?> list(Object o, String field) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw new InvalidInputException(field + (o == null ? " is missing" : " is not a list: " + InvalidInputException.quote(String.valueOf(o))));
    }

    private static String string(Object o, String field) {
        if (o instanceof String s) {
            return s;
        }
        throw new InvalidInputException(field + " is not a string: " + InvalidInputException.quote(String.valueOf(o)));
    }

    private static boolean bool(Object o, String field, boolean absent) {
        if (o == null) {
            return absent;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        throw new InvalidInputException(field + " is not true or false: " + InvalidInputException.quote(String.valueOf(o)));
    }

    private static long whole(Object o, String field, long min, long max) {
        BigInteger v = null;
        if (o instanceof Integer || o instanceof Long || o instanceof Short) {
            v = BigInteger.valueOf(((Number) o).longValue());
        } else if (o instanceof BigInteger b) {
            v = b;
        } else if (o instanceof Number n) {
            BigDecimal d = new BigDecimal(n.toString());
            if (d.stripTrailingZeros().scale() <= 0) {
                v = d.toBigIntegerExact();
            }
        }
        if (v == null) {
            throw new InvalidInputException(field + " is not a whole number: " + InvalidInputException.quote(String.valueOf(o)));
        }
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new InvalidInputException(field + " is out of range: " + v + " (" + min + ".." + max + ")");
        }
        return v.longValue();
    }
}
