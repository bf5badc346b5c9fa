package io.vipkeeper.core.viptable;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.PoolPlacement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VIP ConfigMap's {@code vipkeeper.io/pool-placement} annotation as a JSON tree (maps, lists, strings, numbers:
 * what a JSON library reads and writes; core does no JSON text itself). One member per pool whose placement is not
 * the default:
 * <pre>{"prod":{"addresses":["198.51.100.0-198.51.100.15"],"announce":"bgp","interface":"eth1",
 *   "nodeSelector":{"matchLabels":{"rack":"r1"},"matchExpressions":[{"key":"k","operator":"In","values":["x"]}]},
 *   "communities":["64512:100"],"localPref":100}}</pre>
 * Anyone with write access to the ConfigMap can write it, so decoding trusts nothing: unknown fields and values that do
 * not parse are refused, naming the pool and the field.
 */
public final class PoolPlacementCodec {

    public static final String ANNOTATION = "vipkeeper.io/pool-placement";
    private static final Set<String> FIELDS = Set.of("addresses", "announce", "interface", "nodeSelector", "communities", "localPref");

    private PoolPlacementCodec() {
    }

    /** The tree for {@code placements}, default ones left out. */
    public static Map<String, Object> toTree(List<PoolPlacement> placements) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (PoolPlacement p : placements) {
            if (p.isDefault()) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            List<Object> ranges = new ArrayList<>();
            p.ranges().forEach(r -> ranges.add(r.first() + "-" + r.last()));
            m.put("addresses", ranges);
            m.put("announce", p.announce().text());
            p.interfaceName().ifPresent(i -> m.put("interface", i.name()));
            p.nodes().ifPresent(s -> m.put("nodeSelector", selectorTree(s)));
            if (!p.communities().isEmpty()) {
                List<Object> cs = new ArrayList<>();
                p.communities().forEach(c -> cs.add(c.toString()));
                m.put("communities", cs);
            }
            p.localPreference().ifPresent(l -> m.put("localPref", l));
            out.put(p.pool(), m);
        }
        return out;
    }

    /** The placements in a tree read from the annotation ({@code null}: none). */
    public static List<PoolPlacement> fromTree(Object tree) {
        if (tree == null) {
            return List.of();
        }
        List<PoolPlacement> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : map(tree, "pool placement").entrySet()) {
            String pool = e.getKey();
            try {
                out.add(placement(pool, map(e.getValue(), "pool")));
            } catch (InvalidInputException x) {
                throw new InvalidInputException(ANNOTATION + ": pool " + InvalidInputException.quote(pool) + ": " + x.getMessage());
            }
        }
        return out;
    }

    public static Map<String, Object> selectorTree(LabelSelector s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!s.matchLabels().isEmpty()) {
            m.put("matchLabels", new LinkedHashMap<>(s.matchLabels()));
        }
        if (!s.matchExpressions().isEmpty()) {
            List<Object> exprs = new ArrayList<>();
            for (LabelSelector.Requirement r : s.matchExpressions()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("key", r.key());
                x.put("operator", r.operator().text());
                if (!r.values().isEmpty()) {
                    x.put("values", new ArrayList<Object>(r.values()));
                }
                exprs.add(x);
            }
            m.put("matchExpressions", exprs);
        }
        return m;
    }

    /** A metav1.LabelSelector tree (as in a custom resource or this annotation); unknown fields refused. */
    public static LabelSelector selectorFromTree(Object tree, String field) {
        try {
            return selector(tree, field);
        } catch (InvalidInputException e) {
            throw e.getMessage().startsWith(field) ? e : new InvalidInputException(field + ": " + e.getMessage());
        }
    }

    private static LabelSelector selector(Object tree, String field) {
        Map<String, Object> m = map(tree, field);
        for (String k : m.keySet()) {
            if (!k.equals("matchLabels") && !k.equals("matchExpressions")) {
                throw new InvalidInputException(field + ": unknown field " + InvalidInputException.quote(k));
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.get("matchLabels") != null) {
            for (Map.Entry<String, Object> e : map(m.get("matchLabels"), field + ".matchLabels").entrySet()) {
                labels.put(e.getKey(), string(e.getValue(), field + ".matchLabels." + e.getKey()));
            }
        }
        List<LabelSelector.Requirement> exprs = new ArrayList<>();
        if (m.get("matchExpressions") != null) {
            for (Object o : list(m.get("matchExpressions"), field + ".matchExpressions")) {
                Map<String, Object> x = map(o, field + ".matchExpressions[]");
                List<String> values = new ArrayList<>();
                if (x.get("values") != null) {
                    for (Object v : list(x.get("values"), field + ".matchExpressions[].values")) {
                        values.add(string(v, field + ".matchExpressions[].values[]"));
                    }
                }
                exprs.add(new LabelSelector.Requirement(string(x.get("key"), field + ".matchExpressions[].key"),
                        LabelSelector.Operator.parse(string(x.get("operator"), field + ".matchExpressions[].operator")),
                        Set.copyOf(values)));
            }
        }
        return new LabelSelector(labels, exprs);
    }

    private static PoolPlacement placement(String pool, Map<String, Object> m) {
        for (String k : m.keySet()) {
            if (!FIELDS.contains(k)) {
                throw new InvalidInputException("unknown field " + InvalidInputException.quote(k));
            }
        }
        List<IpRange> ranges = new ArrayList<>();
        for (Object o : list(m.get("addresses"), "addresses")) {
            ranges.add(IpRange.parse(string(o, "addresses[]")));
        }
        Announce announce = m.get("announce") == null ? Announce.VRRP : Announce.parse(string(m.get("announce"), "announce"));
        InterfaceName iface = m.get("interface") == null ? null : InterfaceName.parse(string(m.get("interface"), "interface"));
        LabelSelector nodes = m.get("nodeSelector") == null ? null : selectorFromTree(m.get("nodeSelector"), "nodeSelector");
        List<BgpCommunity> communities = new ArrayList<>();
        if (m.get("communities") != null) {
            for (Object o : list(m.get("communities"), "communities")) {
                communities.add(BgpCommunity.parse(string(o, "communities[]")));
            }
        }
        Long localPref = null;
        if (m.get("localPref") != null) {
            if (!(m.get("localPref") instanceof Number n) || n.doubleValue() != n.longValue()) {
                throw new InvalidInputException("localPref is not a whole number: " + InvalidInputException.quote(String.valueOf(m.get("localPref"))));
            }
            localPref = n.longValue();
        }
        return new PoolPlacement(pool, ranges, announce, iface, nodes, communities, localPref);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String field) {
        if (o instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new InvalidInputException(field + " is not an object");
    }

    private static List<?> list(Object o, String field) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw new InvalidInputException(field + " is not a list");
    }

    private static String string(Object o, String field) {
        if (o instanceof String s) {
            return s;
        }
        throw new InvalidInputException(field + " is not a string");
    }
}
