package io.vipkeeper.agent;

import java.util.ArrayList;
import java.util.List;

/** The announcements an {@link Announcer} writes, kept in memory (in the agent: annotation + Event on the Service). */
final class FakeAnnouncements implements Announcer.Writer {

    final List<Announcer.Announcement> written = new ArrayList<>();

    @Override
    public synchronized void write(Announcer.Announcement a) {
        written.add(a);
    }

    /** An announcer that writes here at once (no background thread). */
    Announcer announcer() {
        return new Announcer(this, Runnable::run);
    }
}
