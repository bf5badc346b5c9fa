package io.vipkeeper.core.decide;

import io.vipkeeper.core.alloc.Allocation;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/** What one Service is to hold after a reconcile, and what the writers must do for it. */
public sealed interface ServiceDecision {

    ServiceRef service();

    /** Events to emit now (IPAllocated waits for the status write: see {@link Holds#allocated()}). */
    List<ServiceEvent> events();

    /**
     * The Service holds {@code allocation}. {@code writeStatus}: its status does not say so yet (write the addresses,
     * then emit {@link #allocated()}). The pool annotation is set to the allocation's primary pool either way.
     * {@code before}: the addresses it held before this decision (empty when none). {@code outside}: the condition
     * its status is to carry (its addresses outside every pool); {@code conditionChanged}: its status does not say so
     * yet (True, or False where it said True), so the status is written even when the addresses stay.
     */
    record Holds(ServiceRef service, Allocation allocation, List<IpAddress> before, boolean writeStatus, List<ServiceEvent> events,
                 OutsidePoolsCondition outside, boolean conditionChanged) implements ServiceDecision {
        public Holds {
            before = List.copyOf(before);
            events = List.copyOf(events);
        }

        /** Whether the status must be written: the addresses, or the condition, or both (in one write). */
        public boolean statusWrite() {
            return writeStatus || conditionChanged;
        }

        public ServiceEvent.IpAllocated allocated() {
            return new ServiceEvent.IpAllocated(service, allocation);
        }

        public boolean moved() {
            return !before.isEmpty() && !before.equals(allocation.ips());
        }
    }

    /**
     * The Service gets no (new) address: {@code events} says why. {@code clearStatus}: it lost what it held
     * (an address no Service may hold): its status must be emptied.
     */
    record Refused(ServiceRef service, List<ServiceEvent> events, boolean clearStatus) implements ServiceDecision {
        public Refused {
            events = List.copyOf(events);
        }
    }

    /** It is no longer served and held addresses: released; {@code clearStatus} when its status must be emptied. */
    record Released(ServiceRef service, List<ServiceEvent> events, boolean clearStatus) implements ServiceDecision {
        public Released {
            events = List.copyOf(events);
        }
    }

    /** The Service is gone (or was never served); {@code released}: it held addresses, now free. */
    record Forgotten(ServiceRef service, boolean released) implements ServiceDecision {
        public List<ServiceEvent> events() {
            return List.of();
        }
    }
}
