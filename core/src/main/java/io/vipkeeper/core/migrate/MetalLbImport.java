package io.vipkeeper.core.migrate;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * MetalLB's configuration (metallb.io IPAddressPool, L2Advertisement, BGPAdvertisement; already parsed from YAML into
 * maps and lists) as VipPools. A pool is converted only when its VipPool means the same; where it would mean more (a
 * second selector MetalLB ORs, several interfaces, BGP peers or aggregation vipkeeper does not have) the pool is left
 * out, with one line saying why, rather than printed wider than it was.
 */
public final class MetalLbImport {

    private static final Pattern COMMUNITY = Pattern.compile("(\\d{1,5}):(\\d{1,5})");

    private record Pool(String name, Map<String, String> labels, List<IpRange> ranges, boolean autoAssign, boolean avoidBuggy,
                        Integer priority, List<String> namespaces, List<LabelSelector> namespaceSelectors, List<LabelSelector> serviceSelectors) {
    }

    private record Advert(String kind, String name, List<String> pools, List<LabelSelector> poolSelectors, List<LabelSelector> nodeSelectors,
                          List<InterfaceName> interfaces, Bgp bgp) {
        boolean applies(Pool p) {
            return (pools.isEmpty() && poolSelectors.isEmpty()) || pools.contains(p.name())
                    || poolSelectors.stream().anyMatch(s -> s.matches(p.labels()));
        }

        String id() {
            return kind + " " + name;
        }
    }

    /** What a BGPAdvertisement says beyond where: equal for every advertisement of one pool, or the pool is left out. */
    private record Bgp(long aggregationLength, long aggregationLengthV6, Long localPref, List<String> communities, List<String> peers) {
    }

    private final List<String> leftOut = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Map<String, Pool> pools = new LinkedHashMap<>();
    private final List<Advert> adverts = new ArrayList<>();

    private MetalLbImport() {
    }

    /** Converts YAML documents (each a mapping; a {@code kind: ...List} is read item by item). */
    public static ImportResult convert(List<?> documents) {
        MetalLbImport in = new MetalLbImport();
        int index = 0;
        for (Object doc : documents) {
            in.document(doc, "document " + index++);
        }
        return in.result();
    }

    private void document(Object doc, String where) {
        if (doc == null) {
            return;
        }
        if (!(doc instanceof Map<?, ?>)) {
            errors.add(where + ": not a Kubernetes object (a mapping)");
            return;
        }
        Map<String, Object> m = Fields.map(doc, where);
        Object kind = m.get("kind");
        if (kind instanceof String k && k.endsWith("List") && m.get("items") instanceof List<?> items) {
            int i = 0;
            for (Object item : items) {
                document(item, where + " item " + i++);
            }
            return;
        }
        String id = where;
        try {
            String kindText = Fields.string(m, "kind", where);
            if (!kindText.matches("[A-Za-z][A-Za-z0-9]{0,62}")) {
                throw new InvalidInputException(where + ": not a kind: " + InvalidInputException.quote(kindText));
            }
            String name = Fields.string(Fields.mapOrEmpty(m, "metadata", where), "name", where + ".metadata");
            if (!KubeNames.isSubdomain(name)) {
                throw new InvalidInputException(kindText + " " + InvalidInputException.quote(name) + ": not an object name");
            }
            id = kindText + " " + name;
            object(m, kindText, name, id);
        } catch (InvalidInputException e) {
            errors.add(e.getMessage());
        }
    }

