package io.vipkeeper.testsupport;

import io.vipkeeper.platform.process.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A throwaway network namespace a test creates and deletes on close: loopback up, and named links that are each a
 * veth whose peer stays inside (so the link has carrier and no dummy module is needed). Needs root.
 */
public final class Netns implements AutoCloseable {

    /** A command's exit code, and stdout and stderr together, as a person at a terminal sees them. */
    public record Result(int code, String output) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String name;

    /** Creates {@code PREFIX-RANDOM} with the links {@code links} up; on failure deletes what it made and throws. */
    public Netns(String prefix, List<String> links) throws IOException {
        this.name = prefix + "-" + Integer.toHexString(new Random().nextInt(0x1000000));
        check(run(List.of("ip", "netns", "add", name)));
        try {
            check(run(List.of("ip", "-n", name, "link", "set", "lo", "up")));
            for (String link : links) {
                check(run(List.of("ip", "-n", name, "link", "add", link, "type", "veth", "peer", "name", link + "p")));
                check(run(List.of("ip", "-n", name, "link", "set", link, "up")));
                check(run(List.of("ip", "-n", name, "link", "set", link + "p", "up")));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Root and iproute2: what creating a namespace takes. */
    public static boolean usable() {
        return RootRequirement.isRoot() && (Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")));
    }

    public String name() {
        return name;
    }

    /** Adds {@code cidr} (address/prefix) to {@code link}. */
    public void addAddress(String link, String cidr) throws IOException {
        check(run(List.of("ip", "-n", name, "addr", "add", cidr, "dev", link)));
    }

    /** The addresses on {@code link} now (none when it cannot be read). */
    public List<String> addresses(String link) {
        return run(List.of("ip", "-n", name, "-o", "addr", "show", "dev", link)).output().lines()
                .map(l -> l.trim().split("\\s+")).filter(f -> f.length > 3).map(f -> f[3].split("/")[0]).toList();
    }

    /** Runs {@code cmd} inside the namespace (60 s at most). */
    public Result exec(List<String> cmd) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(cmd);
        return run(full);
    }

    /** Runs a command (60 s at most). */
    public static Result run(List<String> cmd) {
        Exec.Result r = Exec.run(cmd, TIMEOUT);
        return new Result(r.exit(), r.stdout() + r.stderr());
    }

    private static void check(Result r) throws IOException {
        if (r.code() != 0) {
            throw new IOException("netns setup failed: " + r.output());
        }
    }

    @Override
    public void close() {
        run(List.of("ip", "netns", "del", name));
    }
}
