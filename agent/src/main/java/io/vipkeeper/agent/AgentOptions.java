package io.vipkeeper.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AdvertInterval;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.FailoverProfile;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.LvsScheduler;
import io.vipkeeper.core.agent.VridRange;
import io.vipkeeper.core.agent.VrrpRealtime;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.Announce;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The node agent's flags (a picocli mixin shared by {@code render} and the agent command). */
public final class AgentOptions {

    @Option(names = "--services-configmap", paramLabel = "NS/NAME",
            description = "The VIP ConfigMap. Optional for render when the objects hold exactly one ConfigMap.")
    String servicesConfigMap;

    @Option(names = "--iface", defaultValue = "eth0", description = "Interface for VRRP and the VIPs (default: ${DEFAULT-VALUE}).")
    String iface;

    @Option(names = "--track-interface", paramLabel = "IF", description = "Further interface whose failure takes this node out (repeatable).")
    List<String> trackInterfaces = new ArrayList<>();

    @Option(names = "--use-unicast", description = "Unicast VRRP to the other nodes' IPs instead of multicast.")
    boolean useUnicast;

    @Option(names = "--vrid", defaultValue = "50", description = "Virtual router id of the single instance (default: ${DEFAULT-VALUE}).")
    int vrid;

    @Option(names = "--vrid-range", defaultValue = "50-99", paramLabel = "FIRST-LAST",
            description = "Where per-vip instances take their ids (default: ${DEFAULT-VALUE}); disjoint per cluster on a LAN.")
    String vridRange;

    @Option(names = "--vrrp-instances", defaultValue = "single", paramLabel = "single|per-vip",
            description = "One instance for every VIP (default) or one per VIP, masters spread over the nodes.")
    String instances;

    @Option(names = "--advertise-vips", description = "Single mode: list the VIPs in VRRP adverts, as kube-keepalived-vip "
            + "does (only while sharing instances with it during a migration: a Service added or removed then makes two "
            + "masters for a moment). Default: adverts carry one constant address.")
    boolean advertiseVips;

    @Option(names = "--advert-interval", paramLabel = "SECONDS",
            description = "VRRP advert interval (default 0.1 with VRRPv3: failover in ~0.35 s; 1 with VRRPv2).")
    String advertInterval;

    @Option(names = "--failover-profile", defaultValue = "default", paramLabel = "default|fast",
            description = "default: adverts every 0.1 s (failover ~0.26 s); fast: every 0.03 s (failover ~0.1 s, 33 packets/s per instance). "
                    + "An explicit --advert-interval wins.")
    String failoverProfile;

    @Option(names = "--vrrp-realtime", defaultValue = "true", arity = "0..1", fallbackValue = "true",
            description = "Run keepalived's VRRP process with real-time scheduling and locked memory, so load cannot starve it "
                    + "(needs CAP_SYS_NICE and CAP_IPC_LOCK; default: ${DEFAULT-VALUE}).")
    boolean vrrpRealtime;

    @Option(names = "--vrrp-version", defaultValue = "3", description = "2 or 3 (default: ${DEFAULT-VALUE}).")
    int vrrpVersion;

    @Option(names = "--dataplane", defaultValue = "auto", paramLabel = "auto|ipvs|nftables|none|haproxy",
            description = "How VIP traffic is forwarded (default: auto = ipvs when the kernel has IPVS, else nftables; render takes auto as ipvs).")
    String dataplane;

    @Option(names = "--proxy-protocol-mode", description = "The seed's flag: the same as --dataplane haproxy.")
    boolean proxyProtocolMode;

    @Option(names = "--lvs-sched", defaultValue = "wlc", description = "IPVS scheduler (default: ${DEFAULT-VALUE}).")
    String lvsSched;

    @Option(names = "--persistence-timeout", defaultValue = "1800", description = "IPVS persistence in seconds, 0 for none (default: ${DEFAULT-VALUE}).")
    int persistenceTimeout;

    @Option(names = "--node-ip", description = "This node's IP (default: its ExternalIP, else its InternalIP).")
    String nodeIp;

    @Option(names = "--run-dir", defaultValue = "/run/vipkeeper", description = "Where track files live (default: ${DEFAULT-VALUE}).")
    String runDir;

    @Option(names = "--announce", defaultValue = "vrrp", paramLabel = "vrrp|bgp",
            description = "How VIPs no pool placement names reach the network: VRRP on the LAN (default) or BGP (--bgp-peer).")
    String announce;

    @Option(names = "--bgp-peer", paramLabel = "address=IP,asn=N,local-asn=N[,...]", converter = BgpFlags.Peer.class,
            description = "A BGP peer (repeatable); also port=N, bfd=true|false, bfd-interval=100ms, bfd-multiplier=3, "
                    + "hold-time=3s, source=IP, multihop=TTL, password-file=PATH.")
    List<BgpPeer> bgpPeers = new ArrayList<>();

    @Option(names = "--bgp-router-id", paramLabel = "IPV4", converter = BgpFlags.RouterId.class,
            description = "BGP router id (default: this node's IPv4 address).")
    IpAddress bgpRouterId;

