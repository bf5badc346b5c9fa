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
 * which is how the lab tells which node carried a request. With {@code --echo-port} it also echoes lines on a second
 * port, for the long-lived connections of {@code lab failover --connections}.
 */
@Command(name = "backend", hidden = true, mixinStandardHelpOptions = true, description = "A demo HTTP backend that answers with its pod name (started by the lab).")
public final class LabBackendCommand implements Callable<Integer> {

    @Option(names = "--name", required = true, description = "Pod name to answer with.")
    String name;

    @Option(names = "--port", defaultValue = "8080", converter = Flags.ListenPort.class, description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--echo-port", defaultValue = "0", converter = EchoPort.class,
            description = "Also echo every line back on this TCP port, for long-lived connections (0: none; default: ${DEFAULT-VALUE}).")
    int echoPort;

    static final class EchoPort extends Flags.IntRange {
        EchoPort() {
            super(0, 65535, "a port (0: none)");
        }
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (echoPort > 0) {
            LabEcho.start(echoPort);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 64);
        } catch (BindException e) {
            // the environment, not the flag: one line and exit 1, as every command with a port in use
            throw new StartupException("cannot listen on port " + port + ": " + e.getMessage() + " (choose another with --port)", e);
        }
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
        System.out.println("backend " + name + " listening on port " + port);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
