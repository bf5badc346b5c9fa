package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import java.util.Objects;

/**
 * keepalived's IPVS connection sync for the ipvs data plane ({@code lvs_sync_daemon} in global_defs, keepalived 2.2):
 * the kernel's IPVS sync daemon multicasts this node's IPVS connection table while {@code instance} is MASTER and
 * receives the MASTER's while it is BACKUP, so a new MASTER already knows which real server each connection went to.
 * The same purpose as conntrackd for nftables ({@link SyncPlan}); rendered and checked with {@code keepalived -t},
 * not run live (no IPVS in the kernels this was built on).
 *
 * <p>Single instance mode only: the daemon follows one instance's state, and per-vip instances have their masters on
 * different nodes. It follows the first instance (the default pool's IPv4 one when there is one); the sync id is that
 * instance's VRID, which already keeps two clusters on one LAN apart.
 *
 * @param iface    the interface the sync messages go out on ({@code --sync-interface}, else {@code --iface})
 * @param instance the VRRP instance whose state decides sending (MASTER) or receiving (BACKUP)
 * @param syncId   the sync id (0-255): the instance's VRID
 */
public record LvsSyncDaemon(InterfaceName iface, String instance, int syncId) {

    public LvsSyncDaemon {
        Objects.requireNonNull(iface, "iface");
        Objects.requireNonNull(instance, "instance");
        if (syncId < 0 || syncId > 255) {
            throw new IllegalArgumentException("sync id " + syncId);
        }
    }

    /**
     * The sync daemon this plan runs, or null for none: the data plane is ipvs, conntrack sync and the IPVS sync are
     * on ({@link AgentSettings#lvsSyncDaemon}), the instances are single mode, and there is one.
     */
    public static LvsSyncDaemon decide(AgentPlan plan) {
        AgentSettings s = plan.settings();
        if (s.dataplane() != Dataplane.IPVS || !s.conntrackSync() || !s.lvsSyncDaemon()
                || s.instanceMode() != InstanceMode.SINGLE || plan.instances().isEmpty()) {
            return null;
        }
        VrrpInstance first = plan.instances().get(0);
        return new LvsSyncDaemon(s.conntrackSyncInterface(), first.name(), first.vrid());
    }
}
