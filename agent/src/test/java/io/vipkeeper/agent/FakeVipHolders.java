package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The vip-holders writes a {@link VipHolders} makes, kept in memory (in the agent: the Service annotation). */
final class FakeVipHolders implements VipHolders.Writer {

    record Write(ServiceRef service, Map<IpAddress, VipHolders.Holder> held, Set<IpAddress> vips) {
    }

    final List<Write> written = new ArrayList<>();

    @Override
    public synchronized void write(ServiceRef service, Map<IpAddress, VipHolders.Holder> held, Set<IpAddress> vips) {
        written.add(new Write(service, Map.copyOf(held), Set.copyOf(vips)));
    }

    /** Holders that write here at once (no background thread, no gap between passes). */
    VipHolders holders() {
        return new VipHolders(this, Runnable::run, Duration.ZERO, System::nanoTime);
    }

    synchronized Write last() {
        return written.get(written.size() - 1);
    }
}
