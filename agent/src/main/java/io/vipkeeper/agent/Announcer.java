package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Records on each Service behind a VIP that this node holds it (the annotation {@code vipkeeper.io/announcing-node}
 * and a {@code VIPAnnounced} Event): once per (Service, VIP) while this node is MASTER for it, again after it lost
 * and regained it. Writes run on {@code executor} (one background thread in the agent), so API round trips never
 * hold up a sync or a VRRP event.
 */
final class Announcer {

    /** A Service behind a VIP this node holds. */
    record Announcement(ServiceRef service, IpAddress vip) {
    }

    /** Writes one announcement to the API (annotation and Event); failures are logged, not thrown. */
    interface Writer {
        void write(Announcement a);
    }

    private final Writer writer;
    private final Executor executor;
    /** Announcements made or queued (cleared when this node stops holding the VIP). */
    private final Set<Announcement> announced = ConcurrentHashMap.newKeySet();

    Announcer(Writer writer, Executor executor) {
        this.writer = writer;
        this.executor = executor;
    }

    /** This node holds {@code vips} (VRRP MASTER): announces every Service the table puts behind them, once. */
    void held(Collection<IpAddress> vips, VipTable table) {
        for (IpAddress vip : vips) {
            VipEntry e = table.entries().get(vip);
            if (e == null) {
                continue;
            }
            for (VipTarget t : e.targets()) {
                Announcement a = new Announcement(t.service(), vip);
                if (announced.add(a)) {
                    executor.execute(() -> {
                        if (announced.contains(a)) { // not released since it was queued
                            writer.write(a);
                        }
                    });
                }
            }
        }
    }

    /** This node no longer holds {@code vips} (BACKUP, FAULT, stopped): the next MASTER announces again. */
    void released(Collection<IpAddress> vips) {
        Set<IpAddress> gone = Set.copyOf(vips);
        announced.removeIf(a -> gone.contains(a.vip()));
    }
}
