package io.vipkeeper.platform;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operations endpoint every component serves: {@code /healthz}, {@code /readyz} and {@code /metrics}
 * on the JDK's own HTTP server. A check returns empty when fine, else the reason (served with 503).
 */
public final class OpsServer implements AutoCloseable {

    private final HttpServer server;

    public OpsServer(String host, int port, PrometheusRegistry registry,
                     Supplier<Optional<String>> health, Supplier<Optional<String>> ready) throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new StartupException("cannot listen on " + host + ":" + port + " for /healthz and /metrics: not an address of this machine", null);
        }
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            throw new StartupException("cannot listen on " + host + ":" + port + " for /healthz and /metrics: " + e.getMessage()
                    + " (choose another port with the command's port flag)", e);
        }
        server.createContext("/healthz", ex -> answer(ex, health.get()));
        server.createContext("/readyz", ex -> answer(ex, ready.get()));
        server.createContext("/metrics", new MetricsHandler(registry));
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, Optional<String> problem) throws IOException {
        byte[] body = (problem.orElse("ok") + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(problem.isPresent() ? 503 : 200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
