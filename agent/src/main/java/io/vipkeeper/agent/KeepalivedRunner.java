package io.vipkeeper.agent;

import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived as the agent's child: started with its own pid files under the run dir (so several agents can run
 * on one machine), restarted with backoff when it dies, and given a new configuration only after
 * {@code keepalived -t} accepts it: write a temp file, check it, rename it into place, SIGHUP. A configuration that
 * fails the check is never applied; the last good one keeps running.
 */
final class KeepalivedRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeepalivedRunner.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PID_WAIT = Duration.ofSeconds(10);

    /** What one apply did. */
    enum Outcome { UNCHANGED, STARTED, RELOADED, REJECTED }

    record Applied(Outcome outcome, String error) {
    }

    private final HostCommands host;
    private final String binary;
    private final Path runDir;
    private final boolean vrrpOnly;
    private final boolean releaseVips;
    private final Path config;
    private final Path pidFile;
    private Supervisor supervisor;
    private byte[] running;

    KeepalivedRunner(HostCommands host, String binary, Path runDir, boolean vrrpOnly, boolean releaseVips) {
        this.host = host;
        this.binary = binary;
        this.runDir = runDir;
        this.vrrpOnly = vrrpOnly;
        this.releaseVips = releaseVips;
        this.config = runDir.resolve("keepalived.conf");
        this.pidFile = runDir.resolve("keepalived.pid");
    }

    Path configPath() {
        return config;
    }

    synchronized Applied apply(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (running != null && Arrays.equals(bytes, running)) {
            return new Applied(Outcome.UNCHANGED, null);
        }
        Path tmp = runDir.resolve("keepalived.conf.new");
        Files.write(tmp, bytes);
        Exec.Result check = host.run(CHECK_TIMEOUT, binary, "-t", "-f", tmp.toString());
        if (!check.ok()) {
            Files.deleteIfExists(tmp);
            String error = check.message().lines().filter(l -> !l.isBlank()).reduce((a, b) -> a + "; " + b).orElse("exit " + check.exit());
            return new Applied(Outcome.REJECTED, error.length() > 1000 ? error.substring(0, 1000) + "..." : error);
        }
        Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        running = bytes;
        if (supervisor == null) {
            supervisor = new Supervisor("keepalived", host.command(command()), this::killLeftovers);
            supervisor.start();
            return new Applied(Outcome.STARTED, null);
        }
        reload();
        return new Applied(Outcome.RELOADED, null);
    }

    private List<String> command() {
        List<String> c = new ArrayList<>(List.of(binary, "-f", config.toString(),
                "-p", pidFile.toString(), "-r", runDir.resolve("vrrp.pid").toString(), "-c", runDir.resolve("checkers.pid").toString(),
                "--dont-fork", "--log-console", "--log-detail"));
        if (vrrpOnly) {
            c.add("--vrrp"); // no IPVS checker process: the kernel may have no IPVS at all
        }
        if (releaseVips) {
            c.add("--release-vips");
        }
        return c;
    }

    /** SIGHUP, but only once keepalived has written its pid file: earlier, the signal kills it (aledbf #74). */
    private void reload() {
        long deadline = System.nanoTime() + PID_WAIT.toNanos();
        Long pid = null;
        while (System.nanoTime() < deadline && (pid = readPid()) == null) {
            sleep(20);
        }
        if (pid == null) {
            // keepalived is (re)starting; it reads the file we just moved into place when it comes up
            LOG.info("keepalived has no pid file yet; it will read the new configuration when it starts");
            return;
        }
        Exec.Result r = Exec.run(List.of("kill", "-HUP", Long.toString(pid)), Duration.ofSeconds(5));
        if (!r.ok()) {
            LOG.info("keepalived pid {} is gone ({}); it reads the new configuration when it restarts", pid, r.message());
        }
    }

    private Long readPid() {
        try {
            String s = Files.readString(pidFile).strip();
            long pid = Long.parseLong(s);
            Process p = supervisor == null ? null : supervisor.process();
            // the pid file of a previous run may linger: trust it only for our running child
            // ("ip netns exec" execs keepalived, so the child's pid is keepalived's)
            return p != null && p.isAlive() && p.pid() == pid ? pid : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * A keepalived killed with SIGKILL leaves its VRRP and checker children running for a moment, and a new
     * keepalived that finds their pid files exits at once ("daemon is already running"): stop them first.
     */
    private void killLeftovers() {
        for (String f : List.of("vrrp.pid", "checkers.pid", "keepalived.pid")) {
            Path file = runDir.resolve(f);
            try {
                long pid = Long.parseLong(Files.readString(file).strip());
                ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("keepalived")).orElse(false))
                        .ifPresent(h -> {
                            h.destroyForcibly();
                            try {
                                h.onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (Exception e) {
                                LOG.warn("leftover keepalived process {} did not exit", pid);
                            }
                        });
                Files.deleteIfExists(file);
            } catch (IOException | NumberFormatException e) {
                // no such file, or garbage in it: nothing to stop
            }
        }
    }

    boolean alive() {
        return supervisor != null && supervisor.alive();
    }

    int restarts() {
        return supervisor == null ? 0 : supervisor.restarts();
    }

    /** The running child (for tests that kill it). */
    Process process() {
        return supervisor == null ? null : supervisor.process();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (supervisor != null) {
            supervisor.stop(Duration.ofSeconds(5));
            supervisor = null;
        }
        running = null;
    }
}
