package io.vipkeeper.core.agent;

import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTarget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The VIP table + Services + endpoints → what this node serves. Pure and deterministic.
 *
 * <p>Rules (docs/agent.md, "VIP table"):
 * <ul>
 * <li>Every parsed entry is a VIP and is held, whatever happens to its Services: a missing Service or one without
 * ready endpoints is reported, and the address stays up, so a rollout or a briefly deleted Service does not make
 * the VIP flap (the seed dropped it from {@code virtual_ipaddress}).</li>
 * <li>An entry that does not parse, or names an address no Service may hold ({@link VipChecks}: special addresses,
 * Node addresses, the VRRP interface's network and broadcast addresses), is reported and skipped; every other entry
 * is served.</li>
 * <li>A Service port is matched to EndpointSlice ports by the Service port's name and protocol (as kube-proxy
 * does); the backend port is the slice port's number, i.e. the resolved targetPort. Only ready endpoints of the
 * VIP's family count.</li>
 * <li>Two Services sharing a VIP cannot both have the same protocol and port: the first (by namespace/name) wins.</li>
 * </ul>
 */
public final class VipResolver {

    private VipResolver() {
    }

    public static Resolution resolve(VipConfigMapCodec.Decoded table, Map<ServiceRef, ServiceSpec> services,
                                     Map<ServiceRef, List<EndpointGroup>> endpoints, String nodeName,
                                     AgentSettings settings) {
        return resolve(table, services, endpoints, nodeName, settings, VipChecks.SPECIAL_ONLY);
    }

    /** As above; entries naming an address {@code checks} refuses are reported {@code ENTRY_REFUSED} and not held. */
    public static Resolution resolve(VipConfigMapCodec.Decoded table, Map<ServiceRef, ServiceSpec> services,
                                     Map<ServiceRef, List<EndpointGroup>> endpoints, String nodeName,
                                     AgentSettings settings, VipChecks checks) {
        return resolve(table, services, endpoints, nodeName, settings, checks, vip -> false);
    }

    /**
     * As above; {@code announcedByBgp} says which VIPs BGP announces: those follow externalTrafficPolicy Local in any
     * instance mode (every node announces its own, so no shared VRRP instance stands in the way).
     */
    public static Resolution resolve(VipConfigMapCodec.Decoded table, Map<ServiceRef, ServiceSpec> services,
                                     Map<ServiceRef, List<EndpointGroup>> endpoints, String nodeName,
                                     AgentSettings settings, VipChecks checks, Predicate<IpAddress> announcedByBgp) {
        List<ResolvedVip> vips = new ArrayList<>();
        List<Report> reports = new ArrayList<>();
        for (VipConfigMapCodec.Rejected r : table.rejected()) {
            IpAddress vip = VipConfigMapCodec.decodeKey(r.key());
            reports.add(new Report(Report.Kind.ENTRY_REFUSED, vip != null ? new Report.Subject.Vip(vip)
                    : new Report.Subject.Entry(r.key()), r.reason()));
        }
        for (VipEntry e : table.table().entries().values()) {
            Optional<String> refusal = checks.refusal(e.vip());
            if (refusal.isPresent()) {
                reports.add(new Report(Report.Kind.ENTRY_REFUSED, e.vip(), refusal.get() + ": not held"));
                continue;
            }
            vips.add(resolveVip(e, services, endpoints, nodeName, settings, announcedByBgp.test(e.vip()), reports));
        }
        return new Resolution(vips, reports);
    }

