package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Strategic merge patch (what {@code kubectl apply} to an existing object, {@code kubectl patch} without --type and
 * {@code kubectl edit} send for built-in kinds), a faithful-enough subset: maps merge and null deletes a key, as in
 * RFC 7386; lists are replaced, except the well-known lists kube-apiserver merges by a key (containers, volumes, env,
 * volumeMounts, ... by name or path, container ports by containerPort, Service ports by port, conditions by type,
 * ownerReferences by uid) and finalizers, which merge as a set. Within a merged list {@code $patch: delete} removes an
 * element; {@code $setElementOrder/...} is read as a hint and ignored (elements keep the server's order, new ones go
 * last); {@code $deleteFromPrimitiveList/...} removes values. {@code $retainKeys} and {@code $patch: replace|delete}
 * on a map are refused with a clear message.
 */
final class StrategicMergePatch {

    /** List field name → the key its elements merge by (apiserver's patchMergeKey), for the built-in kinds we serve. */
    private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
            Map.entry("containers", "name"), Map.entry("initContainers", "name"), Map.entry("ephemeralContainers", "name"),
            Map.entry("volumes", "name"), Map.entry("imagePullSecrets", "name"), Map.entry("env", "name"),
            Map.entry("volumeMounts", "mountPath"), Map.entry("volumeDevices", "devicePath"), Map.entry("hostAliases", "ip"),
            Map.entry("ownerReferences", "uid"), Map.entry("conditions", "type"), Map.entry("topologySpreadConstraints", "topologyKey"),
            Map.entry("readinessGates", "conditionType"), Map.entry("addresses", "type"));
    /** Lists of plain values that merge as sets. */
    private static final Set<String> MERGED_VALUES = Set.of("finalizers");

    private StrategicMergePatch() {
    }

    /**
     * @param service whether the object is a core/v1 Service (its spec.ports merge by port)
     * @throws IllegalArgumentException for a directive the lab does not implement
     */
    static JsonNode apply(JsonNode original, JsonNode patch, boolean service) {
        if (!patch.isObject()) {
            throw new IllegalArgumentException("a strategic merge patch must be a JSON object");
        }
        return merge(original, (ObjectNode) patch, "", service);
    }

    private static ObjectNode merge(JsonNode original, ObjectNode patch, String path, boolean service) {
        ObjectNode result = original != null && original.isObject() ? (ObjectNode) original.deepCopy() : JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals("$patch")) {
                throw new IllegalArgumentException("the in-memory lab API does not implement '$patch: " + value.asText() + "' on a map"
                        + (path.isEmpty() ? "" : " (at " + path + ")") + ": use kubectl patch --type=merge or --type=json");
            }
            if (key.equals("$retainKeys")) {
                throw new IllegalArgumentException("the in-memory lab API does not implement $retainKeys"
                        + (path.isEmpty() ? "" : " (at " + path + ")") + ": use kubectl patch --type=merge or --type=json");
            }
            if (key.startsWith("$setElementOrder/")) {
                continue;
            }
            if (key.startsWith("$deleteFromPrimitiveList/")) {
                String field = key.substring("$deleteFromPrimitiveList/".length());
                if (result.get(field) instanceof ArrayNode list) {
                    Set<JsonNode> gone = new HashSet<>();
                    value.forEach(gone::add);
                    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
                    list.forEach(v -> {
                        if (!gone.contains(v)) {
                            kept.add(v);
                        }
                    });
                    result.set(field, kept);
                }
                continue;
            }
            String child = path.isEmpty() ? key : path + "." + key;
            if (value.isNull()) {
                result.remove(key);
            } else if (value.isObject()) {
                result.set(key, merge(result.get(key), (ObjectNode) value, child, service));
            } else if (value.isArray()) {
                result.set(key, mergeList(result.get(key), (ArrayNode) value, key, child, service));
            } else {
                result.set(key, value);
            }
        }
        return result;
    }

    private static JsonNode mergeList(JsonNode original, ArrayNode patch, String field, String path, boolean service) {
        if (MERGED_VALUES.contains(field)) {
            ArrayNode result = original instanceof ArrayNode a ? a.deepCopy() : JsonNodeFactory.instance.arrayNode();
            Set<JsonNode> present = new HashSet<>();
            result.forEach(present::add);
            patch.forEach(v -> {
                if (present.add(v)) {
                    result.add(v);
                }
            });
            return result;
        }
        Optional<String> mergeKey = mergeKey(field, path, patch, original, service);
        if (mergeKey.isEmpty() || !(original instanceof ArrayNode)) {
            return withoutDirectives(patch);
        }
        String k = mergeKey.get();
        ArrayNode result = ((ArrayNode) original).deepCopy();
        for (JsonNode item : patch) {
            if (!item.isObject() || !item.has(k)) {
                throw new IllegalArgumentException("an element of " + path + " has no merge key '" + k + "'");
            }
            int at = -1;
            for (int i = 0; i < result.size(); i++) {
                if (result.get(i).path(k).equals(item.get(k))) {
                    at = i;
                    break;
                }
            }
            String directive = item.path("$patch").asText("");
            if (directive.equals("delete")) {
                if (at >= 0) {
                    result.remove(at);
                }
            } else if (!directive.isEmpty() && !directive.equals("merge")) {
                throw new IllegalArgumentException("the in-memory lab API does not implement '$patch: " + directive + "' in " + path);
            } else if (at >= 0) {
                ObjectNode element = ((ObjectNode) item).deepCopy();
                element.remove("$patch");
                result.set(at, merge(result.get(at), element, path + "[" + k + "=" + item.get(k).asText() + "]", service));
            } else {
                ObjectNode element = ((ObjectNode) item).deepCopy();
                element.remove("$patch");
                result.add(merge(null, element, path, service));
            }
        }
        return result;
    }

    private static Optional<String> mergeKey(String field, String path, ArrayNode patch, JsonNode original, boolean service) {
        if (field.equals("ports")) {
            if (service && path.equals("spec.ports")) {
                return Optional.of("port");
            }
            boolean containerPorts = patch.size() > 0 && patch.get(0).has("containerPort");
            boolean inContainer = path.contains("containers[") || path.contains("Containers[");
            return containerPorts && inContainer ? Optional.of("containerPort") : Optional.empty();
        }
        if (field.equals("addresses") && !path.equals("status.addresses")) {
            return Optional.empty(); // Node status addresses merge by type; others (EndpointSlice addresses) are plain lists
        }
        return Optional.ofNullable(MERGE_KEYS.get(field));
    }

    /** A replaced list keeps no directives (an element may carry $patch only in a merged list). */
    private static JsonNode withoutDirectives(ArrayNode list) {
        ArrayNode copy = list.deepCopy();
        for (JsonNode n : copy) {
            if (n instanceof ObjectNode o && o.has("$patch")) {
                throw new IllegalArgumentException("the in-memory lab API does not implement '$patch' inside a list it replaces");
            }
        }
        return copy;
    }
}
