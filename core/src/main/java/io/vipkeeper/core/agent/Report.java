package io.vipkeeper.core.agent;

/**
 * Something in the input the agent did not (fully) serve, for a log line or an Event. {@code subject} names
 * the ConfigMap entry (its key, quoted when it is not an address); {@code message} says what and why.
 */
public record Report(Kind kind, String subject, String message) implements Comparable<Report> {

    public enum Kind {
        /** the ConfigMap entry does not parse: not held, not forwarded */
        ENTRY_REFUSED,
        /** the VIP cannot be held on this cluster (no VRID left, family unusable) */
        NOT_HELD,
        /** the Service named by an entry does not exist: the VIP is held, nothing forwarded for it */
        SERVICE_MISSING,
        /** a Service port has no ready endpoint (yet): the VIP is held, that port forwards nowhere */
        NO_ENDPOINTS,
        /** a port or method the chosen data plane cannot forward: the VIP is held */
        NOT_FORWARDED,
        /** a setting of the Service that this mode cannot honour, with what is done instead */
        POLICY_IGNORED
    }

    @Override
    public int compareTo(Report o) {
        int c = subject.compareTo(o.subject);
        if (c != 0) {
            return c;
        }
        c = kind.compareTo(o.kind);
        return c != 0 ? c : message.compareTo(o.message);
    }

    @Override
    public String toString() {
        return kind + " " + subject + ": " + message;
    }
}
