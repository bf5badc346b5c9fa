package io.vipkeeper.core.viptable;

import io.vipkeeper.core.names.ServiceRef;

/** One Service served on a VIP, and how its traffic is forwarded. */
public record VipTarget(ServiceRef service, ForwardMethod method) implements Comparable<VipTarget> {

    @Override
    public int compareTo(VipTarget o) {
        int c = service.compareTo(o.service);
        return c != 0 ? c : method.compareTo(o.method);
    }

    @Override
    public String toString() {
        return service + ":" + method;
    }
}
