package io.vipkeeper.agent;

import io.vipkeeper.testsupport.Netns;
import java.io.IOException;
import java.util.List;

/**
 * Runs the real tools on rendered files: keepalived -t and nft -c inside a network namespace the test creates
 * (with eth0 and eth1, so interface checks pass) and deletes again; haproxy -c needs no namespace.
 */
final class NetnsTools implements AutoCloseable {

    record Result(int code, String output) {
    }

    private final Netns netns;
    final String ns;

    NetnsTools() throws IOException {
        netns = new Netns("vkt", List.of("eth0", "eth1"));
        ns = netns.name();
    }

    Result inNs(String... cmd) throws IOException {
        return result(netns.exec(List.of(cmd)));
    }

    /** Output of a command in the namespace, or "" when it could not run (for polling). */
    String inNsQuiet(String... cmd) {
        return netns.exec(List.of(cmd)).output();
    }

    /** Runs a command (60 s at most); stdout and stderr together, as a person at a terminal sees them. */
    static Result run(List<String> cmd) throws IOException {
        return result(Netns.run(cmd));
    }

    private static Result result(Netns.Result r) {
        return new Result(r.code(), r.output());
    }

    @Override
    public void close() throws IOException {
        netns.close();
    }
}