    private void object(Map<String, Object> m, String kind, String name, String id) {
        String apiVersion = m.get("apiVersion") instanceof String s ? s : "";
        if (kind.equals("ConfigMap") && Fields.mapOrEmpty(m, "data", id).containsKey("config")) {
            leftOut.add(id + ": MetalLB's configuration format before v0.13 has no importer here; convert it to custom"
                    + " resources first (MetalLB's configmaptocrs tool) and import those");
            return;
        }
        if (!apiVersion.startsWith("metallb.io/")) {
            leftOut.add(id + ": not a MetalLB object (apiVersion " + InvalidInputException.quote(apiVersion) + "), ignored");
            return;
        }
        Map<String, Object> spec = Fields.mapOrEmpty(m, "spec", id);
        switch (kind) {
            case "IPAddressPool" -> pool(m, spec, name, id);
            case "L2Advertisement" -> adverts.add(advert(spec, kind, name, id, false));
            case "BGPAdvertisement" -> adverts.add(advert(spec, kind, name, id, true));
            case "BGPPeer" -> leftOut.add(id + ": BGP peers are not part of a VipPool; set up the agents' BGP peering for "
                    + peer(spec, id) + " (docs/migration.md)");
            case "BFDProfile" -> leftOut.add(id + ": no equivalent (vipkeeper's BGP sessions have no BFD profiles)");
            case "Community" -> leftOut.add(id + ": community aliases have no equivalent; write the communities themselves"
                    + " (ASN:VALUE) in the VipPool's bgp.communities");
            default -> leftOut.add(id + ": no equivalent in a VipPool, ignored");
        }
    }

    private static String peer(Map<String, Object> spec, String id) {
        String address = Fields.string(spec, "peerAddress", id + ".spec");
        if (IpAddress.tryParse(address) == null) {
            throw new InvalidInputException(id + ".spec.peerAddress: not an IP address: " + InvalidInputException.quote(address));
        }
        Long asn = Fields.number(spec, "peerASN", 0, 4294967295L, id + ".spec");
        Long my = Fields.number(spec, "myASN", 0, 4294967295L, id + ".spec");
        return IpAddress.parse(address) + " (peer ASN " + asn + ", local ASN " + my + ")";
    }

    private void pool(Map<String, Object> m, Map<String, Object> spec, String name, String id) {
        Map<String, String> labels = new TreeMap<>();
        for (Map.Entry<String, Object> e : Fields.mapOrEmpty(Fields.mapOrEmpty(m, "metadata", id), "labels", id + ".metadata").entrySet()) {
            String key = Fields.checked(id + ".metadata.labels", () -> LabelSelector.requireKey(e.getKey()));
            String value = Fields.scalar(e.getValue(), id + ".metadata.labels." + key);
            labels.put(key, Fields.checked(id + ".metadata.labels." + key, () -> LabelSelector.requireValue(value)));
        }
        List<IpRange> ranges = new ArrayList<>();
        List<String> addresses = Fields.strings(spec, "addresses", id + ".spec");
        if (addresses.isEmpty()) {
            throw new InvalidInputException(id + ".spec.addresses: no addresses");
        }
        for (int i = 0; i < addresses.size(); i++) {
            ranges.add(ImportedPool.parseEntry(addresses.get(i), id + ".spec.addresses[" + i + "]"));
        }
        boolean autoAssign = Fields.bool(spec, "autoAssign", true, id + ".spec");
        boolean avoidBuggy = Fields.bool(spec, "avoidBuggyIPs", false, id + ".spec");
        String where = id + ".spec.serviceAllocation";
        Map<String, Object> alloc = Fields.mapOrEmpty(spec, "serviceAllocation", id + ".spec");
        Long priority = Fields.number(alloc, "priority", Integer.MIN_VALUE, Integer.MAX_VALUE, where);
        List<String> namespaces = Fields.strings(alloc, "namespaces", where);
        for (String ns : namespaces) {
            if (!KubeNames.isNamespace(ns)) {
                throw new InvalidInputException(where + ".namespaces: not a namespace name: " + InvalidInputException.quote(ns));
            }
        }
        List<LabelSelector> nsSelectors = selectors(alloc, "namespaceSelectors", where);
        List<LabelSelector> svcSelectors = selectors(alloc, "serviceSelectors", where);
        if (pools.put(name, new Pool(name, labels, ranges, autoAssign, avoidBuggy, priority == null ? null : priority.intValue(),
                namespaces, nsSelectors, svcSelectors)) != null) {
            throw new InvalidInputException(id + ": given twice");
        }
    }

