package io.vipkeeper.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules the rendered chart grants a service account, and an authorizer with Kubernetes RBAC's semantics for
 * the calls recorded: a Role applies in its namespace, a ClusterRole bound by a ClusterRoleBinding everywhere;
 * resourceNames allow get/update/patch/delete of those names, and list/watch with a metadata.name field selector
 * naming one of them (as the API server does); create is never restricted by name.
 */
final class Rbac {

    record Rule(String role, String namespace, List<String> groups, List<String> resources, List<String> verbs, List<String> names) {
        boolean allows(ApiRecorder.Call c, String verb, String resource) {
            if (namespace != null && !namespace.equals(c.namespace())) {
                return false;
            }
            if (!groups.contains(c.group()) || !resources.contains(resource) || !verbs.contains(verb)) {
                return false;
            }
            if (names.isEmpty()) {
                return true;
            }
            String n = c.name() != null ? c.name() : (verb.equals("list") || verb.equals("watch")) ? c.fieldName() : null;
            return n != null && names.contains(n);
        }

        boolean allows(ApiRecorder.Call c) {
            return allows(c, c.verb(), c.resource());
        }
    }

    /** One granted (verb, resource) of one rule, for the "nothing unused" direction. */
    record Grant(Rule rule, String verb, String resource) {
        @Override
        public String toString() {
            return rule.role() + ": " + verb + " " + (rule.groups().get(0).isEmpty() ? "" : rule.groups().get(0) + "/") + resource
                    + (rule.names().isEmpty() ? "" : " " + rule.names());
        }
    }

    private Rbac() {
    }

    /** Every rule bound to the service account namespace/name in these objects. */
    static List<Rule> rulesFor(List<ObjectNode> objects, String namespace, String serviceAccount) {
        List<Rule> out = new ArrayList<>();
        for (ObjectNode b : objects) {
            String kind = b.path("kind").asText();
            if (!kind.equals("RoleBinding") && !kind.equals("ClusterRoleBinding")) {
                continue;
            }
            boolean bound = false;
            for (JsonNode s : b.path("subjects")) {
                bound |= s.path("kind").asText().equals("ServiceAccount") && s.path("name").asText().equals(serviceAccount)
                        && s.path("namespace").asText().equals(namespace);
            }
            if (!bound) {
                continue;
            }
            String roleKind = b.path("roleRef").path("kind").asText();
            String roleName = b.path("roleRef").path("name").asText();
            String bindingNs = kind.equals("RoleBinding") ? b.path("metadata").path("namespace").asText() : null;
            ObjectNode role = objects.stream().filter(o -> o.path("kind").asText().equals(roleKind)
                            && o.path("metadata").path("name").asText().equals(roleName)
                            && (roleKind.equals("ClusterRole") || o.path("metadata").path("namespace").asText().equals(bindingNs)))
                    .findFirst().orElseThrow(() -> new AssertionError(kind + " " + b.path("metadata").path("name").asText()
                            + " refers to a missing " + roleKind + " " + roleName));
            for (JsonNode r : role.path("rules")) {
                out.add(new Rule(roleKind + " " + roleName + (bindingNs == null ? "" : " in " + bindingNs), bindingNs,
                        strings(r.path("apiGroups")), strings(r.path("resources")), strings(r.path("verbs")), strings(r.path("resourceNames"))));
            }
        }
        return out;
    }

    static List<ApiRecorder.Call> notAllowed(List<Rule> rules, List<ApiRecorder.Call> calls) {
        return calls.stream().filter(c -> rules.stream().noneMatch(r -> r.allows(c))).toList();
    }

    static List<Grant> unused(List<Rule> rules, List<ApiRecorder.Call> calls) {
        Set<Grant> out = new LinkedHashSet<>();
        for (Rule r : rules) {
            for (String resource : r.resources()) {
                for (String verb : r.verbs()) {
                    if (calls.stream().noneMatch(c -> c.verb().equals(verb) && c.resource().equals(resource) && r.allows(c))) {
                        out.add(new Grant(r, verb, resource));
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }
}
