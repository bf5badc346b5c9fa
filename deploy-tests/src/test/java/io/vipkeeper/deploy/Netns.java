package io.vipkeeper.deploy;

import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A throwaway network namespace with eth0 (a veth whose peer stays inside, so it has carrier); deleted on close. */
final class Netns implements AutoCloseable {

    record Result(int code, String output) {
    }

    final String name = "vkd-" + Integer.toHexString(new Random().nextInt(0x1000000));

    static boolean usable() {
        return "root".equals(System.getProperty("user.name"))
                && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")))
                && Files.isExecutable(Path.of("/usr/sbin/keepalived")) && Files.isExecutable(Path.of("/usr/sbin/nft"))
                && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    Netns(String eth0Address) throws IOException {
        check(run(List.of("ip", "netns", "add", name)));
        check(run(List.of("ip", "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p")));
        check(run(List.of("ip", "-n", name, "link", "set", "eth0", "up")));
        check(run(List.of("ip", "-n", name, "link", "set", "eth0p", "up")));
        check(run(List.of("ip", "-n", name, "link", "set", "lo", "up")));
        check(run(List.of("ip", "-n", name, "addr", "add", eth0Address, "dev", "eth0")));
    }

    List<String> addresses() {
        try {
            return run(List.of("ip", "-n", name, "-o", "addr", "show", "dev", "eth0")).output().lines()
                    .map(l -> l.trim().split("\\s+")[3].split("/")[0]).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Runs a command (60 s at most); stdout and stderr together, as a person at a terminal sees them. */
    static Result run(List<String> cmd) throws IOException {
        Exec.Result r = Exec.run(cmd, Duration.ofSeconds(60));
        return new Result(r.exit(), r.stdout() + r.stderr());
    }

    private static void check(Result r) throws IOException {
        if (r.code() != 0) {
            throw new IOException("netns setup failed: " + r.output());
        }
    }

    @Override
    public void close() throws IOException {
        run(new ArrayList<>(List.of("ip", "netns", "del", name)));
    }
}
