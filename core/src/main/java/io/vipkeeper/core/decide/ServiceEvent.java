package io.vipkeeper.core.decide;

import io.vipkeeper.core.alloc.Allocation;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.util.List;
import java.util.stream.Collectors;

/** A Kubernetes Event the controller emits on a Service: typed, so tests and metrics need not parse words. */
public sealed interface ServiceEvent {

    ServiceRef service();

    /** The Event's reason (CamelCase, part of the interface: users filter on it). */
    String reason();

    String message();

    boolean warning();

    /** Addresses written to the status. */
    record IpAllocated(ServiceRef service, Allocation allocation) implements ServiceEvent {
        public String reason() {
            return "IPAllocated";
        }

        public String message() {
            String pool = allocation.primaryPool();
            return "Assigned " + allocation.ips().stream().map(Object::toString).collect(Collectors.joining(", "))
                    + (pool == null ? " (requested, outside every pool)" : " from pool " + pool);
        }

        public boolean warning() {
            return false;
        }
    }

    record AllocationFailed(ServiceRef service, AllocationResult.Reason why, String detail) implements ServiceEvent {
        public String reason() {
            return "AllocationFailed";
        }

        public String message() {
            return why.text() + ": " + detail;
        }

        public boolean warning() {
            return true;
        }
    }

    record IpReleased(ServiceRef service, List<IpAddress> had, String why) implements ServiceEvent {
        public String reason() {
            return "IPReleased";
        }

        public String message() {
            return "Released " + had + ": " + why;
        }

        public boolean warning() {
            return false;
        }
    }

    record AddressOutsidePools(ServiceRef service, IpAddress address) implements ServiceEvent {
        public String reason() {
            return "AddressOutsidePools";
        }

        public String message() {
            return address + " is in no pool any more; the Service keeps it until its spec changes or it is deleted";
        }

        public boolean warning() {
            return true;
        }
    }

    record InvalidForwardMethod(ServiceRef service, String problem, ForwardMethod using) implements ServiceEvent {
        public String reason() {
            return "InvalidForwardMethod";
        }

        public String message() {
            return "annotation k8s.co/keepalived-forward-method: " + problem + "; using " + using;
        }

        public boolean warning() {
            return true;
        }
    }

    /** Found at a rebuild: the status names addresses the Service cannot keep. */
    record AddressConflict(ServiceRef service, List<IpAddress> status, String problem) implements ServiceEvent {
        public String reason() {
            return "AddressConflict";
        }

        public String message() {
            return "status names " + status + " but " + problem + "; a new address will be assigned";
        }

        public boolean warning() {
            return true;
        }
    }
}
