package io.vipkeeper.core.dns;

import io.vipkeeper.core.net.IpAddress;
import java.util.Optional;

/** What one record points at: an address (A or AAAA) or another name (CNAME). */
public sealed interface Target extends Comparable<Target> permits Target.Address, Target.Alias {

    /** The text CoreDNS reads from the {@code host} field: an IP for A/AAAA, a name for CNAME. */
    String host();

    record Address(IpAddress ip) implements Target {
        @Override
        public String host() {
            return ip.toString();
        }
    }

    record Alias(DnsName name) implements Target {
        @Override
        public String host() {
            return name.toString();
        }
    }

    /** Reads a {@code host} value: an IP address (strictly, never resolved) or a DNS name; empty otherwise. */
    static Optional<Target> parseHost(String host) {
        IpAddress ip = IpAddress.tryParse(host);
        if (ip != null) {
            return Optional.of(new Address(ip));
        }
        return DnsName.tryParse(host).filter(n -> !n.isRoot()).map(Alias::new);
    }

    @Override
    default int compareTo(Target o) {
        if (this instanceof Address a && o instanceof Address b) {
            return a.ip().compareTo(b.ip());
        }
        if (this instanceof Alias a && o instanceof Alias b) {
            return a.name().toString().compareTo(b.name().toString());
        }
        return this instanceof Address ? -1 : 1;
    }
}
