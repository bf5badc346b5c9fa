package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What the lab API serves: the resource catalog, the discovery documents kubectl needs to map kinds to
 * URLs ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/GROUP/VERSION}), {@code /version}, and a
 * minimal OpenAPI v3. kubectl (1.27+) checks the OpenAPI v3 PATCH operation of a kind for the
 * {@code fieldValidation} query parameter: when it is there, kubectl leaves validation to the server and
 * skips client-side schema validation, so {@code kubectl create -f} works without {@code --validate=false}.
 */
final class Discovery {

    record Resource(String group, String version, String plural, String kind, boolean namespaced, boolean hasStatus,
                    List<String> shortNames, List<String> categories) {
        String groupVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        String basePath() {
            return group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        }
    }

    private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> STATUS_VERBS = List.of("get", "patch", "update");
    private static final List<String> ALL = List.of("all");

    static final List<Resource> BUILT_IN = List.of(
            new Resource("", "v1", "namespaces", "Namespace", false, true, List.of("ns"), List.of()),
            new Resource("", "v1", "services", "Service", true, true, List.of("svc"), ALL),
            new Resource("", "v1", "endpoints", "Endpoints", true, false, List.of("ep"), List.of()),
            new Resource("", "v1", "pods", "Pod", true, true, List.of("po"), ALL),
            new Resource("", "v1", "nodes", "Node", false, true, List.of("no"), List.of()),
            new Resource("", "v1", "configmaps", "ConfigMap", true, false, List.of("cm"), List.of()),
            new Resource("", "v1", "events", "Event", true, false, List.of("ev"), List.of()),
            new Resource("", "v1", "secrets", "Secret", true, false, List.of(), List.of()),
            new Resource("", "v1", "serviceaccounts", "ServiceAccount", true, false, List.of("sa"), List.of()),
            new Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false, List.of(), List.of()),
            new Resource("coordination.k8s.io", "v1", "leases", "Lease", true, false, List.of(), List.of()),
            new Resource("events.k8s.io", "v1", "events", "Event", true, false, List.of(), List.of()),
            new Resource("apps", "v1", "deployments", "Deployment", true, true, List.of("deploy"), ALL),
            new Resource("apps", "v1", "daemonsets", "DaemonSet", true, true, List.of("ds"), ALL),
            // for `kubectl apply -k deploy/manifests`: the RBAC objects the plain manifests hold
            new Resource("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false, List.of(), List.of()),
            new Resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false, List.of(), List.of()),
            new Resource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false, List.of(), List.of()),
            new Resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false, List.of(), List.of()),
            new Resource(CustomResources.GROUP, "v1", CustomResources.PLURAL, "CustomResourceDefinition", false, true,
                    List.of("crd", "crds"), List.of("api-extensions")));

    private static final Map<String, Resource> BUILT_IN_BY_PATH = BUILT_IN.stream()
            .collect(Collectors.toMap(r -> r.groupVersion() + "/" + r.plural(), r -> r));


    static final String GIT_VERSION = "v1.32.0-vipkeeper-lab";

    private final CustomResources custom;

    Discovery(CustomResources custom) {
        this.custom = custom;
    }

    boolean builtIn(String group, String plural) {
        return BUILT_IN.stream().anyMatch(r -> r.group().equals(group) && r.plural().equals(plural));
    }

    Optional<Resource> find(String group, String version, String plural) {
        Resource r = BUILT_IN_BY_PATH.get((group.isEmpty() ? version : group + "/" + version) + "/" + plural);
        return r != null ? Optional.of(r) : custom.find(group, version, plural).map(CustomResources.Version::resource);
    }

    /** Group versions in discovery order (the core group is ""): built-in ones, then those of CRDs. */
    private Map<String, List<Resource>> groupVersions() {
        Map<String, List<Resource>> all = new LinkedHashMap<>();
        BUILT_IN.forEach(r -> all.computeIfAbsent(r.groupVersion(), x -> new ArrayList<>()).add(r));
        custom.all().stream().map(CustomResources.Version::resource)
                .sorted(Comparator.comparing(Resource::group).thenComparing(Resource::version).thenComparing(Resource::plural))
                .forEach(r -> all.computeIfAbsent(r.groupVersion(), x -> new ArrayList<>()).add(r));
        return all;
    }

    /** The document served at {@code path} (no query), if it is a discovery, version or OpenAPI path. */
    Optional<Object> document(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/version")) {
            Map<String, String> v = new LinkedHashMap<>();
            v.put("major", "1");
            v.put("minor", "32");
            v.put("gitVersion", GIT_VERSION);
            v.put("platform", "linux/amd64");
            return Optional.of(v);
        }
        if (p.equals("/api")) {
            return Optional.of(new APIVersionsBuilder().withVersions("v1").build());
        }
        Map<String, List<Resource>> byGroupVersion = groupVersions();
        if (p.equals("/apis")) {
            Map<String, List<GroupVersionForDiscovery>> groups = new LinkedHashMap<>();
            byGroupVersion.values().stream().map(rs -> rs.get(0)).filter(r -> !r.group().isEmpty())
                    .forEach(r -> groups.computeIfAbsent(r.group(), g -> new ArrayList<>())
                            .add(new GroupVersionForDiscovery(r.groupVersion(), r.version())));
            return Optional.of(new APIGroupListBuilder().withGroups(groups.entrySet().stream()
                    .map(g -> new APIGroupBuilder().withName(g.getKey()).withVersions(g.getValue())
                            .withPreferredVersion(g.getValue().get(0)).build())
                    .toList()).build());
        }
        if (p.startsWith("/apis/") && p.split("/").length == 3) {
            String group = p.substring("/apis/".length());
            List<GroupVersionForDiscovery> versions = byGroupVersion.values().stream().map(rs -> rs.get(0))
                    .filter(r -> r.group().equals(group)).map(r -> new GroupVersionForDiscovery(r.groupVersion(), r.version())).toList();
            return versions.isEmpty() ? Optional.empty() : Optional.of(new APIGroupBuilder().withName(group).withVersions(versions)
                    .withPreferredVersion(versions.get(0)).build());
        }
        if (p.equals("/openapi/v3")) {
            return Optional.of(openApiRoot(byGroupVersion));
        }
        if (p.startsWith("/openapi/v3/")) {
            return Optional.ofNullable(byGroupVersion.get(groupVersionOf(p.substring("/openapi/v3/".length()))))
                    .map(this::openApi);
        }
        String gv = p.startsWith("/api/") || p.startsWith("/apis/") ? groupVersionOf(p.substring(1)) : null;
        if (gv != null && byGroupVersion.containsKey(gv) && p.equals(byGroupVersion.get(gv).get(0).basePath())) {
            return Optional.of(resourceList(gv, byGroupVersion.get(gv)));
        }
        return Optional.empty();
    }

    /** "api/v1" → "v1", "apis/apps/v1" → "apps/v1"; anything else → null. */
    private static String groupVersionOf(String apiPath) {
        String[] s = apiPath.split("/");
        if (s.length == 2 && s[0].equals("api")) {
            return s[1];
        }
        if (s.length == 3 && s[0].equals("apis")) {
            return s[1] + "/" + s[2];
        }
        return null;
    }

    private static Object resourceList(String groupVersion, List<Resource> resources) {
        List<APIResource> list = new ArrayList<>();
        for (Resource r : resources) {
            list.add(new APIResourceBuilder().withName(r.plural()).withSingularName(r.kind().toLowerCase(Locale.ROOT))
                    .withNamespaced(r.namespaced()).withKind(r.kind()).withVerbs(VERBS)
                    .withShortNames(r.shortNames()).withCategories(r.categories()).build());
            if (r.hasStatus()) {
                list.add(new APIResourceBuilder().withName(r.plural() + "/status").withSingularName("")
                        .withNamespaced(r.namespaced()).withKind(r.kind()).withVerbs(STATUS_VERBS).build());
            }
        }
        return new APIResourceListBuilder().withGroupVersion(groupVersion).withResources(list).build();
    }

    private ObjectNode openApiRoot(Map<String, List<Resource>> byGroupVersion) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode paths = root.putObject("paths");
        // the hash lets kubectl cache the documents; it changes whenever a CRD does
        byGroupVersion.values().forEach(rs -> paths.putObject(rs.get(0).basePath().substring(1))
                .put("serverRelativeURL", "/openapi/v3" + rs.get(0).basePath() + "?hash=vipkeeper-lab-" + custom.changes()));
        return root;
    }

    /**
     * Just enough OpenAPI for kubectl: one PATCH operation per kind (its field-validation check), and for custom
     * resources the CRD's schema (kubectl explain reads it); built-in kinds have no schemas.
     */
    private ObjectNode openApi(List<Resource> resources) {
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "vipkeeper lab (in-memory, no schemas)").put("version", GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        for (Resource r : resources) {
            String path = r.basePath() + (r.namespaced() ? "/namespaces/{namespace}/" : "/") + r.plural() + "/{name}";
            ObjectNode patch = paths.putObject(path).putObject("patch");
            patch.putObject("x-kubernetes-group-version-kind")
                    .put("group", r.group()).put("version", r.version()).put("kind", r.kind());
            patch.putArray("parameters").addObject()
                    .put("name", "fieldValidation").put("in", "query").putObject("schema").put("type", "string");
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        for (Resource r : resources) {
            custom.find(r.group(), r.version(), r.plural()).ifPresent(v -> {
                ObjectNode schema = v.schema().deepCopy();
                ObjectNode properties = schema.get("properties") instanceof ObjectNode o ? o : schema.putObject("properties");
                properties.putObject("apiVersion").put("type", "string")
                        .put("description", "APIVersion defines the versioned schema of this representation of an object.");
                properties.putObject("kind").put("type", "string")
                        .put("description", "Kind is a string value representing the REST resource this object represents.");
                properties.putObject("metadata").put("type", "object")
                        .put("description", "Standard object's metadata.");
                schema.putArray("x-kubernetes-group-version-kind").addObject()
                        .put("group", r.group()).put("version", r.version()).put("kind", r.kind());
                String[] reversed = r.group().split("\\.");
                StringBuilder name = new StringBuilder();
                for (int i = reversed.length - 1; i >= 0; i--) {
                    name.append(reversed[i]).append('.');
                }
                schemas.set(name + r.version() + "." + r.kind(), schema);
            });
        }
        return doc;
    }
}
