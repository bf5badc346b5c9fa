package io.vipkeeper.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

/** fabric8's in-memory API server (CRUD mode) on 127.0.0.1 and a client of it, for tests of the agent's API writers. */
final class MockApi implements AutoCloseable {

    private final KubernetesMockServer server;
    final KubernetesClient client;

    MockApi() throws UnknownHostException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new ConflictingCrudDispatcher(), false);
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

    /** The API server's answer to a JSON Patch whose test op fails (the mock alone never answers: the client times out). */
    private static final class ConflictingCrudDispatcher extends KubernetesCrudDispatcher {
        @Override
        public MockResponse handlePatch(RecordedRequest request) {
            try {
                return super.handlePatch(request);
            } catch (JsonPatchException e) {
                return new MockResponse().setResponseCode(422).setBody(("{\"kind\":\"Status\",\"code\":422,\"message\":\""
                        + "the test operation failed\"}").getBytes(StandardCharsets.UTF_8));
            }
        }
    }
}
