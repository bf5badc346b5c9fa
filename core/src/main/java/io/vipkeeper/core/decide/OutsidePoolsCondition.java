package io.vipkeeper.core.decide;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * The condition in a Service's status.conditions that says it holds an address outside every pool (a pool edit left it
 * there; it keeps the address until it changes). Written only to Services that have held such an address: True while
 * they do, then False (kept, so its lastTransitionTime tells when it was cleared).
 *
 * @param outside the addresses held outside every pool; empty: the condition is False
 */
public record OutsidePoolsCondition(List<IpAddress> outside) {

    /** A qualified name, so it cannot clash with another controller's condition types. */
    public static final String TYPE = "vipkeeper.io/AddressOutsidePools";

    public OutsidePoolsCondition {
        outside = List.copyOf(outside);
    }

    public boolean isTrue() {
        return !outside.isEmpty();
    }

    public String status() {
        return isTrue() ? "True" : "False";
    }

    public String reason() {
        return isTrue() ? "AddressOutsidePools" : "AddressesInPools";
    }

    public String message() {
        if (!isTrue()) {
            return "the Service holds no address outside the pools";
        }
        String what = outside.size() == 1 ? outside.get(0) + " is" : outside + " are";
        return what + " in no pool any more (a pool was deleted or edited); the Service keeps "
                + (outside.size() == 1 ? "it" : "them") + " until its spec or vipkeeper annotations change or it is deleted";
    }
}
