package io.vipkeeper.lab;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab API's request handling, made to look enough like kube-apiserver for kubectl and fabric8 clients:
 * discovery, /version and OpenAPI (see {@link Discovery}), Tables for {@code kubectl get} (see {@link Tables}),
 * create/get/list/update/patch/delete on an indexed {@link ObjectStore}, list paging (limit/continue), label
 * selectors (equality and set-based) and field selectors on any field, watches over WebSocket that resume from a
 * resourceVersion or answer 410 Gone, 409 on a stale resourceVersion (on /status too), the status subresource
 * (a main-resource write keeps status, a status write changes only status), metadata.generation for kinds with a
 * spec, finalizers (deletionTimestamp until the last one goes), Service defaults, RFC 7386 merge patch and JSON
 * patch, and proper Status errors.
 */
final class LabDispatcher extends Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(LabDispatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_ONLY = "the in-memory lab API reads JSON only; use kubectl create -f FILE"
            + " (kubectl create service/configmap/secret/deployment send protobuf)";
    /** Events kept per resource type for watches that resume (kube-apiserver keeps about 5 minutes' worth). */
    static final int HISTORY = 20_000;

    private final ObjectStore store;
    private final CustomResources custom = new CustomResources();
    private final Discovery discovery = new Discovery(custom);
    private final ServiceDefaults serviceDefaults = new ServiceDefaults();

    LabDispatcher() {
        this(new ObjectStore(HISTORY));
    }

    LabDispatcher(ObjectStore store) {
        this.store = store;
    }

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

        String param(String name) {
            return query.getOrDefault(name, "");
        }

        JsonNode body() {
            return read(recorded.getBody().getBytes());
        }
    }

    /** A request for objects of a served resource type. */
    private record Target(ResourcePath path, Discovery.Resource resource) {
        String kind() {
            return resource.group() + "/" + resource.plural();
        }

        String namespace() {
            return resource.namespaced() ? path.namespace() : null;
        }

        boolean status() {
            return "status".equals(path.subresource());
        }

        boolean definition() {
            return resource.group().equals(CustomResources.GROUP) && resource.plural().equals(CustomResources.PLURAL);
        }
    }

    ObjectStore store() {
        return store;
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
            // a request that throws would never be answered; kubectl would hang
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
            Optional<Object> document = discovery.document(request.path());
            if (document.isPresent()) {
                return json(200, JSON.valueToTree(document.get()));
            }
        }
        ResourcePath path = ResourcePath.parse(request.path());
        Optional<Discovery.Resource> resource = path == null ? Optional.empty()
                : discovery.find(path.group(), path.version(), path.plural());
        if (resource.isEmpty()) {
            return status(404, "NotFound", "the server could not find the requested resource");
        }
        Target target = new Target(path, resource.get());
        Discovery.Resource r = target.resource();
        if ((!r.namespaced() && path.namespace() != null) || (r.namespaced() && path.name() != null && path.namespace() == null)
                || (path.subresource() != null && !(target.status() && r.hasStatus()))) {
            return status(404, "NotFound", "the server could not find the requested resource");
        }
        boolean collection = path.name() == null;
        return switch (request.method()) {
            case "GET" -> isWatch(request) ? watch(request, target) : collection ? list(request, target) : get(request, target);
            case "POST" -> collection ? create(request, target) : status(405, "MethodNotAllowed", "POST needs a collection path");
            case "PUT" -> collection ? status(405, "MethodNotAllowed", "PUT needs a name in the path") : update(request, target);
            case "PATCH" -> collection ? status(405, "MethodNotAllowed", "PATCH needs a name in the path") : patch(request, target);
            case "DELETE" -> collection ? deleteCollection(request, target) : delete(request, target);
            default -> status(405, "MethodNotAllowed", request.method() + " is not supported");
        };
    }

    private static boolean isWatch(Request request) {
        String w = request.query().get("watch");
        return "true".equals(w) || "1".equals(w);
    }

    private MockResponse get(Request request, Target target) {
        Optional<ObjectNode> stored = store.get(target.kind(), target.namespace(), target.path().name());
        if (stored.isEmpty()) {
            return notFound(target.path());
        }
        if (Tables.requested(request.recorded().getHeader("Accept"))) {
            return json(200, Tables.table(target.resource(), customVersion(target), List.of(stored.get()),
                    stored.get().at("/metadata/resourceVersion").asText(), request.query().get("includeObject"), Instant.now()));
        }
        return json(200, stored.get());
    }

    private Optional<CustomResources.Version> customVersion(Target target) {
        Discovery.Resource r = target.resource();
        return custom.find(r.group(), r.version(), r.plural());
    }

    private static Predicate<JsonNode> selection(Request request) {
        return LabelSelector.parse(request.param("labelSelector")).and(FieldSelector.parse(request.param("fieldSelector")));
    }

    private MockResponse list(Request request, Target target) {
        long limit = parseLong(request.param("limit"), "limit");
        String token = request.param("continue");
        Long tokenVersion = null;
        String after = null;
        if (!token.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                decoded = "";
            }
            int nl = decoded.indexOf('\n');
            if (nl < 0) {
                return status(400, "BadRequest", "invalid continue token");
            }
            tokenVersion = parseLong(decoded.substring(0, nl), "continue");
            after = decoded.substring(nl + 1);
        }
        ObjectStore.Page page = store.list(target.kind(), target.namespace(), selection(request), Math.max(0, limit), after);
        // every page of one list reports the first page's resourceVersion, so a watch from it misses nothing
        String resourceVersion = String.valueOf(tokenVersion != null ? tokenVersion : page.resourceVersion());
        String next = page.next().map(key -> Base64.getUrlEncoder().withoutPadding().encodeToString(
                (resourceVersion + "\n" + key).getBytes(StandardCharsets.UTF_8))).orElse(null);
        ObjectNode list;
        if (Tables.requested(request.recorded().getHeader("Accept"))) {
            list = Tables.table(target.resource(), customVersion(target), page.items(), resourceVersion,
                    request.query().get("includeObject"), Instant.now());
        } else {
            list = JSON.createObjectNode();
            list.put("apiVersion", target.resource().groupVersion());
            list.put("kind", target.resource().kind() + "List");
            list.putObject("metadata").put("resourceVersion", resourceVersion);
            list.putArray("items").addAll(page.items());
        }
        if (next != null) {
            ((ObjectNode) list.get("metadata")).put("continue", next);
        }
        return json(200, list);
    }

    private MockResponse watch(Request request, Target target) {
        // watches stream over WebSocket only (as fabric8 clients watch); kubectl watches over plain HTTP
        if (!"websocket".equalsIgnoreCase(String.valueOf(request.recorded().getHeader("Upgrade")))) {
            return status(400, "BadRequest", "the in-memory lab API streams watches over WebSocket only:"
                    + " kubectl get -w and kubectl wait do not work; run kubectl get again instead");
        }
        String rv = request.param("resourceVersion");
        Long from = rv.isEmpty() || rv.equals("0") ? null : parseLong(rv, "resourceVersion");
        Predicate<JsonNode> filter = selection(request);
        if (target.path().name() != null) {
            String name = target.path().name();
            filter = filter.and(o -> ObjectStore.nameOf(o).equals(name));
        }
        boolean bookmarks = "true".equals(request.param("allowWatchBookmarks"));
        Predicate<JsonNode> selected = filter;
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            private volatile Runnable stop = () -> { };

            @Override
            public void onOpen(WebSocket ws, Response response) {
                ObjectStore.Sink sink = (type, object) -> {
                    if (type.equals("CLOSE")) {
                        ws.close(1000, "resource type removed");
                        return false;
                    }
                    return ws.send(event(type, object));
                };
                try {
                    synchronized (store) {
                        stop = store.watch(target.kind(), target.namespace(), selected, from, sink);
                        if (bookmarks) {
                            // where this watch stands, so a restart resumes from here instead of from an old version
                            ObjectNode mark = JSON.createObjectNode();
                            mark.put("kind", target.resource().kind()).put("apiVersion", target.resource().groupVersion());
                            mark.putObject("metadata").put("resourceVersion", String.valueOf(store.resourceVersion()));
                            ws.send(event("BOOKMARK", mark));
                        }
                    }
                } catch (ObjectStore.TooOld e) {
                    // as kube-apiserver: the watch starts, then ends with an ERROR event holding a 410 Status
                    ws.send(event("ERROR", statusBody(410, "Expired", e.getMessage())));
                    ws.close(1000, "");
                }
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                stop.run();
            }

            @Override
            public void onClosed(WebSocket ws, int code, String reason) {
                stop.run();
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response response) {
                stop.run();
            }
        });
    }

    private static String event(String type, ObjectNode object) {
        ObjectNode e = JSON.createObjectNode();
        e.put("type", type);
        e.set("object", object);
        return e.toString();
    }

    private MockResponse create(Request request, Target target) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        if (target.path().subresource() != null) {
            return status(405, "MethodNotAllowed", "POST to a subresource is not supported");
        }
        if (!(request.body() instanceof ObjectNode object)) {
            return status(400, "BadRequest", "the request body is not a JSON object");
        }
        Discovery.Resource r = target.resource();
        ObjectNode metadata = metadata(object);
        Optional<MockResponse> misplaced = checkNamespace(target, metadata);
        if (misplaced.isPresent()) {
            return misplaced.get();
        }
        object.put("apiVersion", r.groupVersion());
        object.put("kind", r.kind());
        if (metadata.path("name").asText("").isEmpty()) {
            String prefix = metadata.path("generateName").asText("");
            if (prefix.isEmpty()) {
                return status(422, "Invalid", r.kind() + " \"\" is invalid: metadata.name: Required value: name or generateName is required");
            }
            metadata.put("name", prefix + randomSuffix());
        }
        String name = metadata.get("name").asText();
        if (r.kind().equals("Service") && r.group().isEmpty()) {
            serviceDefaults.apply(object);
        }
        metadata.put("uid", UUID.randomUUID().toString());
        metadata.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        metadata.remove(List.of("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"));
        if (tracksGeneration(r)) {
            metadata.put("generation", 1);
        }
        if (r.hasStatus() && customVersion(target).isPresent()) {
            object.remove("status"); // as on a cluster: status is written through /status only
        }
        synchronized (store) {
            Checked checked = validate(request, target, object);
            if (checked.refusal() != null) {
                return checked.refusal();
            }
            if (store.get(target.kind(), target.namespace(), name).isPresent()) {
                return status(409, "AlreadyExists", target.path().qualifiedPlural() + " \"" + name + "\" already exists");
            }
            if (dryRun(request)) {
                return json(201, object).setHeaders(warnings(request, checked));
            }
            ObjectNode created = store.create(target.kind(), object);
            if (target.definition()) {
                custom.register(created);
            }
            return json(201, created).setHeaders(warnings(request, checked));
        }
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            s.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** Sets the object's namespace from the path; refuses one that differs, as kube-apiserver does. */
    private static Optional<MockResponse> checkNamespace(Target target, ObjectNode metadata) {
        String given = metadata.path("namespace").asText("");
        if (target.namespace() == null) {
            metadata.remove("namespace");
            return Optional.empty();
        }
        if (!given.isEmpty() && !given.equals(target.namespace())) {
            return Optional.of(status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
        }
        metadata.put("namespace", target.namespace());
        return Optional.empty();
    }

    private static ObjectNode metadata(ObjectNode object) {
        return object.get("metadata") instanceof ObjectNode m ? m : object.putObject("metadata");
    }

    private MockResponse update(Request request, Target target) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        if (!(request.body() instanceof ObjectNode object)) {
            return status(400, "BadRequest", "PUT needs a JSON object");
        }
        ObjectNode metadata = metadata(object);
        Optional<MockResponse> misplaced = checkNamespace(target, metadata);
        if (misplaced.isPresent()) {
            return misplaced.get();
        }
        String name = metadata.path("name").asText("");
        if (!name.isEmpty() && !name.equals(target.path().name())) {
            return status(400, "BadRequest", "the name of the object (" + name + ") does not match the name on the URL ("
                    + target.path().name() + ")");
        }
        metadata.put("name", target.path().name());
        synchronized (store) {
            Optional<ObjectNode> stored = store.get(target.kind(), target.namespace(), target.path().name());
            if (stored.isEmpty()) {
                return notFound(target.path());
            }
            return write(request, target, stored.get(), object);
        }
    }

    /**
     * Writes {@code updated} over {@code stored} as kube-apiserver would: 409 on a stale resourceVersion, a status write
     * changes only status and a main-resource write keeps it (kinds with a status subresource), server-owned metadata
     * stays, generation counts spec changes, an unchanged object is not written, and an object being deleted goes
     * when its last finalizer does.
     */
    private MockResponse write(Request request, Target target, ObjectNode stored, ObjectNode updated) {
        String storedVersion = stored.at("/metadata/resourceVersion").asText();
        String version = updated.at("/metadata/resourceVersion").asText("");
        if (!version.isEmpty() && !version.equals(storedVersion)) {
            return status(409, "Conflict", "Operation cannot be fulfilled on " + target.path().qualifiedPlural() + " \""
                    + target.path().name() + "\": the object has been modified; please apply your changes to the latest version and try again");
        }
        Discovery.Resource r = target.resource();
        if (target.definition() && !target.status()) {
            // as on a cluster: what names the type's objects cannot change under them
            for (String field : List.of("/spec/group", "/spec/names/plural", "/spec/scope")) {
                if (!updated.at(field).equals(stored.at(field))) {
                    return status(422, "Invalid", "CustomResourceDefinition.apiextensions.k8s.io \"" + target.path().name()
                            + "\" is invalid: " + field.substring(1).replace('/', '.') + ": Invalid value: " + updated.at(field)
                            + ": field is immutable");
                }
            }
        }
        ObjectNode next;
        if (target.status()) {
            next = stored.deepCopy();
            if (updated.has("status")) {
                next.set("status", updated.get("status"));
            } else {
                next.remove("status");
            }
        } else {
            next = updated;
            if (r.hasStatus()) {
                if (stored.has("status")) {
                    next.set("status", stored.get("status"));
                } else {
                    next.remove("status");
                }
            }
            next.put("apiVersion", r.groupVersion());
            next.put("kind", r.kind());
            ObjectNode metadata = metadata(next);
            JsonNode was = stored.get("metadata");
            for (String field : List.of("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation")) {
                if (was.has(field)) {
                    metadata.set(field, was.get(field));
                } else {
                    metadata.remove(field);
                }
            }
            if (tracksGeneration(r) && !withoutMetadata(next, r).equals(withoutMetadata(stored, r))) {
                metadata.put("generation", was.path("generation").asLong(1) + 1);
            }
        }
        metadata(next).put("resourceVersion", storedVersion);
        Checked checked = validate(request, target, next);
        if (checked.refusal() != null) {
            return checked.refusal();
        }
        if (next.equals(stored)) {
            return json(200, stored);
        }
        if (dryRun(request)) {
            return json(200, next).setHeaders(warnings(request, checked));
        }
        if (next.at("/metadata/deletionTimestamp").isTextual() && next.at("/metadata/finalizers").isEmpty()) {
            return json(200, removed(target, store.delete(target.kind(), target.namespace(), target.path().name()).orElseThrow()));
        }
        ObjectNode written = store.update(target.kind(), next);
        if (target.definition()) {
            custom.register(written);
        }
        return json(200, written).setHeaders(warnings(request, checked));
    }

    /** The object without what does not count for its generation: metadata, and status where it is a subresource. */
    private static JsonNode withoutMetadata(ObjectNode o, Discovery.Resource r) {
        ObjectNode copy = o.deepCopy();
        copy.remove("metadata");
        if (r.hasStatus()) {
            copy.remove("status");
        }
        return copy;
    }

    /** Kinds whose metadata.generation kube-apiserver counts: apps, CRDs and custom resources. */
    private boolean tracksGeneration(Discovery.Resource r) {
        return r.group().equals("apps") || r.group().equals(CustomResources.GROUP)
                || custom.find(r.group(), r.version(), r.plural()).isPresent();
    }

    /**
     * A CRD is checked, and given the status a cluster gives an accepted one; a custom resource is checked against its
     * CRD's schema (its undeclared fields pruned; refused under fieldValidation=Strict). 422 with kube-apiserver's
     * wording when invalid.
     */
    private Checked validate(Request request, Target target, ObjectNode object) {
        Discovery.Resource r = target.resource();
        String name = ObjectStore.nameOf(object);
        List<String> errors;
        List<String> unknown = List.of();
        if (target.definition()) {
            errors = CustomResources.problems(object, discovery);
            object.set("status", CustomResources.acceptedStatus(object, object.at("/metadata/creationTimestamp").asText()));
        } else {
            Optional<CustomResources.Version> version = customVersion(target);
            if (version.isEmpty()) {
                return new Checked(null, unknown);
            }
            SchemaValidator.Result result = SchemaValidator.check(version.get().schema(), object);
            if (!result.unknownFields().isEmpty() && "Strict".equals(request.param("fieldValidation"))) {
                return new Checked(status(400, "BadRequest", r.kind() + " in version \"" + r.version() + "\" cannot be handled as a "
                        + r.kind() + ": strict decoding error: " + String.join(", ",
                        result.unknownFields().stream().map(f -> "unknown field \"" + f + "\"").toList())), unknown);
            }
            unknown = result.unknownFields();
            errors = result.errors();
        }
        if (errors.isEmpty()) {
            return new Checked(null, unknown);
        }
        return new Checked(status(422, "Invalid", r.kind() + "." + r.group() + " \"" + name + "\" is invalid: "
                + (errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]")), unknown);
    }

    /** A refusal (null: accepted), and the undeclared fields a check pruned. */
    private record Checked(MockResponse refusal, List<String> unknownFields) {
    }

    /** Pruned fields are reported in Warning headers, as kube-apiserver does unless fieldValidation=Ignore. */
    private static Headers warnings(Request request, Checked checked) {
        Headers.Builder headers = Headers.builder().add("Content-Type", "application/json");
        if (!"Ignore".equals(request.param("fieldValidation"))) {
            checked.unknownFields().forEach(f -> headers.add("Warning", "299 - \"unknown field \\\"" + f + "\\\"\""));
        }
        return headers.build();
    }

    /**
     * JSON Patch, RFC 7386 merge patch and (for built-in kinds) strategic merge patch, applied to the stored object and
     * written back (resourceVersion checked). Server-side apply is refused (415).
     */
    private MockResponse patch(Request request, Target target) {
        Optional<MockResponse> unreadable = unreadable(request);
        if (unreadable.isPresent()) {
            return unreadable.get();
        }
        boolean strategic = request.contentType().startsWith("application/strategic-merge-patch+json");
        boolean jsonPatch = request.contentType().startsWith("application/json-patch+json");
        if (strategic && customVersion(target).isPresent()) {
            // as kube-apiserver: custom resources have no strategic merge (kubectl apply sends them a merge patch)
            return status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types"
                    + " include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }
        if (!strategic && !jsonPatch && !request.contentType().startsWith("application/merge-patch+json")) {
            return status(415, "UnsupportedMediaType", "the in-memory lab API does not support patch type '"
                    + request.contentType() + "' (server-side apply included): use kubectl patch --type=merge or --type=json");
        }
        JsonNode patch = request.body();
        synchronized (store) {
            Optional<ObjectNode> stored = store.get(target.kind(), target.namespace(), target.path().name());
            if (stored.isEmpty()) {
                return notFound(target.path());
            }
            JsonNode patched;
            try {
                boolean service = target.resource().group().isEmpty() && target.resource().kind().equals("Service");
                patched = jsonPatch ? JsonPatch.apply(patch, stored.get())
                        : strategic ? StrategicMergePatch.apply(stored.get(), patch, service) : mergePatch(stored.get(), patch);
            } catch (JsonPatchException | IllegalArgumentException e) {
                return status(422, "Invalid", "the patch does not apply: " + e.getMessage());
            }
            if (!(patched instanceof ObjectNode object) || !(object.get("metadata") instanceof ObjectNode metadata)) {
                return status(422, "Invalid", "the patch does not leave a JSON object with metadata");
            }
            if (!metadata.path("name").asText().equals(target.path().name())
                    || !metadata.path("namespace").asText("").equals(stored.get().at("/metadata/namespace").asText(""))) {
                return status(422, "Invalid", "a patch cannot change metadata.name or metadata.namespace");
            }
            return write(request, target, stored.get(), object);
        }
    }

    private MockResponse delete(Request request, Target target) {
        synchronized (store) {
            Optional<ObjectNode> stored = store.get(target.kind(), target.namespace(), target.path().name());
            if (stored.isEmpty()) {
                return notFound(target.path());
            }
            return json(200, dryRun(request) ? stored.get() : remove(target.kind(), stored.get()));
        }
    }

    /**
     * Deletes an object, or marks it for deletion while finalizers remain. A Namespace goes at once and leaves its
     * objects (a cluster deletes them in the background, and {@code kubectl delete -k} deletes them after it).
     */
    private ObjectNode remove(String kind, ObjectNode stored) {
        if (!stored.at("/metadata/finalizers").isEmpty()) {
            if (stored.at("/metadata/deletionTimestamp").isTextual()) {
                return stored;
            }
            ObjectNode marked = stored.deepCopy();
            metadata(marked).put("deletionTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                    .put("deletionGracePeriodSeconds", 0);
            return store.update(kind, marked);
        }
        ObjectNode last = store.delete(kind, ObjectStore.namespaceOf(stored), ObjectStore.nameOf(stored)).orElseThrow();
        return removed(kind, last);
    }

    /** After a CRD goes, its type goes with its objects (their watches end). */
    private ObjectNode removed(String kind, ObjectNode last) {
        if (kind.equals(CustomResources.GROUP + "/" + CustomResources.PLURAL)) {
            custom.unregister(ObjectStore.nameOf(last));
            store.drop(last.at("/spec/group").asText() + "/" + last.at("/spec/names/plural").asText());
        }
        return last;
    }

    private ObjectNode removed(Target target, ObjectNode last) {
        return removed(target.kind(), last);
    }

    private MockResponse deleteCollection(Request request, Target target) {
        if (target.path().subresource() != null) {
            return status(405, "MethodNotAllowed", "DELETE of a subresource collection is not supported");
        }
        ArrayNode deleted = JSON.createArrayNode();
        synchronized (store) {
            for (ObjectNode o : store.list(target.kind(), target.namespace(), selection(request), 0, null).items()) {
                deleted.add(dryRun(request) ? o : remove(target.kind(), o));
            }
        }
        ObjectNode list = JSON.createObjectNode();
        list.put("apiVersion", target.resource().groupVersion()).put("kind", target.resource().kind() + "List");
        list.putObject("metadata").put("resourceVersion", String.valueOf(store.resourceVersion()));
        list.set("items", deleted);
        return json(200, list);
    }

    /** dryRun=All (kubectl diff, apply --dry-run=server): everything but the write. */
    private static boolean dryRun(Request request) {
        return request.param("dryRun").equals("All");
    }

    private static long parseLong(String value, String parameter) {
        if (value.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + parameter + " '" + value + "'");
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

    /** The lab cannot read protobuf (kubectl's generators send it) nor YAML: say so instead of failing obscurely. */
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
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not JSON: " + e.getMessage(), e);
        }
    }

    private static MockResponse notFound(ResourcePath path) {
        return status(404, "NotFound", path.name() == null ? "the server could not find the requested resource"
                : path.qualifiedPlural() + " \"" + path.name() + "\" not found");
    }

    static ObjectNode statusBody(int code, String reason, String message) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
        s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        return s;
    }

    static MockResponse status(int code, String reason, String message) {
        return json(code, statusBody(code, reason, message));
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