    private static List<LabelSelector> selectors(Map<String, Object> m, String key, String where) {
        List<LabelSelector> out = new ArrayList<>();
        int i = 0;
        for (Object s : Fields.listOrEmpty(m, key, where)) {
            out.add(PoolPlacementCodec.selectorFromTree(s, where + "." + key + "[" + i++ + "]"));
        }
        return out;
    }

    private static Advert advert(Map<String, Object> spec, String kind, String name, String id, boolean bgp) {
        String where = id + ".spec";
        List<String> poolNames = Fields.strings(spec, "ipAddressPools", where);
        for (String p : poolNames) {
            if (!KubeNames.isSubdomain(p)) {
                throw new InvalidInputException(where + ".ipAddressPools: not a pool name: " + InvalidInputException.quote(p));
            }
        }
        List<LabelSelector> poolSelectors = selectors(spec, "ipAddressPoolSelectors", where);
        List<LabelSelector> nodeSelectors = selectors(spec, "nodeSelectors", where);
        List<InterfaceName> interfaces = new ArrayList<>();
        Bgp b = null;
        if (bgp) {
            List<String> communities = Fields.strings(spec, "communities", where);
            b = new Bgp(Objects.requireNonNullElse(Fields.number(spec, "aggregationLength", 0, 32, where), 32L),
                    Objects.requireNonNullElse(Fields.number(spec, "aggregationLengthV6", 0, 128, where), 128L),
                    Fields.number(spec, "localPref", 0, 4294967295L, where), communities, Fields.strings(spec, "peers", where));
        } else {
            for (String i : Fields.strings(spec, "interfaces", where)) {
                try {
                    interfaces.add(InterfaceName.parse(i));
                } catch (InvalidInputException e) {
                    throw new InvalidInputException(where + ".interfaces: " + e.getMessage());
                }
            }
        }
        return new Advert(kind, name, poolNames, poolSelectors, nodeSelectors, interfaces, b);
    }

    private ImportResult result() {
        for (Advert a : adverts) {
            for (String p : a.pools()) {
                if (!pools.containsKey(p)) {
                    leftOut.add(a.id() + ": names IPAddressPool " + p + ", which is not in the input");
                }
            }
        }
        List<ImportedPool> out = new ArrayList<>();
        for (Pool p : pools.values()) {
            ImportedPool converted = convert(p);
            if (converted == null) {
                continue;
            }
            ImportedPool clash = out.stream().filter(converted::overlaps).findFirst().orElse(null);
            if (clash != null) {
                errors.add("IPAddressPool " + p.name() + ": shares addresses with IPAddressPool " + clash.name()
                        + " (MetalLB refuses this too)");
                continue;
            }
            out.add(converted);
        }
        return new ImportResult(out, leftOut, errors);
    }