    /** The BGP side of these flags; throws {@link InvalidInputException} naming the flag. */
    public NodeAgent.BgpOptions bgp() {
        return new NodeAgent.BgpOptions(flag("--announce", () -> Announce.parse(announce)), bgpPeers, bgpRouterId, "bird",
                Duration.ofSeconds(1));
    }

    /** Null when not given: on for nftables; the ipvs data plane's sync daemon only when given (untested live). */
    @Option(names = "--conntrack-sync", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
            description = "Sync the conntrack table with the other nodes (conntrackd) so established connections survive a "
                    + "failover; applies to the nftables data plane with more than one node (default: true). Given explicitly "
                    + "with --dataplane ipvs and single instances: keepalived's lvs_sync_daemon (untested live).")
    Boolean conntrackSync;

    @Option(names = "--sync-interface", paramLabel = "IF", description = "Interface conntrackd syncs on (default: --iface).")
    String syncInterface;

    @Option(names = "--handover-on-cordon", description = "A cordoned node (spec.unschedulable) hands its VIPs over to the "
            + "other nodes and holds none, as a node labelled node.kubernetes.io/exclude-from-external-load-balancers does "
            + "(always on); uncordoned, it is eligible again. Default: off.")
    boolean handoverOnCordon;

    /** The settings these flags describe, {@code auto} read as ipvs (what render shows). */
    public AgentSettings settings() {
        return settings(Dataplane.IPVS, null);
    }

    /**
     * The settings these flags describe; throws {@link InvalidInputException} naming the flag.
     *
     * @param auto         what {@code --dataplane auto} means on this node
     * @param notifyScript {@code KEEPALIVED_NOTIFY}, or null
     */
    public AgentSettings settings(Dataplane auto, String notifyScript) {
        Dataplane dp = "auto".equals(dataplane) ? auto : flag("--dataplane", () -> Dataplane.parse(dataplane));
        if (proxyProtocolMode) {
            if (!"auto".equals(dataplane) && dp != Dataplane.IPVS && dp != Dataplane.HAPROXY) {
                throw new InvalidInputException("--proxy-protocol-mode means --dataplane haproxy, not " + dp.flag());
            }
            dp = Dataplane.HAPROXY;
        }
        AgentSettings.Builder b = AgentSettings.builder(flag("--iface", () -> InterfaceName.parse(iface)))
                .trackInterfaces(flag("--track-interface", () -> trackInterfaces.stream().map(InterfaceName::parse).toList()))
                .useUnicast(useUnicast)
                .vrid(vrid)
                .vridRange(flag("--vrid-range", () -> VridRange.parse(vridRange)))
                .instanceMode(flag("--vrrp-instances", () -> InstanceMode.parse(instances)))
                .vrrpVersion(vrrpVersion)
                .dataplane(dp)
                .lvsScheduler(flag("--lvs-sched", () -> LvsScheduler.parse(lvsSched)))
                .persistenceTimeout(persistenceTimeout)
                .runDir(runDir)
                .notifyScript(notifyScript == null || notifyScript.isEmpty() ? null : notifyScript)
                .conntrackSync(conntrackSync == null || conntrackSync)
                .lvsSyncDaemon(Boolean.TRUE.equals(conntrackSync))
                .advertiseVips(advertiseVips)
                .handoverOnCordon(handoverOnCordon)
                .announce(flag("--announce", () -> Announce.parse(announce)));
        if (syncInterface != null) {
            b.syncInterface(flag("--sync-interface", () -> InterfaceName.parse(syncInterface)));
        }
        b.failoverProfile(flag("--failover-profile", () -> FailoverProfile.parse(failoverProfile)));
        b.realtime(vrrpRealtime ? VrrpRealtime.DEFAULT : VrrpRealtime.OFF);
        if (advertInterval != null) {
            b.advertInterval(flag("--advert-interval", () -> AdvertInterval.parse(advertInterval)));
        }
        AgentSettings s = b.build();
        // per-vip: the VRID range bounds the instances, so the flags alone tell the most adverts a node can send
        if (s.instanceMode() == InstanceMode.PER_VIP && s.vridRange().size() > s.maxInstances()) {
            throw new InvalidInputException("--vrrp-instances per-vip with --vrid-range " + s.vridRange() + " (" + s.vridRange().size()
                    + " instances) at advert " + s.advertInterval() + " s can send " + Math.round(s.packetsPerSecond(s.vridRange().size()))
                    + " VRRP packets/s, above the limit of " + AgentSettings.MAX_PACKETS_PER_SECOND + ": narrow --vrid-range to at most "
                    + s.maxInstances() + " ids or raise --advert-interval");
        }
        return s;
    }

    /** The VIP ConfigMap, or null when not given. */
    public ConfigMapRef configMap() {
        return servicesConfigMap == null ? null : flag("--services-configmap", () -> ConfigMapRef.parse(servicesConfigMap));
    }

    /** {@code --node-ip}, or null. */
    public IpAddress nodeIp() {
        return nodeIp == null ? null : flag("--node-ip", () -> IpAddress.parse(nodeIp));
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T flag(String name, Parse<T> p) {
        try {
            return p.get();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(name + ": " + e.getMessage());
        }
    }
}
