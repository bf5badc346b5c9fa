package io.vipkeeper.lab;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.CpuList;
import io.vipkeeper.lab.lan.Routing;
import io.vipkeeper.platform.Flags;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** The lab's typed flags (picocli converters): refused while parsing, before anything touches the machine. */
final class LabFlags {

    private LabFlags() {
    }

    /** {@code --nodes}. */
    static final class Nodes extends Flags.IntRange {
        Nodes() {
            super(1, AddressPlan.MAX_NODES, "a node count");
        }
    }

    /** {@code --vrrp-instances}: single or per-vip (passed on to every agent). */
    static final class VrrpInstances implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("single") && !value.equals("per-vip")) {
                throw new CommandLine.TypeConversionException("single or per-vip, not " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    /** {@code --failover-profile}: default or fast (passed on to every agent). */
    static final class FailoverProfile implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("default") && !value.equals("fast")) {
                throw new CommandLine.TypeConversionException("default or fast, not " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    /** {@code --announce}: vrrp or bgp (the lab adds a router for bgp). */
    static final class Announce implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("vrrp") && !value.equals("bgp")) {
                throw new CommandLine.TypeConversionException("vrrp or bgp, not " + InvalidInputException.quote(value));
            }
            return value;
        }
    }

    /** {@code lab run --routing}: vrrp, bgp or bgp-no-bfd. */
    static final class RoutingFlag implements CommandLine.ITypeConverter<Routing> {
        @Override
        public Routing convert(String value) {
            for (Routing r : Routing.values()) {
                if (r.text().equals(value)) {
                    return r;
                }
            }
            throw new CommandLine.TypeConversionException("vrrp, bgp or bgp-no-bfd, not " + InvalidInputException.quote(value));
        }
    }

    /** {@code --node-cpus} (and {@code lab run}'s CPU lists): the kernel's list format, e.g. 1 or 2-3 or 0,2. */
    static final class Cpus implements CommandLine.ITypeConverter<CpuList> {
        @Override
        public CpuList convert(String value) {
            try {
                return CpuList.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --announce} and {@code --no-bfd} as the lab's routing. */
    static Routing routing(String announce, boolean noBfd) {
        if (!"bgp".equals(announce)) {
            return Routing.VRRP;
        }
        return noBfd ? Routing.BGP_NO_BFD : Routing.BGP;
    }

    /** The agent flags of {@code --failover-profile}, {@code --no-vrrp-realtime} and {@code --conntrack-sync}. */
    static List<String> agentArgs(String failoverProfile, boolean noRealtime, boolean conntrackSync) {
        List<String> out = new ArrayList<>(List.of("--failover-profile", failoverProfile));
        if (noRealtime) {
            out.add("--vrrp-realtime=false");
        }
        if (conntrackSync) {
            out.add("--conntrack-sync");
        }
        return out;
    }

    /** {@code --subnet} / {@code --prefix}: one of the documentation /24s, written as its first three octets. */
    static final class Subnet implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!AddressPlan.DOCUMENTATION_PREFIXES.contains(value)) {
                throw new CommandLine.TypeConversionException(InvalidInputException.quote(value) + " is not one of the documentation /24s "
                        + String.join(", ", AddressPlan.DOCUMENTATION_PREFIXES) + " (the lab uses no other addresses)");
            }
            return value;
        }
    }

    /** A period in milliseconds, up to ten minutes. */
    static final class Millis extends Flags.IntRange {
        Millis() {
            super(0, 600_000, "milliseconds");
        }
    }
}
