package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The CustomResourceDefinitions the lab API serves: a CRD (apiextensions.k8s.io/v1) that is created makes each of its
 * served versions a resource type (discovery, CRUD at its scope, the status subresource if declared, Tables from its
 * printer columns, OpenAPI and validation from its schema); deleting it removes the type and its objects.
 * A CRD is untrusted input: one that does not parse is refused with the reasons, as kube-apiserver refuses it.
 */
final class CustomResources {

    static final String GROUP = "apiextensions.k8s.io";
    static final String PLURAL = "customresourcedefinitions";

    /** A printer column; {@code path} is the parsed JSONPath (field names, and indexes as Integers). */
    record PrinterColumn(String name, String type, String format, String description, int priority, List<Object> path) {
    }

    /** One served version of a CRD. */
    record Version(Discovery.Resource resource, String crdName, JsonNode schema, List<PrinterColumn> columns) {
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern KIND = Pattern.compile("[A-Z][A-Za-z0-9]*");
    private static final Pattern VERSION = Pattern.compile("v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?");

    /** "group/version/plural" → version, for every served version of every CRD. */
    private final Map<String, Version> versions = new ConcurrentHashMap<>();
    /** CRD name → its versions' keys. */
    private final Map<String, List<String>> byCrd = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();

    Optional<Version> find(String group, String version, String plural) {
        return Optional.ofNullable(versions.get(group + "/" + version + "/" + plural));
    }

    Collection<Version> all() {
        return versions.values();
    }

    /** Counts registrations, so OpenAPI clients can tell their cached documents are stale. */
    long changes() {
        return changes.get();
    }

    /**
     * What is wrong with a CRD, as kube-apiserver words it (empty: nothing). Checks the fields the lab uses: names,
     * group, scope, versions (one storage version), schemas and printer columns.
     */
    static List<String> problems(JsonNode crd, Discovery builtIn) {
        List<String> errors = new ArrayList<>();
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asText("");
        String kind = names.path("kind").asText("");
        if (group.isEmpty() || !group.contains(".") || !DNS_SUBDOMAIN.matcher(group).matches()) {
            errors.add("spec.group: Invalid value: \"" + group + "\": should be a domain with at least one dot");
        }
        if (!DNS_LABEL.matcher(plural).matches()) {
            errors.add("spec.names.plural: Invalid value: \"" + plural + "\": a lowercase RFC 1123 label must consist of lower case"
                    + " alphanumeric characters or '-'");
        }
        if (!KIND.matcher(kind).matches()) {
            errors.add("spec.names.kind: Invalid value: \"" + kind + "\": must be an UpperCamelCase name");
        }
        String name = crd.path("metadata").path("name").asText("");
        if (!name.equals(plural + "." + group)) {
            errors.add("metadata.name: Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group");
        }
        String scope = spec.path("scope").asText("");
        if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
            errors.add("spec.scope: Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
        }
        JsonNode vs = spec.path("versions");
        if (!vs.isArray() || vs.isEmpty()) {
            errors.add("spec.versions: Invalid value: null: must have exactly one version marked as storage version");
        } else {
            int storage = 0;
            for (int i = 0; i < vs.size(); i++) {
                JsonNode v = vs.get(i);
                String p = "spec.versions[" + i + "]";
                if (!VERSION.matcher(v.path("name").asText("")).matches()) {
                    errors.add(p + ".name: Invalid value: \"" + v.path("name").asText("") + "\": must match v1, v1beta1, v2alpha3, ...");
                }
                storage += v.path("storage").asBoolean() ? 1 : 0;
                JsonNode schema = v.at("/schema/openAPIV3Schema");
                if (!schema.isObject() || !"object".equals(schema.path("type").asText())) {
                    errors.add(p + ".schema.openAPIV3Schema.type: Required value: must be object at the root");
                }
                JsonNode columns = v.path("additionalPrinterColumns");
                for (int c = 0; c < columns.size(); c++) {
                    String jsonPath = columns.get(c).path("jsonPath").asText("");
                    try {
                        parsePath(jsonPath);
                    } catch (IllegalArgumentException e) {
                        errors.add(p + ".additionalPrinterColumns[" + c + "].jsonPath: Invalid value: \"" + jsonPath + "\": " + e.getMessage());
                    }
                    if (columns.get(c).path("name").asText("").isEmpty()) {
                        errors.add(p + ".additionalPrinterColumns[" + c + "].name: Required value");
                    }
                }
            }
            if (storage != 1) {
                errors.add("spec.versions: Invalid value: " + storage + ": must have exactly one version marked as storage version");
            }
        }
        if (errors.isEmpty() && builtIn.builtIn(group, plural)) {
            errors.add("spec.group: Invalid value: \"" + group + "\": " + plural + " is served by the lab itself");
        }
        return errors;
    }

