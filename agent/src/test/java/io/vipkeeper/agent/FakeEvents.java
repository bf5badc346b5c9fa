package io.vipkeeper.agent;

import java.util.ArrayList;
import java.util.List;

/** The Warning events a {@link Reconciler} writes on the VIP ConfigMap, kept in memory. */
final class FakeEvents implements Reconciler.Events {

    record Event(String reason, String message) {
    }

    final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void warning(String reason, String message) {
        events.add(new Event(reason, message));
    }

    synchronized List<Event> withReason(String reason) {
        return events.stream().filter(e -> e.reason().equals(reason)).toList();
    }
}
