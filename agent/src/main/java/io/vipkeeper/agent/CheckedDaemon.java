package io.vipkeeper.agent;

import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.render.HaproxyConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.platform.AtomicFile;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import io.vipkeeper.platform.process.Supervisor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon that reads one configuration file (keepalived, haproxy), run as the agent's child: started with its own
 * pid file under the run dir (so several agents can run on one machine), restarted with backoff when it dies, and
 * given a new configuration only after the daemon's own check accepts it: write a temp file, check it, rename it
 * into place, signal a reload. A configuration that fails the check is never applied; the last good one keeps
 * running.
 */
final class CheckedDaemon implements Applier {

    private static final Logger LOG = LoggerFactory.getLogger(CheckedDaemon.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PID_WAIT = Duration.ofSeconds(10);

    /**
     * @param check        the check command for a candidate file
     * @param run          the command that runs the daemon in the foreground on {@code config}
     * @param reloadSignal the signal that makes it re-read its configuration
     * @param pidFile      written by the daemon once its signal handlers are installed
     * @param leftovers    pid files of processes a killed daemon may leave behind (cleared before each start)
     * @param render       the daemon's configuration for a plan
     */
    record Spec(Kind kind, String name, Function<AgentPlan, String> render, Path config, Function<Path, List<String>> check, List<String> run, String reloadSignal,
                Path pidFile, List<Path> leftovers) {
    }

    private final HostCommands host;
    private final Spec spec;
    private Supervisor supervisor;
    /** The digest of the configuration the daemon runs (not the text: it can be MB). */
    private Digest running;

    CheckedDaemon(HostCommands host, Spec spec) {
        this.host = host;
        this.spec = spec;
    }

    /** keepalived with its pid files under {@code runDir}; {@code vrrpOnly} when no IPVS is used. */
    static CheckedDaemon keepalived(HostCommands host, String binary, Path runDir, boolean vrrpOnly, boolean releaseVips) {
        Path config = runDir.resolve("keepalived.conf");
        Path pid = runDir.resolve("keepalived.pid");
        List<String> run = new ArrayList<>(List.of(binary, "-f", config.toString(),
                "-p", pid.toString(), "-r", runDir.resolve("vrrp.pid").toString(), "-c", runDir.resolve("checkers.pid").toString(),
                "--dont-fork", "--log-console", "--log-detail"));
        if (vrrpOnly) {
            run.add("--vrrp"); // no IPVS checker process: the kernel may have no IPVS at all
        }
        if (releaseVips) {
            run.add("--release-vips");
        }
        return new CheckedDaemon(host, new Spec(Kind.KEEPALIVED, "keepalived", KeepalivedConfig::render, config, f -> List.of(binary, "-t", "-f", f.toString()), run, "HUP", pid,
                List.of(runDir.resolve("vrrp.pid"), runDir.resolve("checkers.pid"), pid)));
    }

    /** haproxy in master-worker mode: SIGUSR2 to the master reloads it without dropping connections. */
    static CheckedDaemon haproxy(HostCommands host, String binary, Path runDir) {
        Path config = runDir.resolve("haproxy.cfg");
        Path pid = runDir.resolve("haproxy.pid");
        return new CheckedDaemon(host, new Spec(Kind.HAPROXY, "haproxy", HaproxyConfig::render, config, f -> List.of(binary, "-c", "-q", "-f", f.toString()),
                List.of(binary, "-W", "-db", "-f", config.toString(), "-p", pid.toString()), "USR2", pid, List.of(pid)));
    }

    @Override
    public Kind kind() {
        return spec.kind();
    }

    @Override
    public ApplyResult apply(AgentPlan plan) throws IOException {
        return apply(spec.render().apply(plan));
    }

    synchronized ApplyResult apply(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Digest digest = Digest.of(bytes);
        if (digest.equals(running)) {
            return ApplyResult.UNCHANGED;
        }
        Path tmp = AtomicFile.staging(spec.config());
        Files.write(tmp, bytes);
        Exec.Result check = host.run(CHECK_TIMEOUT, spec.check().apply(tmp).toArray(String[]::new));
        if (!check.ok()) {
            Files.deleteIfExists(tmp);
            return ApplyResult.rejected(check.oneLine());
        }
        AtomicFile.replace(spec.config(), tmp);
        running = digest;
        if (supervisor == null) {
            supervisor = new Supervisor(spec.name(), host.command(spec.run()), this::killLeftovers);
            supervisor.start();
            return ApplyResult.STARTED;
        }
        reload();
        return ApplyResult.APPLIED;
    }

    /** Signals a reload, but only once the daemon has written its pid file: earlier, the signal kills it (aledbf #74). */
    private void reload() {
        long deadline = System.nanoTime() + PID_WAIT.toNanos();
        Long pid = null;
        while (System.nanoTime() < deadline && (pid = readPid()) == null) {
            Sleep.millis(20);
        }
        if (pid == null) {
            // the daemon is (re)starting; it reads the file just moved into place when it comes up
            LOG.info("{} has no pid file yet; it will read the new configuration when it starts", spec.name());
            return;
        }
        Exec.Result r = Exec.run(List.of("kill", "-" + spec.reloadSignal(), Long.toString(pid)), Duration.ofSeconds(5));
        if (!r.ok()) {
            LOG.info("{} pid {} is gone ({}); it reads the new configuration when it restarts", spec.name(), pid, r.message());
        }
    }

    private Long readPid() {
        try {
            long pid = Long.parseLong(Files.readString(spec.pidFile()).strip());
            Process p = supervisor == null ? null : supervisor.process();
            // the pid file of a previous run may linger: trust it only for our running child
            // ("ip netns exec" execs the daemon, so the child's pid is the daemon's)
            return p != null && p.isAlive() && p.pid() == pid ? pid : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * A daemon killed with SIGKILL may leave its children running for a moment (keepalived's VRRP and checker
     * processes), and a new one that finds their pid files exits at once ("daemon is already running"): stop them.
     */
    private void killLeftovers() {
        for (Path file : spec.leftovers()) {
            try {
                long pid = Long.parseLong(Files.readString(file).strip());
                ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith(spec.name())).orElse(false))
                        .ifPresent(h -> {
                            h.destroyForcibly();
                            try {
                                h.onExit().get(2, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                LOG.warn("leftover {} process {} did not exit", spec.name(), pid);
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

    @Override
    public synchronized void close() {
        if (supervisor != null) {
            supervisor.stop(Duration.ofSeconds(5));
            supervisor = null;
        }
        running = null;
    }
}