    private static ResolvedVip resolveVip(VipEntry e, Map<ServiceRef, ServiceSpec> services,
                                          Map<ServiceRef, List<EndpointGroup>> endpoints, String nodeName,
                                          AgentSettings settings, boolean bgp, List<Report> reports) {
        IpAddress vip = e.vip();
        if (e.vipOnly() || settings.dataplane() == Dataplane.NONE) {
            return new ResolvedVip(vip, List.of(), false);
        }
        // which targets can be forwarded at all, and whether the VIP follows externalTrafficPolicy Local
        List<VipTarget> usable = new ArrayList<>();
        for (VipTarget t : e.targets()) {
            ServiceSpec svc = services.get(t.service());
            if (svc == null) {
                reports.add(new Report(Report.Kind.SERVICE_MISSING, vip, "Service " + t.service()
                        + " not found: the VIP is held, nothing is forwarded for it"));
                continue;
            }
            String refusal = methodRefusal(t.method(), settings.dataplane());
            if (refusal != null) {
                reports.add(new Report(Report.Kind.NOT_FORWARDED, vip, "Service " + t.service() + ": " + refusal));
                continue;
            }
            usable.add(t);
        }
        long local = usable.stream().filter(t -> services.get(t.service()).trafficPolicy() == TrafficPolicy.LOCAL).count();
        boolean ownAnnouncement = bgp || settings.instanceMode() == InstanceMode.PER_VIP;
        boolean localOnly = local > 0 && local == usable.size() && ownAnnouncement;
        if (local > 0 && !localOnly) {
            String why = !ownAnnouncement
                    ? "externalTrafficPolicy Local needs --vrrp-instances per-vip (or a pool announced by BGP)"
                    : "the VIP is shared with a Service whose externalTrafficPolicy is Cluster";
            for (VipTarget t : usable) {
                if (services.get(t.service()).trafficPolicy() == TrafficPolicy.LOCAL) {
                    reports.add(new Report(Report.Kind.POLICY_IGNORED, vip, "Service " + t.service() + ": " + why
                            + "; forwarded to every ready endpoint as with Cluster"));
                }
            }
        }
        Map<PortKey, ResolvedPort> ports = new TreeMap<>();
        for (VipTarget t : usable) {
            ServiceSpec svc = services.get(t.service());
            List<EndpointGroup> groups = endpoints.getOrDefault(t.service(), List.of());
            for (ServicePortSpec sp : svc.ports()) {
                PortKey key = new PortKey(sp.protocol(), sp.port());
                if (settings.dataplane() == Dataplane.HAPROXY && sp.protocol() != PortKey.Protocol.TCP) {
                    reports.add(new Report(Report.Kind.NOT_FORWARDED, vip, "Service " + t.service() + " port "
                            + key + ": haproxy forwards TCP only"));
                    continue;
                }
                ResolvedPort taken = ports.get(key);
                if (taken != null) {
                    reports.add(new Report(Report.Kind.NOT_FORWARDED, vip, "Service " + t.service() + " port "
                            + key + ": already served by Service " + taken.service()));
                    continue;
                }
                List<Backend> backends = backends(vip, sp, groups, localOnly ? nodeName : null);
                if (t.method() == ForwardMethod.DR && settings.dataplane() == Dataplane.IPVS
                        && backends.stream().anyMatch(be -> be.port() != sp.port())) {
                    // direct routing forwards frames unchanged: the endpoint must listen on the VIP's port
                    reports.add(new Report(Report.Kind.NOT_FORWARDED, vip, "Service " + t.service() + " port "
                            + key + ": method DR cannot change the port; endpoints listening on another port are left out"));
                    backends = backends.stream().filter(be -> be.port() == sp.port()).toList();
                }
                if (backends.isEmpty()) {
                    reports.add(new Report(Report.Kind.NO_ENDPOINTS, vip, "Service " + t.service() + " port "
                            + key + (localOnly ? ": no ready endpoint on this node" : ": no ready endpoint")));
                }
                ports.put(key, new ResolvedPort(key, t.service(), t.method(), backends));
            }
        }
        return new ResolvedVip(vip, new ArrayList<>(ports.values()), localOnly);
    }

    /** Why a method cannot be forwarded by a data plane, or null when it can. */
    static String methodRefusal(ForwardMethod method, Dataplane dataplane) {
        return switch (dataplane) {
            case IPVS -> method == ForwardMethod.PROXY ? "method PROXY needs --dataplane haproxy" : null;
            case NFTABLES -> method == ForwardMethod.NAT ? null
                    : "method " + method + " needs --dataplane " + (method == ForwardMethod.DR ? "ipvs" : "haproxy");
            case HAPROXY, NONE -> null;
        };
    }

    private static List<Backend> backends(IpAddress vip, ServicePortSpec sp, List<EndpointGroup> groups,
                                          String onlyNode) {
        TreeSet<Backend> out = new TreeSet<>();
        for (EndpointGroup g : groups) {
            for (EndpointPortSpec ep : g.ports()) {
                if (!ep.name().equals(sp.name()) || ep.protocol() != sp.protocol()) {
                    continue;
                }
                for (EndpointAddress a : g.endpoints()) {
                    if (a.ready() && a.address().family() == vip.family()
                            && (onlyNode == null || onlyNode.equals(a.nodeName()))) {
                        out.add(new Backend(a.address(), ep.port(), a.nodeName()));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** Indexes endpoint groups by Service (a convenience for adapters and tests). */
    public static Map<ServiceRef, List<EndpointGroup>> byService(Collection<EndpointGroup> groups) {
        Map<ServiceRef, List<EndpointGroup>> m = new HashMap<>();
        for (EndpointGroup g : groups) {
            m.computeIfAbsent(g.service(), k -> new ArrayList<>()).add(g);
        }
        return m;
    }
}
