package io.vipkeeper.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's etcd on loopback with its data in a temp dir; stop() and start() again keep ports and data. */
final class EtcdProcess implements AutoCloseable {

    static final String ETCD = "/usr/bin/etcd";

    private final Path dir;
    final int clientPort;
    final int peerPort;
    private Process process;
    /** For TLS: extra etcd flags, "https", and the etcdctl flags to reach it. */
    private final List<String> extraArgs;
    private final String scheme;
    final List<String> ctlArgs;

    EtcdProcess(Path dir) throws IOException {
        this(dir, List.of(), "http", List.of());
    }

    EtcdProcess(Path dir, List<String> extraArgs, String scheme, List<String> ctlArgs) throws IOException {
        this.dir = dir;
        this.clientPort = freePort();
        this.peerPort = freePort();
        this.extraArgs = extraArgs;
        this.scheme = scheme;
        this.ctlArgs = ctlArgs;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    String endpoint() {
        return scheme + "://127.0.0.1:" + clientPort;
    }

    EtcdProcess start() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> cmd = new java.util.ArrayList<>(List.of(ETCD, "--name", "t", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "t=" + peer,
                "--listen-metrics-urls", "http://127.0.0.1:" + freePort()));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile())).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IOException("etcd exited: see " + dir.resolve("etcd.log") + "\n" + Files.readString(dir.resolve("etcd.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
                Process health = new ProcessBuilder(ctl("endpoint", "health")).redirectErrorStream(true).start();
                if (health.waitFor(3, TimeUnit.SECONDS) && health.exitValue() == 0) {
                    return this;
                }
                health.destroyForcibly();
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("etcd did not become healthy in 20 s");
    }

    /** An etcdctl command line for this etcd. */
    List<String> ctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("etcdctl", "--endpoints", endpoint(), "--command-timeout=2s"));
        cmd.addAll(ctlArgs);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs etcdctl; fails the caller when it does not exit 0 within 10 s. */
    String run(String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ctl(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("etcdctl " + String.join(" ", args) + ": " + out);
        }
        return out;
    }

    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
