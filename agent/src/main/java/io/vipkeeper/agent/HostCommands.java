package io.vipkeeper.agent;

import io.vipkeeper.platform.process.Exec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the host tools the agent drives (keepalived, nft, ip). In production they run as they are; the tests and
 * the lab give a prefix ({@code ip netns exec NS}) so an agent in the root namespace drives a node namespace.
 */
public record HostCommands(List<String> prefix) {

    public static final HostCommands LOCAL = new HostCommands(List.of());

    public HostCommands {
        prefix = List.copyOf(prefix);
    }

    public static HostCommands inNetns(String namespace) {
        return new HostCommands(List.of("ip", "netns", "exec", namespace));
    }

    public List<String> command(String... args) {
        List<String> out = new ArrayList<>(prefix);
        out.addAll(List.of(args));
        return out;
    }

    public List<String> command(List<String> args) {
        List<String> out = new ArrayList<>(prefix);
        out.addAll(args);
        return out;
    }

    public Exec.Result run(Duration timeout, String... args) {
        return Exec.run(command(args), timeout);
    }

    public Exec.Result run(String stdin, Duration timeout, String... args) {
        return Exec.run(command(args), stdin, timeout);
    }
}
