package io.vipkeeper.deploy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory API server (fabric8 mock, CRUD mode) behind a dispatcher that records every request a component's
 * client makes, as the RBAC authorizer sees it: verb, API group, resource (with subresource), namespace, name and a
 * metadata.name field selector. A component's client marks its requests with a header; the test's own setup
 * requests are not recorded. Optionally the first N PUTs to a /status answer 409 (the mock never does by itself).
 */
final class ApiRecorder implements AutoCloseable {

    static final String HEADER = "X-Vipkeeper-Component";

    /** One request in authorizer terms. */
    record Call(String component, String verb, String group, String resource, String namespace, String name, String fieldName) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (namespace == null ? "" : " in " + namespace)
                    + (name == null ? "" : " name=" + name) + (fieldName == null ? "" : " fieldSelector=metadata.name=" + fieldName);
        }
    }

    final KubernetesMockServer server;
    final Set<Call> calls = ConcurrentHashMap.newKeySet();
    final AtomicInteger statusConflicts = new AtomicInteger();
    private final List<KubernetesClient> clients = new ArrayList<>();

    ApiRecorder() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String component = request.getHeader(HEADER);
                if (component != null) {
                    calls.add(parse(component, request.getMethod(), request.getPath()));
                    if ("PUT".equals(request.getMethod()) && request.getPath().split("\\?")[0].endsWith("/status")
                            && statusConflicts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        return new MockResponse().setResponseCode(409).setBody(
                                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}");
                    }
                }
                return super.dispatch(request);
            }
        }, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
    }

    /** The test's own client: not recorded. */
    KubernetesClient testClient() {
        KubernetesClient c = server.createClient();
        clients.add(c);
        return c;
    }

    /** A client for the component under test: every request it makes is recorded under that component. */
    KubernetesClient clientFor(String component) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(server.createClient().getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("vipkeeper-test-component", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        builder.header(HEADER, component);
                    }
                })).build();
        clients.add(c);
        return c;
    }

    List<Call> calls(String component) {
        return calls.stream().filter(c -> c.component().equals(component)).sorted(java.util.Comparator.comparing(Call::toString)).toList();
    }

    static Call parse(String component, String method, String pathAndQuery) {
        String[] pq = pathAndQuery.split("\\?", 2);
        Map<String, String> query = new HashMap<>();
        if (pq.length > 1) {
            for (String kv : pq[1].split("&")) {
                String[] p = kv.split("=", 2);
                query.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        List<String> seg = new ArrayList<>(Arrays.asList(pq[0].replaceAll("^/+", "").split("/")));
        String group;
        if (seg.get(0).equals("api")) {
            group = "";
            seg = seg.subList(2, seg.size()); // api, v1
        } else if (seg.get(0).equals("apis")) {
            group = seg.get(1);
            seg = seg.subList(3, seg.size()); // apis, group, version
        } else {
            throw new AssertionError("not an API path: " + pathAndQuery);
        }
        String namespace = null;
        if (seg.size() >= 3 && seg.get(0).equals("namespaces")) {
            namespace = seg.get(1);
            seg = seg.subList(2, seg.size());
        }
        String resource = seg.get(0);
        String name = seg.size() > 1 ? seg.get(1) : null;
        if (seg.size() > 2) {
            resource = resource + "/" + seg.get(2);
        }
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : "true".equals(query.get("watch")) ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method + " " + pathAndQuery);
        };
        String fieldName = null;
        String fs = query.get("fieldSelector");
        if (fs != null && fs.startsWith("metadata.name=") && !fs.contains(",")) {
            fieldName = fs.substring("metadata.name=".length());
        }
        return new Call(component, verb, group, resource, namespace, name, fieldName);
    }

    @Override
    public void close() {
        clients.forEach(KubernetesClient::close);
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // the mock web server sometimes waits out its shutdown for a dropped watch
        }
    }
}
