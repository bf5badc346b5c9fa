package io.vipkeeper.agent;

import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Runs the real tools on rendered files: keepalived -t and nft -c inside a network namespace the test creates
 * (with eth0 and eth1, so interface checks pass) and deletes again; haproxy -c needs no namespace.
 */
final class NetnsTools implements AutoCloseable {

    record Result(int code, String output) {
    }

    final String ns = "vkt-" + Integer.toHexString(new Random().nextInt(0x1000000));

    NetnsTools() throws IOException {
        check(run(List.of("ip", "netns", "add", ns)));
        for (String ifname : List.of("eth0", "eth1")) {
            // dummy links need the dummy module; a veth pair gives the same named interface without it
            if (run(List.of("ip", "-n", ns, "link", "add", ifname, "type", "dummy")).code() != 0) {
                check(run(List.of("ip", "-n", ns, "link", "add", ifname, "type", "veth", "peer", "name", ifname + "p")));
            }
            check(run(List.of("ip", "-n", ns, "link", "set", ifname, "up")));
        }
    }

    Result inNs(String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return run(full);
    }

    /** Output of a command in the namespace, or "" when it could not run (for polling). */
    String inNsQuiet(String... cmd) {
        try {
            return inNs(cmd).output();
        } catch (IOException e) {
            return "";
        }
    }

    /** Runs a command (60 s at most); stdout and stderr together, as a person at a terminal sees them. */
    static Result run(List<String> cmd) throws IOException {
        Exec.Result r = Exec.run(cmd, Duration.ofSeconds(60));
        return new Result(r.exit(), r.stdout() + r.stderr());
    }

    private static void check(Result r) throws IOException {
        if (r.code() != 0) {
            throw new IOException("setup failed: " + r.output());
        }
    }

    @Override
    public void close() throws IOException {
        run(List.of("ip", "netns", "del", ns));
    }
}
