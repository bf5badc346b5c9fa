package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.pool.Announce;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The agent's flags, validated together. Build with {@link #builder(InterfaceName)}.
 *
 * @param iface              the interface VRRP runs on and VIPs are added to
 * @param trackInterfaces    further interfaces whose failure takes this node out (its own interface is tracked by
 *                           keepalived implicitly; listing it again makes {@code keepalived -t} fail)
 * @param useUnicast         unicast_src_ip / unicast_peer instead of multicast adverts
 * @param vrid               the virtual router id of the single instance ({@link InstanceMode#SINGLE})
 * @param vridRange          where per-VIP instances take their ids from ({@link InstanceMode#PER_VIP})
 * @param persistenceTimeout IPVS persistence in seconds; 0 for none
 * @param runDir             where the agent keeps files keepalived reads and writes (track files, the notify FIFO)
 * @param notifyScript       a script keepalived runs on every state change ({@code KEEPALIVED_NOTIFY}), or null
 * @param failoverProfile    the profile the advert interval came from (unless given explicitly)
 * @param realtime           real-time scheduling and memory locking of keepalived's VRRP process
 * @param conntrackSync      sync the conntrack table with the other nodes (conntrackd) when the data plane is nftables
 *                           and there is another node ({@code --conntrack-sync}, default on)
 * @param syncInterface      the interface conntrackd talks on ({@code --sync-interface}); null: {@code iface}
 * @param advertiseVips      single mode: list the VIPs in the adverts, as kube-keepalived-vip does (needed while
 *                           sharing an instance with its keepalived); false: adverts carry one constant address, so a
 *                           node that reloaded with one VIP more or less still accepts the master's adverts
 * @param handoverOnCordon   a cordoned node hands its VIPs over and holds none, as one labelled
 *                           {@code node.kubernetes.io/exclude-from-external-load-balancers} does
 *                           ({@code --handover-on-cordon}, default off; see {@link io.vipkeeper.core.plan.Handover})
 * @param lvsSyncDaemon      the ipvs data plane: keepalived's IPVS connection sync daemon ({@code lvs_sync_daemon},
 *                           see {@code LvsSyncDaemon}) with {@code conntrackSync}; the agent sets it only when {@code --conntrack-sync} is given
 *                           explicitly, as it is untested live (no IPVS where this was built)
 * @param announce           how VIPs that no pool placement names reach the network ({@code --announce}, default VRRP)
 */
public record AgentSettings(
        InterfaceName iface,
        List<InterfaceName> trackInterfaces,
        boolean useUnicast,
        int vrid,
        VridRange vridRange,
        InstanceMode instanceMode,
        AdvertInterval advertInterval,
        int vrrpVersion,
        Dataplane dataplane,
        LvsScheduler lvsScheduler,
        int persistenceTimeout,
        String runDir,
        String notifyScript,
        FailoverProfile failoverProfile,
        VrrpRealtime realtime,
        boolean conntrackSync,
        InterfaceName syncInterface,
        boolean advertiseVips,
        boolean handoverOnCordon,
        boolean lvsSyncDaemon,
        Announce announce) {

    /**
     * The most VRRP adverts per second a node may send as master (instances / advert interval): 255 per-vip instances
     * (every VRID of an interface) at the default 0.1 s, so nothing the default profile can do is refused. keepalived
     * sends each advert from one process: ~0.4% of a core per 100 packets/s here (docs/benchmarks.md).
     */
    public static final int MAX_PACKETS_PER_SECOND = 2550;

    /** VRRP adverts per second that {@code instances} instances send as masters. */
    public double packetsPerSecond(int instances) {
        return instances * 100.0 / advertInterval.centis();
    }

    /** The most instances that stay within {@link #MAX_PACKETS_PER_SECOND} at this advert interval. */
    public int maxInstances() {
        return (int) ((long) MAX_PACKETS_PER_SECOND * advertInterval.centis() / 100);
    }

    /** Where keepalived reports state changes; the agent reads it. */
    public String notifyFifo() {
        return runDir + "/notify.fifo";
    }

    private static final Pattern ABSOLUTE_PATH = Pattern.compile("(/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}){1,16}");

    public AgentSettings {
        Objects.requireNonNull(iface, "iface");
        trackInterfaces = trackInterfaces.stream().distinct().filter(i -> !i.equals(iface)).sorted().toList();
        if (vrid < 1 || vrid > 255) {
            throw new InvalidInputException("--vrid " + vrid + " is outside 1-255");
        }
        Objects.requireNonNull(vridRange, "vridRange");
        Objects.requireNonNull(instanceMode, "instanceMode");
        if (vrrpVersion != 2 && vrrpVersion != 3) {
            throw new InvalidInputException("--vrrp-version " + vrrpVersion + " is not 2 or 3");
        }
        Objects.requireNonNull(advertInterval, "advertInterval");
        if (vrrpVersion == 2 && (!advertInterval.wholeSeconds() || advertInterval.centis() > 25500)) {
            throw new InvalidInputException("--advert-interval " + advertInterval
                    + ": VRRP version 2 counts whole seconds (1-255); sub-second adverts need --vrrp-version 3");
        }
        Objects.requireNonNull(dataplane, "dataplane");
        Objects.requireNonNull(lvsScheduler, "lvsScheduler");
        if (persistenceTimeout < 0 || persistenceTimeout > 2678400) {
            throw new InvalidInputException("--persistence-timeout " + persistenceTimeout + " is outside 0-2678400 s");
        }
        if (runDir == null || !ABSOLUTE_PATH.matcher(runDir).matches() || runDir.contains("/..")) {
            throw new InvalidInputException("--run-dir " + InvalidInputException.quote(runDir)
                    + " is not an absolute path of letters, digits, '.', '_' and '-'");
        }
        if (notifyScript != null && (!ABSOLUTE_PATH.matcher(notifyScript).matches() || notifyScript.contains("/.."))) {
            throw new InvalidInputException("KEEPALIVED_NOTIFY " + InvalidInputException.quote(notifyScript)
                    + " is not an absolute path of letters, digits, '.', '_' and '-'");
        }
        Objects.requireNonNull(failoverProfile, "failoverProfile");
        Objects.requireNonNull(realtime, "realtime");
    }

    /** The interface conntrackd syncs on: {@code --sync-interface}, else the VRRP interface. */
    public InterfaceName conntrackSyncInterface() {
        return syncInterface != null ? syncInterface : iface;
    }

    public static Builder builder(InterfaceName iface) {
        return new Builder(iface);
    }

    public Builder toBuilder() {
        Builder b = new Builder(iface);
        b.trackInterfaces = trackInterfaces;
        b.useUnicast = useUnicast;
        b.vrid = vrid;
        b.vridRange = vridRange;
        b.instanceMode = instanceMode;
        b.advertInterval = advertInterval;
        b.vrrpVersion = vrrpVersion;
        b.dataplane = dataplane;
        b.lvsScheduler = lvsScheduler;
        b.persistenceTimeout = persistenceTimeout;
        b.runDir = runDir;
        b.notifyScript = notifyScript;
        b.failoverProfile = failoverProfile;
        b.realtime = realtime;
        b.conntrackSync = conntrackSync;
        b.syncInterface = syncInterface;
        b.advertiseVips = advertiseVips;
        b.handoverOnCordon = handoverOnCordon;
        b.lvsSyncDaemon = lvsSyncDaemon;
        b.announce = announce;
        return b;
    }

    /**
     * Defaults: the seed's (vrid 50, VRRPv3, wlc, persistence 1800, ipvs), the default failover profile (advert 0.1 s;
     * 1 s with VRRPv2), real-time VRRP on, conntrack sync on (it applies only to the nftables data plane with more
     * than one node). An explicit advert interval wins over the profile's.
     */
    public static final class Builder {
        private final InterfaceName iface;
        private List<InterfaceName> trackInterfaces = List.of();
        private boolean useUnicast;
        private int vrid = 50;
        private VridRange vridRange = new VridRange(50, 99);
        private InstanceMode instanceMode = InstanceMode.SINGLE;
        private AdvertInterval advertInterval; // null: the version's default
        private int vrrpVersion = 3;
        private Dataplane dataplane = Dataplane.IPVS;
        private LvsScheduler lvsScheduler = LvsScheduler.wlc;
        private int persistenceTimeout = 1800;
        private String runDir = "/run/vipkeeper";
        private String notifyScript;
        private FailoverProfile failoverProfile = FailoverProfile.DEFAULT;
        private VrrpRealtime realtime = VrrpRealtime.DEFAULT;
        private boolean conntrackSync = true;
        private InterfaceName syncInterface;
        private boolean advertiseVips;
        private boolean handoverOnCordon;
        private boolean lvsSyncDaemon;
        private Announce announce = Announce.VRRP;

        private Builder(InterfaceName iface) {
            this.iface = iface;
        }

        public Builder trackInterfaces(List<InterfaceName> v) { trackInterfaces = v; return this; }
        public Builder useUnicast(boolean v) { useUnicast = v; return this; }
        public Builder vrid(int v) { vrid = v; return this; }
        public Builder vridRange(VridRange v) { vridRange = v; return this; }
        public Builder instanceMode(InstanceMode v) { instanceMode = v; return this; }
        public Builder advertInterval(AdvertInterval v) { advertInterval = v; return this; }
        public Builder vrrpVersion(int v) { vrrpVersion = v; return this; }
        public Builder dataplane(Dataplane v) { dataplane = v; return this; }
        public Builder lvsScheduler(LvsScheduler v) { lvsScheduler = v; return this; }
        public Builder persistenceTimeout(int v) { persistenceTimeout = v; return this; }
        public Builder runDir(String v) { runDir = v; return this; }
        public Builder notifyScript(String v) { notifyScript = v; return this; }
        public Builder failoverProfile(FailoverProfile v) { failoverProfile = v; return this; }
        public Builder realtime(VrrpRealtime v) { realtime = v; return this; }
        public Builder conntrackSync(boolean v) { conntrackSync = v; return this; }
        public Builder syncInterface(InterfaceName v) { syncInterface = v; return this; }
        public Builder advertiseVips(boolean v) { advertiseVips = v; return this; }
        public Builder handoverOnCordon(boolean v) { handoverOnCordon = v; return this; }
        public Builder lvsSyncDaemon(boolean v) { lvsSyncDaemon = v; return this; }
        public Builder announce(Announce v) { announce = v; return this; }

        public AgentSettings build() {
            if (vrrpVersion == 2 && failoverProfile == FailoverProfile.FAST) {
                throw new InvalidInputException("--failover-profile fast needs --vrrp-version 3 (VRRP version 2 counts whole seconds)");
            }
            AdvertInterval advert = advertInterval != null ? advertInterval
                    : vrrpVersion == 2 ? AdvertInterval.DEFAULT_V2 : failoverProfile.advertInterval();
            return new AgentSettings(iface, trackInterfaces, useUnicast, vrid, vridRange, instanceMode, advert,
                    vrrpVersion, dataplane, lvsScheduler, persistenceTimeout, runDir, notifyScript, failoverProfile, realtime,
                    conntrackSync, syncInterface, advertiseVips, handoverOnCordon, lvsSyncDaemon, announce);
        }
    }
}
