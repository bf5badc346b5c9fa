package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import java.util.Objects;

/**
 * Something in the input the agent did not (fully) serve, for a log line or an Event. {@code subject} names what it
 * is about: a VIP, or a VIP table entry whose key is not one; {@code message} says what and why.
 */
public record Report(Kind kind, Subject subject, String message) implements Comparable<Report> {

    public Report {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(message, "message");
    }

    public Report(Kind kind, IpAddress vip, String message) {
        this(kind, new Subject.Vip(vip), message);
    }

    public enum Kind {
        /** the VIP table entry does not parse, or names an address no Service may hold: not held, not forwarded */
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

    /** What a report is about. Entries (keys that are no VIP) sort before VIPs, VIPs by address. */
    public sealed interface Subject extends Comparable<Subject> {

        /** A VIP, printed as the address. */
        record Vip(IpAddress vip) implements Subject {
            public Vip {
                Objects.requireNonNull(vip, "vip");
            }

            @Override
            public String toString() {
                return vip.toString();
            }
        }

        /** A VIP table key that is not an address, as written (untrusted: printed quoted). */
        record Entry(String key) implements Subject {
            @Override
            public String toString() {
                return InvalidInputException.quote(key);
            }
        }

        @Override
        default int compareTo(Subject o) {
            if (this instanceof Vip a && o instanceof Vip b) {
                return a.vip().compareTo(b.vip());
            }
            if (this instanceof Entry a && o instanceof Entry b) {
                return String.valueOf(a.key()).compareTo(String.valueOf(b.key()));
            }
            return this instanceof Entry ? -1 : 1;
        }
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
