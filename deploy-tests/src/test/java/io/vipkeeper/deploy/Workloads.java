package io.vipkeeper.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The containers of rendered Deployments and DaemonSets, their args and plain env values. */
final class Workloads {

    record Container(String workload, String component, JsonNode spec, JsonNode podSpec) {
        List<String> args() {
            List<String> out = new ArrayList<>();
            spec.path("args").forEach(a -> out.add(a.asText()));
            return out;
        }

        /** The subcommand path ("controller", "agent", "dns publish") and the remaining flags. */
        String command() {
            List<String> a = args();
            return a.get(0).equals("dns") ? "dns " + a.get(1) : a.get(0);
        }

        List<String> flags() {
            List<String> a = args();
            return a.subList(a.get(0).equals("dns") ? 2 : 1, a.size());
        }

        /** env with values; downward-API fields become what the API server fills in for a pod of the release. */
        Map<String, String> env(String nodeName) {
            Map<String, String> out = new LinkedHashMap<>();
            for (JsonNode e : spec.path("env")) {
                String field = e.path("valueFrom").path("fieldRef").path("fieldPath").asText(null);
                String v = field == null ? e.path("value").asText()
                        : switch (field) {
                            case "metadata.name" -> workload + "-abcde";
                            case "metadata.namespace" -> Chart.NAMESPACE;
                            case "spec.nodeName" -> nodeName;
                            default -> throw new AssertionError("unexpected fieldRef " + field);
                        };
                out.put(e.path("name").asText(), v);
            }
            return out;
        }

        /** The containerPort of a named port. */
        int port(String name) {
            for (JsonNode p : spec.path("ports")) {
                if (p.path("name").asText().equals(name)) {
                    return p.path("containerPort").asInt();
                }
            }
            throw new AssertionError(workload + ": no port named " + name);
        }
    }

    private Workloads() {
    }

    static List<Container> containers(List<ObjectNode> objects) {
        List<Container> out = new ArrayList<>();
        for (ObjectNode o : objects) {
            String kind = o.path("kind").asText();
            if (kind.equals("Deployment") || kind.equals("DaemonSet")) {
                JsonNode pod = o.path("spec").path("template").path("spec");
                for (JsonNode c : pod.path("containers")) {
                    out.add(new Container(o.path("metadata").path("name").asText(),
                            o.path("metadata").path("labels").path("app.kubernetes.io/component").asText(), c, pod));
                }
            }
        }
        return out;
    }

    static Container component(List<ObjectNode> objects, String component) {
        return containers(objects).stream().filter(c -> c.component().equals(component)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + component + " container"));
    }
}
