package io.vipkeeper.lab;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Callable;
import io.vipkeeper.platform.Flags;
import io.vipkeeper.platform.StartupException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vipkeeper lab backend}: the demo pod. Answers every GET with its pod name and the address the request came
 * from, e.g. {@code hello-2 from 192.0.2.12}: behind the VIP that is the node that forwarded it (the node masquerades),
 * which is how the lab tells which node carried a request. With {@code --echo-port} it also echoes on a second port
 * (TCP and UDP: {@link LabEcho}), for the long-lived connections of {@code lab failover --connections} and UDP flows.
 */
@Command(name = "backend", hidden = true, mixinStandardHelpOptions = true, description = "A demo HTTP backend that answers with its pod name (started by the lab).")
public final class LabBackendCommand implements Callable<Integer> {

    @Option(names = "--name", required = true, description = "Pod name to answer with.")
    String name;

    @Option(names = "--port", defaultValue = "8080", converter = Flags.ListenPort.class, description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--echo-port", defaultValue = "0", converter = EchoPort.class,
            description = "Also echo on this port: TCP, every line back, for long-lived connections; UDP, each datagram back with the pod's name and its source (0: none; default: ${DEFAULT-VALUE}).")
    int echoPort;

    static final class EchoPort extends Flags.IntRange {
        EchoPort() {
            super(0, 65535, "a port (0: none)");
        }
    }

    /**
     * The listen queue: as long as a real server's (nginx 511, Go's listeners somaxconn). The JDK's HttpServer accepts
     * on one thread; when the pod's JVM was starved for a few hundred ms on the 2-core lab, a queue of 64 overflowed
     * and the kernel dropped the SYNs behind it (TcpExtListenDrops 18 in 20 planned handovers at 500 requests/s), each
     * a connect timeout the lab's figures counted as a failed request through the load balancer.
     */
    static final int BACKLOG = 1024;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (echoPort > 0) {
            LabEcho.start(echoPort, name);
        }
        HttpServer server;
        try {
            server = serve(name, new InetSocketAddress(port));
        } catch (BindException e) {
            // the environment, not the flag: one line and exit 1, as every command with a port in use
            throw new StartupException("cannot listen on port " + port + ": " + e.getMessage() + " (choose another with --port)", e);
        }
        System.out.println("backend " + name + " listening on port " + port);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    /** The started HTTP server answering as pod {@code name} on {@code address}. */
    static HttpServer serve(String name, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, BACKLOG);
        server.createContext("/", exchange -> {
            String from = exchange.getRemoteAddress().getAddress().getHostAddress();
            byte[] body = (name + " from " + from + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.getResponseHeaders().set("Connection", "close");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        return server;
    }
}
