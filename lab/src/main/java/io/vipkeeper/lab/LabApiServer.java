package io.vipkeeper.lab;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * An in-memory stand-in for a Kubernetes API server, for trying vipkeeper without a cluster and for tests:
 * {@link LabDispatcher} on an indexed {@link ObjectStore}, served by fabric8's MockWebServer (plain HTTP, no
 * authentication). It runs no controllers, persists nothing and validates only custom resources (against their CRD's
 * schema). Used by {@code vipkeeper lab api} and in-process by tests (port 0 picks a free port).
 */
public final class LabApiServer implements AutoCloseable {

    public static final String CONTEXT = "vipkeeper-lab";

    // MockWebServer logs every request at INFO through java.util.logging; keep the logger referenced so the level sticks
    private static final java.util.logging.Logger MOCK_WEB_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_WEB_SERVER_LOG.setLevel(Level.WARNING);
    }

    private MockWebServer server = new MockWebServer();
    private final Dispatcher dispatcher;
    private InetAddress address;
    private boolean paused;
    private int boundPort;
    private String url;
    private KubernetesClient client;

    public LabApiServer() {
        this(LabDispatcher.HISTORY);
    }

    /** @param history events kept per resource type for watches that resume (tests make it small to see 410 Gone) */
    LabApiServer(int history) {
        LabDispatcher lab = new LabDispatcher(new ObjectStore(history));
        this.dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                // MockWebServer queues every request it receives for tests to take; take them, or they pile up forever
                try {
                    server.takeRequest(0, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return lab.dispatch(request);
            }
        };
    }

    /** Starts listening on host:port (0: any free port), creates the default and kube-system namespaces, returns the URL. */
    public synchronized String start(String host, int port) {
        if (url != null) {
            throw new IllegalStateException("already started at " + url);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
        server.setDispatcher(dispatcher);
        server.setHttp2ClearTextEnabled(false);
        try {
            server.start(address, port);
        } catch (RuntimeException e) {
            server.shutdown(); // else its Vert.x threads keep the JVM alive
            // the mock says only "Unable to start MockWebServer"; the cause says why (e.g. address already in use)
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException(cause == e ? e.getMessage() : e.getMessage() + ": " + cause.getMessage(), e);
        }
        this.address = address;
        this.boundPort = server.getPort();
        String h = address.getHostAddress();
        url = "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + server.getPort();
        for (String ns : new String[] {"default", "kube-system"}) {
            client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata()
                    .withNewStatus().withPhase("Active").endStatus().build()).create();
        }
        return url;
    }

    public synchronized String url() {
        if (url == null) {
            throw new IllegalStateException("not started");
        }
        return url;
    }

    public int port() {
        return boundPort;
    }

    /**
     * Stops listening but keeps every object (the lab's "API server down" case): clients see connection refused
     * until {@link #resume()} listens again on the same address and port with the same objects.
     */
    public synchronized void pause() {
        if (url == null || paused) {
            return;
        }
        server.shutdown();
        paused = true;
    }

    public synchronized void resume() {
        if (url == null || !paused) {
            return;
        }
        server = new MockWebServer();
        server.setDispatcher(dispatcher);
        server.setHttp2ClearTextEnabled(false);
        server.start(address, boundPort);
        paused = false;
    }

    /** Writes a kubeconfig (cluster, user and context all named {@value #CONTEXT}, namespace default, no auth). */
    public Path writeKubeconfig(Path file) {
        String text = """
                # vipkeeper lab api: an in-memory stand-in for a Kubernetes API server (nothing is persisted)
                apiVersion: v1
                kind: Config
                clusters:
                - name: %1$s
                  cluster:
                    server: %2$s
                users:
                - name: %1$s
                  user: {}
                contexts:
                - name: %1$s
                  context:
                    cluster: %1$s
                    user: %1$s
                    namespace: default
                current-context: %1$s
                """.formatted(CONTEXT, url());
        try {
            Path absolute = file.toAbsolutePath();
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
            Path tmp = Files.createTempFile(absolute.getParent(), ".kubeconfig", ".tmp");
            Files.writeString(tmp, text);
            return Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }

    /** A fabric8 client for this server (namespace default), closed with the server. */
    public synchronized KubernetesClient client() {
        if (client == null) {
            Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withNamespace("default").build();
            client = new KubernetesClientBuilder().withConfig(config).build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (url != null) {
            if (!paused) {
                server.shutdown();
            }
            url = null;
        }
    }
}
