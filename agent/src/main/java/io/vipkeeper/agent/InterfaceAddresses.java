package io.vipkeeper.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The addresses on one interface, read with {@code ip -j addr} and removed with {@code ip addr del}. */
final class InterfaceAddresses {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostCommands host;
    private final InterfaceName iface;

    InterfaceAddresses(HostCommands host, InterfaceName iface) {
        this.host = host;
        this.iface = iface;
    }

    /** The addresses now on the interface; empty when it cannot be read (the reason is returned as an error). */
    Optional<List<IpAddress>> list() {
        Exec.Result r = host.run(TIMEOUT, "ip", "-j", "addr", "show", "dev", iface.toString());
        if (!r.ok()) {
            return Optional.empty();
        }
        List<IpAddress> out = new ArrayList<>();
        try {
            for (JsonNode link : JSON.readTree(r.stdout())) {
                for (JsonNode info : link.path("addr_info")) {
                    IpAddress a = IpAddress.tryParse(info.path("local").asText(""));
                    if (a != null) {
                        out.add(a);
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    /**
     * The IPv4 subnets of the interface's addresses ({@code 192.0.2.11/24} → {@code 192.0.2.0/24}); empty when it
     * cannot be read.
     */
    List<Cidr> subnets() {
        Exec.Result r = host.run(TIMEOUT, "ip", "-j", "-4", "addr", "show", "dev", iface.toString());
        List<Cidr> out = new ArrayList<>();
        if (!r.ok()) {
            return out;
        }
        try {
            for (JsonNode link : JSON.readTree(r.stdout())) {
                for (JsonNode info : link.path("addr_info")) {
                    IpAddress a = IpAddress.tryParse(info.path("local").asText(""));
                    int prefix = info.path("prefixlen").asInt(-1);
                    if (a != null && a.isIpv4() && prefix >= 0 && prefix <= 32) {
                        out.add(new Cidr(a.mask(prefix), prefix));
                    }
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }

    /** Removes an address keepalived added (as /32 or /128); false when it could not. */
    boolean remove(IpAddress a) {
        String prefix = a.isIpv4() ? "/32" : "/128";
        return host.run(TIMEOUT, "ip", "addr", "del", a + prefix, "dev", iface.toString()).ok();
    }
}
