package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
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
 * @param advertiseVips      single mode: list the VIPs in the adverts, as kube-keepalived-vip does (needed while
 *                           sharing an instance with its keepalived); false: adverts carry one constant address, so a
 *                           node that reloaded with one VIP more or less still accepts the master's adverts
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
        boolean advertiseVips) {

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
        b.advertiseVips = advertiseVips;
        return b;
    }

    /** Defaults: the seed's (vrid 50, VRRPv3, wlc, persistence 1800, ipvs), advert 0.1 s (1 s with VRRPv2). */
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
        private boolean advertiseVips;

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
        public Builder advertiseVips(boolean v) { advertiseVips = v; return this; }

        public AgentSettings build() {
            AdvertInterval advert = advertInterval != null ? advertInterval
                    : vrrpVersion == 2 ? AdvertInterval.DEFAULT_V2 : AdvertInterval.DEFAULT_V3;
            return new AgentSettings(iface, trackInterfaces, useUnicast, vrid, vridRange, instanceMode, advert,
                    vrrpVersion, dataplane, lvsScheduler, persistenceTimeout, runDir, notifyScript,
                    advertiseVips);
        }
    }
}