    /** Serves a (valid) CRD's versions, replacing what an earlier state of the same CRD served. */
    void register(JsonNode crd) {
        String name = crd.path("metadata").path("name").asText();
        unregister(name);
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        List<String> keys = new ArrayList<>();
        for (JsonNode v : spec.path("versions")) {
            if (!v.path("served").asBoolean(true)) {
                continue;
            }
            Discovery.Resource resource = new Discovery.Resource(spec.path("group").asText(), v.path("name").asText(),
                    names.path("plural").asText(), names.path("kind").asText(), spec.path("scope").asText().equals("Namespaced"),
                    v.path("subresources").has("status"), strings(names.path("shortNames")), strings(names.path("categories")));
            List<PrinterColumn> columns = new ArrayList<>();
            for (JsonNode c : v.path("additionalPrinterColumns")) {
                columns.add(new PrinterColumn(c.path("name").asText(), c.path("type").asText("string"), c.path("format").asText(""),
                        c.path("description").asText(""), c.path("priority").asInt(0), parsePath(c.path("jsonPath").asText())));
            }
            String key = resource.group() + "/" + resource.version() + "/" + resource.plural();
            versions.put(key, new Version(resource, name, v.at("/schema/openAPIV3Schema"), List.copyOf(columns)));
            keys.add(key);
        }
        byCrd.put(name, keys);
        changes.incrementAndGet();
    }

    void unregister(String crdName) {
        List<String> keys = byCrd.remove(crdName);
        if (keys != null) {
            keys.forEach(versions::remove);
            changes.incrementAndGet();
        }
    }

    /** The status kube-apiserver gives an accepted CRD (kubectl wait --for condition=Established reads it). */
    static ObjectNode acceptedStatus(JsonNode crd, String now) {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.set("acceptedNames", crd.at("/spec/names").deepCopy());
        ArrayNode conditions = status.putArray("conditions");
        conditions.addObject().put("type", "NamesAccepted").put("status", "True").put("reason", "NoConflicts")
                .put("message", "no conflicts found").put("lastTransitionTime", now);
        conditions.addObject().put("type", "Established").put("status", "True").put("reason", "InitialNamesAccepted")
                .put("message", "the initial names have been accepted").put("lastTransitionTime", now);
        ArrayNode stored = status.putArray("storedVersions");
        for (JsonNode v : crd.at("/spec/versions")) {
            if (v.path("storage").asBoolean()) {
                stored.add(v.path("name").asText());
            }
        }
        return status;
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return List.copyOf(list);
    }

    /**
     * The JSONPath subset printer columns use: {@code .a.b}, {@code .a[0].b}, {@code .metadata.creationTimestamp}
     * (also with braces, as kubectl's custom-columns write it).
     */
    static List<Object> parsePath(String jsonPath) {
        String p = jsonPath.strip();
        if (p.startsWith("{") && p.endsWith("}")) {
            p = p.substring(1, p.length() - 1);
        }
        if (!p.startsWith(".") || p.length() < 2) {
            throw new IllegalArgumentException("must be a simple JSON path starting with a dot, e.g. .spec.replicas");
        }
        List<Object> steps = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                String field = p.substring(i + 1, end);
                if (field.isEmpty() || !field.matches("[A-Za-z0-9_-]+")) {
                    throw new IllegalArgumentException("unsupported JSON path (the lab reads .field and [index] only)");
                }
                steps.add(field);
                i = end;
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0 || !p.substring(i + 1, end).matches("[0-9]+")) {
                    throw new IllegalArgumentException("unsupported JSON path (the lab reads .field and [index] only)");
                }
                steps.add(Integer.parseInt(p.substring(i + 1, end)));
                i = end + 1;
            } else {
                throw new IllegalArgumentException("unsupported JSON path (the lab reads .field and [index] only)");
            }
        }
        return List.copyOf(steps);
    }

    /** The value at a parsed path; a missing node when any step is missing. */
    static JsonNode at(JsonNode object, List<Object> path) {
        JsonNode n = object;
        for (Object step : path) {
            n = step instanceof Integer index ? n.path(index) : n.path((String) step);
        }
        return n;
    }
}
