package io.vipkeeper.controller;

import io.vipkeeper.core.decide.OutsidePoolsCondition;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Service status writes whose watch echo has not reached the informer yet. A Service queued again by an older
 * event (its creation, a rebuild) can be decided on the informer's copy from before the controller's own status write;
 * that copy says nothing is written, and the same status went out twice (seen in CI under load: 102 writes for 100
 * Services). A write is remembered with the resourceVersion of the copy it was decided on; while the informer still
 * holds that version, the same write is not made again. Thread-safe: the batch's writes run in parallel.
 */
final class StatusEchoes {

    private record Written(String decidedOn, List<IpAddress> ips, OutsidePoolsCondition outside) {
    }

    private final Map<String, Written> pending = new ConcurrentHashMap<>();

    /** Records a status written for Service {@code key}, decided on its copy at {@code resourceVersion}. */
    void wrote(String key, String resourceVersion, List<IpAddress> ips, OutsidePoolsCondition outside) {
        if (resourceVersion != null) {
            pending.put(key, new Written(resourceVersion, List.copyOf(ips), outside));
        }
    }

    /**
     * Whether this exact status was written from the copy at {@code resourceVersion}, which the informer still holds:
     * the server has it already. A copy at any other version (the echo, or someone else's change) ends the record.
     */
    boolean alreadyWritten(String key, String resourceVersion, List<IpAddress> ips, OutsidePoolsCondition outside) {
        Written w = pending.get(key);
        if (w == null) {
            return false;
        }
        if (!w.decidedOn().equals(resourceVersion)) {
            pending.remove(key, w);
            return false;
        }
        return w.ips().equals(ips) && w.outside().equals(outside);
    }

    /** The Service is gone. */
    void forget(String key) {
        pending.remove(key);
    }

    int size() {
        return pending.size();
    }
}
