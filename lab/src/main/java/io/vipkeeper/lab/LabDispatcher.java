package io.vipkeeper.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fabric8's CRUD mock, made to look enough like kube-apiserver for kubectl: discovery, /version and OpenAPI
 * (see {@link Discovery}), Tables for {@code kubectl get} (see {@link Tables}), field selectors on any field
 * (the mock knows only metadata.name/namespace), RFC 7386 merge patch (the mock appends lists and stores nulls),
 * status kept across updates of the main resource, Service defaults, proper Status errors (the mock answers 404
 * with an empty body and never answers requests it cannot parse), and sorted, typed lists.
 * Everything else is the stock CRUD dispatcher.
 */
final class LabDispatcher extends KubernetesCrudDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(LabDispatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_ONLY = "the in-memory lab API reads JSON only; use kubectl create -f FILE"
            + " (kubectl create service/configmap/secret/deployment send protobuf)";

    /** Writes are serialized so a patch (read, apply, write back) is atomic. */
    private final Object writes = new Object();
    private final ServiceDefaults serviceDefaults = new ServiceDefaults();

    /** A request path under /api or /apis; name and subresource may be null; namespace is null for cluster scope. */
    record ResourcePath(String group, String version, String namespace, String plural, String name, String subresource) {

        static ResourcePath parse(String path) {
            String[] s = path.replaceAll("^/+|/+$", "").split("/");
            int i;
            String group;
            if (s.length >= 3 && s[0].equals("api")) {
                group = "";
                i = 2;
            } else if (s.length >= 4 && s[0].equals("apis")) {
                group = s[1];
                i = 3;
            } else {
                return null;
            }
            String version = s[i - 1];
            String namespace = null;
            int rest = s.length - i;
            // /api/v1/namespaces/NS/PLURAL... is namespaced, but /api/v1/namespaces/NS/status is the Namespace's own status
            if (s[i].equals("namespaces") && rest >= 3 && !(rest == 3 && (s[i + 2].equals("status") || s[i + 2].equals("finalize")))) {
                namespace = s[i + 1];
                i += 2;
                rest -= 2;
            }
            if (rest > 3) {
                return null;
            }
            return new ResourcePath(group, version, namespace, s[i], rest > 1 ? s[i + 1] : null, rest > 2 ? s[i + 2] : null);
        }

        String objectPath() {
            return (group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version)
                    + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural + "/" + name;
        }

        /** How kube-apiserver names the resource in messages: services, deployments.apps. */
        String qualifiedPlural() {
            return group.isEmpty() ? plural : plural + "." + group;
        }
    }

    private record Request(String method, String rawPath, String path, Map<String, String> query, String contentType,
                           RecordedRequest recorded) {
        static Request of(RecordedRequest r) {
            String raw = r.getPath();
            int q = raw.indexOf('?');
            Map<String, String> query = new LinkedHashMap<>();
            if (q >= 0) {
                for (String part : raw.substring(q + 1).split("&")) {
                    int eq = part.indexOf('=');
                    if (!part.isEmpty()) {
                        query.put(decode(eq < 0 ? part : part.substring(0, eq)), eq < 0 ? "" : decode(part.substring(eq + 1)));
                    }
                }
            }
            String ct = r.getHeader("Content-Type");
            return new Request(r.getMethod().toUpperCase(), raw, q < 0 ? raw : raw.substring(0, q), query,
                    ct == null ? "" : ct.toLowerCase(), r);
        }

        private static String decode(String s) {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        }

        /** The path with one query parameter left out (kept raw, as sent). */
        String rawPathWithout(String parameter) {
            int q = rawPath.indexOf('?');
            if (q < 0) {
                return rawPath;
            }
            String kept = Arrays.stream(rawPath.substring(q + 1).split("&"))
                    .filter(p -> !p.equals(parameter) && !p.startsWith(parameter + "="))
                    .collect(Collectors.joining("&"));
            return rawPath.substring(0, q) + (kept.isEmpty() ? "" : "?" + kept);
        }

        RecordedRequest with(HttpMethod method, ObjectNode body) {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            return new RecordedRequest("HTTP/1.1", method, rawPath,
                    recorded.getHeaders().newBuilder().set("Content-Type", "application/json").build(), new Buffer(bytes));
        }
    }

    @Override
    public MockResponse dispatch(RecordedRequest recorded) {
        Request request = Request.of(recorded);
        MockResponse response;
        try {
            response = route(request);
        } catch (IllegalArgumentException e) {
            response = status(400, "BadRequest", e.getMessage());
        } catch (RuntimeException e) {
            // the stock dispatcher never answers a request that throws; kubectl would hang
            LOG.warn("{} {} failed: {}", request.method(), request.rawPath(), e.toString());
            response = status(500, "InternalError", "in-memory lab API: " + e);
        }
        if (response.getHeaders().header("Content-Type") == null) {
            response.setHeader("Content-Type", "application/json");
        }
        LOG.debug("{} {} -> {}", request.method(), request.rawPath(), response.code());
        return response;
    }

    private MockResponse route(Request request) {
        if (request.method().equals("GET")) {
            if (List.of("/healthz", "/livez", "/readyz").contains(request.path())) {
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/plain; charset=utf-8").setBody("ok");
            }
            Optional<Object> document = Discovery.document(request.path());
            if (document.isPresent()) {
                return json(200, JSON.valueToTree(document.get()));
            }
        }
        ResourcePath path = ResourcePath.parse(request.path());
        if (path == null) {
            return status(404, "NotFound", "the server could not find the requested resource");
        }
        Optional<Discovery.Resource> resource = Discovery.find(path.group(), path.version(), path.plural());
        return switch (request.method()) {
            case "GET" -> isWatch(request) ? watch(request) : get(request, path, resource);
            case "POST" -> create(request, path, resource);
            case "PUT" -> update(request, path, resource);
            case "PATCH" -> patch(request, path, resource);
            case "DELETE" -> {
                synchronized (writes) {
                    MockResponse r = super.dispatch(request.recorded());
                    yield r.code() == 404 ? notFound(path) : r;
                }
            }
            default -> status(405, "MethodNotAllowed", request.method() + " is not supported");
        };
    }

    private static boolean isWatch(Request request) {
        String w = request.query().get("watch");
        return "true".equals(w) || "1".equals(w);
    }

    private MockResponse watch(Request request) {
        // the mock streams watch events over WebSocket only (as fabric8 clients watch); kubectl watches over plain HTTP
        if (!"websocket".equalsIgnoreCase(String.valueOf(request.recorded().getHeader("Upgrade")))) {
            return status(400, "BadRequest", "the in-memory lab API streams watches over WebSocket only:"
                    + " kubectl get -w and kubectl wait do not work; run kubectl get again instead");
        }
        return super.dispatch(request.recorded());
    }

    private MockResponse get(Request request, ResourcePath path, Optional<Discovery.Resource> resource) {
        MockResponse stored = super.handleGet(request.rawPathWithout("fieldSelector"));
        if (stored.code() == 404) {
            return notFound(path);
        }
        if (stored.code() != 200) {
            return stored;
        }
        JsonNode body = read(stored.getBody().getBytes());
        boolean table = Tables.requested(request.recorded().getHeader("Accept"));
        String includeObject = request.query().get("includeObject");
        if (path.name() != null) {
            return table ? json(200, Tables.table(path.plural(), List.of(body), body.at("/metadata/resourceVersion").asText(),
                    includeObject, Instant.now())) : stored;
        }
        Predicate<JsonNode> selected = FieldSelector.parse(request.query().getOrDefault("fieldSelector", ""));
        List<JsonNode> items = StreamSupport.stream(body.path("items").spliterator(), false)
                .filter(selected)
                .sorted(Comparator.comparing((JsonNode o) -> o.at("/metadata/namespace").asText(""))
                        .thenComparing(o -> o.at("/metadata/name").asText("")))
                .toList();
        String resourceVersion = body.at("/metadata/resourceVersion").asText("");
        if (table) {
            return json(200, Tables.table(path.plural(), items, resourceVersion, includeObject, Instant.now()));
        }
        ObjectNode list = JSON.createObjectNode();
        // the mock calls every list "v1/List"; typed clients (kubectl describe) expect e.g. discovery.k8s.io/v1 EndpointSliceList
        list.put("apiVersion", resource.map(Discovery.Resource::groupVersion).orElse("v1"));
        list.put("kind", resource.map(r -> r.kind() + "List").orElse("List"));
        list.putObject("metadata").put("resourceVersion", resourceVersion);
        list.putArray("items").addAll(items);
        return json(200, list);
    }

    private MockResponse create(Request request, ResourcePath path, Optional<Discovery.Resource> resource) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        JsonNode body = read(request.recorded().getBody().getBytes());
        if (!(body instanceof ObjectNode object)) {
            return status(400, "BadRequest", "the request body is not a JSON object");
        }
        if (resource.map(r -> r.kind().equals("Service") && r.group().isEmpty()).orElse(false)) {
            serviceDefaults.apply(object);
        }
        synchronized (writes) {
            MockResponse r = super.handleCreate(request.with(HttpMethod.POST, object));
            if (r.code() == 409) {
                return status(409, "AlreadyExists", path.qualifiedPlural() + " \"" + object.at("/metadata/name").asText() + "\" already exists");
            }
            return r;
        }
    }

    private MockResponse update(Request request, ResourcePath path, Optional<Discovery.Resource> resource) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        JsonNode body = read(request.recorded().getBody().getBytes());
        if (!(body instanceof ObjectNode object) || path.name() == null) {
            return status(400, "BadRequest", "PUT needs a JSON object and a name in the path");
        }
        synchronized (writes) {
            Optional<JsonNode> stored = storedObject(path);
            if (stored.isEmpty()) {
                return notFound(path);
            }
            keepStatus(path, resource, stored.get(), object);
            return super.handleUpdate(request.with(HttpMethod.PUT, object));
        }
    }

    /** JSON Patch and RFC 7386 merge patch, applied here and written back as an update (resourceVersion checked). */
    private MockResponse patch(Request request, ResourcePath path, Optional<Discovery.Resource> resource) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        if (request.contentType().startsWith("application/strategic-merge-patch+json")) {
            return status(415, "UnsupportedMediaType", "the in-memory lab API does not do strategic merge patch"
                    + " (kubectl apply on an existing object, kubectl edit, kubectl patch without --type):"
                    + " use kubectl patch --type=merge or --type=json, or kubectl delete and create");
        }
        boolean jsonPatch = request.contentType().startsWith("application/json-patch+json");
        if (!jsonPatch && !request.contentType().startsWith("application/merge-patch+json")) {
            return status(415, "UnsupportedMediaType", "the in-memory lab API does not support patch type '"
                    + request.contentType() + "' (server-side apply included): use kubectl patch --type=merge or --type=json");
        }
        if (path.name() == null) {
            return status(405, "MethodNotAllowed", "PATCH needs a name in the path");
        }
        JsonNode patch = read(request.recorded().getBody().getBytes());
        synchronized (writes) {
            Optional<JsonNode> stored = storedObject(path);
            if (stored.isEmpty()) {
                return notFound(path);
            }
            JsonNode patched;
            try {
                patched = jsonPatch ? JsonPatch.apply(patch, stored.get()) : mergePatch(stored.get(), patch);
            } catch (JsonPatchException | IllegalArgumentException e) {
                return status(422, "Invalid", "the patch does not apply: " + e.getMessage());
            }
            if (!(patched instanceof ObjectNode object)) {
                return status(422, "Invalid", "the patch does not leave a JSON object");
            }
            keepStatus(path, resource, stored.get(), object);
            return super.handleUpdate(request.with(HttpMethod.PUT, object));
        }
    }

    /** RFC 7386: objects merge recursively, null removes a key, anything else (lists included) replaces. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? (ObjectNode) target.deepCopy() : JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), mergePatch(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    /** As on a cluster, a write to the main resource of a kind with a status subresource leaves status alone. */
    private static void keepStatus(ResourcePath path, Optional<Discovery.Resource> resource, JsonNode stored, ObjectNode updated) {
        if (path.subresource() == null && resource.map(Discovery.Resource::hasStatus).orElse(false)) {
            if (stored.has("status")) {
                updated.set("status", stored.get("status"));
            } else {
                updated.remove("status");
            }
        }
    }

    private Optional<JsonNode> storedObject(ResourcePath path) {
        MockResponse r = super.handleGet(path.objectPath());
        return r.code() == 200 ? Optional.of(read(r.getBody().getBytes())) : Optional.empty();
    }

    /** The mock cannot read protobuf (kubectl's generators send it) nor YAML: say so instead of failing obscurely. */
    private static Optional<MockResponse> unreadable(Request request) {
        String ct = request.contentType();
        if (ct.contains("protobuf")) {
            return Optional.of(status(415, "UnsupportedMediaType", JSON_ONLY));
        }
        if (!ct.isEmpty() && !ct.contains("json")) {
            return Optional.of(status(415, "UnsupportedMediaType", "the in-memory lab API reads JSON only, not " + ct
                    + (ct.contains("apply-patch") ? " (server-side apply is not supported)" : "")));
        }
        return Optional.empty();
    }

    private static JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the request body is not JSON: " + e.getMessage(), e);
        }
    }

    private static MockResponse notFound(ResourcePath path) {
        return status(404, "NotFound", path.name() == null ? "the server could not find the requested resource"
                : path.qualifiedPlural() + " \"" + path.name() + "\" not found");
    }

    static MockResponse status(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
        s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        return json(code, s);
    }

    private static MockResponse json(int code, JsonNode body) {
        try {
            return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                    .setBody(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Field selectors as kube-apiserver reads them: {@code a.b=v}, {@code a.b==v}, {@code a.b!=v}, joined by commas. */
    static final class FieldSelector {
        private FieldSelector() {
        }

        static Predicate<JsonNode> parse(String selector) {
            Predicate<JsonNode> all = o -> true;
            for (String term : splitUnescaped(selector)) {
                if (term.isBlank()) {
                    continue;
                }
                boolean not = term.contains("!=");
                String[] kv = term.split(not ? "!=" : "==?", 2);
                if (kv.length != 2) {
                    throw new IllegalArgumentException("invalid field selector term '" + term + "'");
                }
                String pointer = "/" + kv[0].trim().replace('.', '/');
                String value = kv[1].replace("\\,", ",").replace("\\=", "=").replace("\\\\", "\\");
                all = all.and(o -> {
                    JsonNode n = o.at(pointer);
                    return value.equals(n.isValueNode() ? n.asText() : "") != not;
                });
            }
            return all;
        }

        private static List<String> splitUnescaped(String s) {
            List<String> parts = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length()) {
                    current.append(c).append(s.charAt(++i));
                } else if (c == ',') {
                    parts.add(current.toString());
                    current.setLength(0);
                } else {
                    current.append(c);
                }
            }
            parts.add(current.toString());
            return parts;
        }
    }
}