    /** The pool as a VipPool, or null (and a line in leftOut) when a VipPool cannot mean the same. */
    private ImportedPool convert(Pool p) {
        String id = "IPAddressPool " + p.name();
        if (!ImportedPool.isPoolName(p.name())) {
            leftOut.add(id + ": VipPool names are DNS labels (no '.'); rename the pool (and the Services' metallb.io/address-pool)"
                    + " and import again");
            return null;
        }
        LabelSelector nsSelector = one(p.namespaceSelectors(), id, "serviceAllocation.namespaceSelectors");
        LabelSelector svcSelector = one(p.serviceSelectors(), id, "serviceAllocation.serviceSelectors");
        if ((nsSelector == null && !p.namespaceSelectors().isEmpty()) || (svcSelector == null && !p.serviceSelectors().isEmpty())) {
            return null;
        }
        List<Advert> l2 = adverts.stream().filter(a -> a.bgp() == null && a.applies(p)).toList();
        List<Advert> bgp = adverts.stream().filter(a -> a.bgp() != null && a.applies(p)).toList();
        if (!l2.isEmpty() && !bgp.isEmpty()) {
            leftOut.add(id + ": announced both by L2 (" + names(l2) + ") and by BGP (" + names(bgp) + "); a VipPool is announced"
                    + " one way: split the pool or drop one advertisement, and import again");
            return null;
        }
        List<Advert> all = l2.isEmpty() ? bgp : l2;
        if (all.isEmpty()) {
            leftOut.add(id + ": no L2Advertisement or BGPAdvertisement selects it, so MetalLB assigned its addresses without"
                    + " announcing them; its VipPool is printed and vipkeeper will announce them (VRRP)");
        }
        LabelSelector nodes = null;
        if (!all.isEmpty() && all.stream().noneMatch(a -> a.nodeSelectors().isEmpty())) {
            Set<LabelSelector> distinct = new LinkedHashSet<>();
            all.forEach(a -> distinct.addAll(a.nodeSelectors()));
            if (distinct.size() > 1) {
                leftOut.add(id + ": its advertisements (" + names(all) + ") select nodes with " + distinct.size()
                        + " selectors, of which MetalLB takes any; a VipPool has one nodeSelector: write one that covers them"
                        + " (matchExpressions with In) and import again");
                return null;
            }
            nodes = distinct.iterator().next();
        }
        InterfaceName iface = null;
        if (!l2.isEmpty() && l2.stream().noneMatch(a -> a.interfaces().isEmpty())) {
            Set<InterfaceName> distinct = new LinkedHashSet<>();
            l2.forEach(a -> distinct.addAll(a.interfaces()));
            if (distinct.size() > 1) {
                leftOut.add(id + ": announced on " + distinct.size() + " interfaces " + distinct + " (" + names(l2)
                        + "); a VipPool's VIPs live on one interface: split the pool by interface and import again");
                return null;
            }
            iface = distinct.iterator().next();
        }
        List<String> communities = List.of();
        Long localPref = null;
        if (!bgp.isEmpty()) {
            Set<Bgp> distinct = new LinkedHashSet<>();
            bgp.forEach(a -> distinct.add(a.bgp()));
            if (distinct.size() > 1) {
                leftOut.add(id + ": its BGPAdvertisements (" + names(bgp) + ") differ in communities, localPref, aggregation or"
                        + " peers; a VipPool announces its addresses one way: make them equal and import again");
                return null;
            }
            Bgp b = distinct.iterator().next();
            if (b.aggregationLength() != 32 || b.aggregationLengthV6() != 128) {
                leftOut.add(id + ": aggregationLength " + b.aggregationLength() + "/" + b.aggregationLengthV6() + " (" + names(bgp)
                        + "): vipkeeper announces each address alone (/32, /128)");
                return null;
            }
            if (!b.peers().isEmpty()) {
                leftOut.add(id + ": announced to named peers only (" + names(bgp) + "); vipkeeper announces to every BGP peer of"
                        + " the agents");
                return null;
            }
            for (String c : b.communities()) {
                var matcher = COMMUNITY.matcher(c);
                if (!matcher.matches() || Integer.parseInt(matcher.group(1)) > 65535 || Integer.parseInt(matcher.group(2)) > 65535) {
                    leftOut.add(id + ": community " + InvalidInputException.quote(c) + " (" + names(bgp) + ") is not a standard"
                            + " community ASN:VALUE (large communities and Community aliases have no equivalent)");
                    return null;
                }
            }
            communities = b.communities();
            localPref = b.localPref();
        }
        return new ImportedPool(p.name(), p.ranges(), p.autoAssign(), p.avoidBuggy(), p.priority(), p.namespaces(), nsSelector,
                svcSelector, nodes, iface, !bgp.isEmpty(), communities, localPref);
    }

    /** The single selector of a list, or null: none, or several (MetalLB ORs them; a line in leftOut). */
    private LabelSelector one(List<LabelSelector> selectors, String id, String field) {
        if (selectors.size() > 1) {
            leftOut.add(id + ": " + field + " has " + selectors.size() + " selectors, of which MetalLB takes any; a VipPool has one:"
                    + " write one that covers them and import again");
        }
        return selectors.size() == 1 ? selectors.get(0) : null;
    }

    private static String names(List<Advert> adverts) {
        return String.join(", ", adverts.stream().map(Advert::id).toList());
    }
}
