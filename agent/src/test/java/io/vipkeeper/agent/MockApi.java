package io.vipkeeper.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;

/** fabric8's in-memory API server (CRUD mode) on 127.0.0.1 and a client of it, for tests of the agent's API writers. */
final class MockApi implements AutoCloseable {

    private final KubernetesMockServer server;
    final KubernetesClient client;

    MockApi() throws UnknownHostException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
    }

    @Override
    public void close() {
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // the mock web server sometimes waits out its shutdown
        }
    }
}
