package io.vipkeeper.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Server-side printing: kubectl get asks for {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io} and prints
 * the columns the server sends. The columns follow kube-apiserver's printers for the kinds vipkeeper users look at;
 * any other kind gets NAME and AGE. Like the real server, every column is sent and kubectl hides priority-1
 * columns unless {@code -o wide}.
 */
final class Tables {

    private record Column(String name, String type, String format, String description, int priority, Function<JsonNode, Object> cell) {
        static Column of(String name, Function<JsonNode, Object> cell) {
            return new Column(name, "string", "", name, 0, cell);
        }

        static Column wide(String name, Function<JsonNode, Object> cell) {
            return new Column(name, "string", "", name, 1, cell);
        }
    }

    /**
     * A CRD's columns, as kube-apiserver builds them: NAME, then its additionalPrinterColumns (NAME and AGE when it
     * has none); a date is printed as an age, a missing value as null (kubectl leaves the cell empty).
     */
    private static List<Column> customColumns(CustomResources.Version version, Instant now) {
        List<Column> columns = new ArrayList<>();
        columns.add(new Column("Name", "string", "name", "Name must be unique within a namespace.", 0, o -> text(o, "/metadata/name")));
        if (version.columns().isEmpty()) {
            columns.add(Column.of("Age", o -> since(text(o, "/metadata/creationTimestamp"), now)));
        }
        for (CustomResources.PrinterColumn c : version.columns()) {
            columns.add(new Column(c.name(), c.type(), c.format(), c.description(), c.priority(), o -> {
                JsonNode v = CustomResources.at(o, c.path());
                if (v.isMissingNode() || v.isNull()) {
                    return null;
                }
                return switch (c.type()) {
                    case "date" -> since(v.asText(), now);
                    case "integer" -> v.isNumber() ? (Object) v.asLong() : v.asText();
                    case "number" -> v.isNumber() ? (Object) v.asDouble() : v.asText();
                    case "boolean" -> v.isBoolean() ? (Object) v.asBoolean() : v.asText();
                    default -> v.isValueNode() ? v.asText() : v.toString();
                };
            }));
        }
        return columns;
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Tables() {
    }

    static boolean requested(String accept) {
        return accept != null && accept.contains("as=Table");
    }

    /**
     * @param includeObject the request's includeObject: Object (whole object), None, else Metadata (the default)
     */
    static ObjectNode table(Discovery.Resource resource, Optional<CustomResources.Version> custom, List<? extends JsonNode> objects,
                            String resourceVersion, String includeObject, Instant now) {
        List<Column> columns = custom.isPresent() ? customColumns(custom.get(), now) : columns(resource.plural(), now);
        ObjectNode table = F.objectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", resourceVersion == null ? "" : resourceVersion);
        ArrayNode defs = table.putArray("columnDefinitions");
        for (Column c : columns) {
            defs.addObject().put("name", c.name()).put("type", c.type())
                    .put("format", c.name().equals("Name") ? "name" : c.format()).put("description", c.description()).put("priority", c.priority());
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column c : columns) {
                Object cell = c.cell().apply(o);
                if (cell == null) {
                    cells.addNull();
                } else if (cell instanceof Double d) {
                    cells.add(d);
                } else if (cell instanceof Number n) {
                    cells.add(n.longValue());
                } else if (cell instanceof Boolean b) {
                    cells.add(b);
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            if ("Object".equals(includeObject)) {
                row.set("object", o);
            } else if (!"None".equals(includeObject)) {
                row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1")
                        .set("metadata", o.path("metadata"));
            }
        }
        return table;
    }

    private static List<Column> columns(String plural, Instant now) {
        Column name = Column.of("Name", o -> text(o, "/metadata/name"));
        Column age = Column.of("Age", o -> since(text(o, "/metadata/creationTimestamp"), now));
        return switch (plural) {
            case "services" -> List.of(name, Column.of("Type", o -> or(text(o, "/spec/type"), "ClusterIP")),
                    Column.of("Cluster-IP", Tables::clusterIp), Column.of("External-IP", Tables::externalIp),
                    Column.of("Port(s)", Tables::ports), age, Column.wide("Selector", o -> labels(o.path("spec").path("selector"))));
            case "configmaps" -> List.of(name, Column.of("Data", o -> o.path("data").size() + o.path("binaryData").size()), age);
            case "secrets" -> List.of(name, Column.of("Type", o -> text(o, "/type")), Column.of("Data", o -> o.path("data").size()), age);
            case "namespaces" -> List.of(name, Column.of("Status", o -> or(text(o, "/status/phase"), "Active")), age);
            case "pods" -> List.of(name, Column.of("Ready", Tables::podReady),
                    Column.of("Status", o -> or(text(o, "/status/reason"), or(text(o, "/status/phase"), "Pending"))),
                    Column.of("Restarts", o -> stream(o.path("status").path("containerStatuses")).mapToInt(c -> c.path("restartCount").asInt()).sum()),
                    age, Column.wide("IP", o -> or(text(o, "/status/podIP"), "<none>")),
                    Column.wide("Node", o -> or(text(o, "/spec/nodeName"), "<none>")));
            case "nodes" -> List.of(name, Column.of("Status", Tables::nodeStatus), Column.of("Roles", Tables::nodeRoles), age,
                    Column.of("Version", o -> text(o, "/status/nodeInfo/kubeletVersion")),
                    Column.wide("Internal-IP", o -> nodeAddress(o, "InternalIP")),
                    Column.wide("External-IP", o -> nodeAddress(o, "ExternalIP")));
            case "endpoints" -> List.of(name, Column.of("Endpoints", Tables::endpoints), age);
            case "endpointslices" -> List.of(name, Column.of("AddressType", o -> text(o, "/addressType")),
                    Column.of("Ports", o -> or(join(stream(o.path("ports")).map(p -> p.path("port").asText("")).toList(), 0), "<unset>")),
                    Column.of("Endpoints", o -> or(join(stream(o.path("endpoints")).flatMap(e -> stream(e.path("addresses")))
                            .map(JsonNode::asText).toList(), 3), "<unset>")), age);
            case "events" -> eventColumns(now);
            case "leases" -> List.of(name, Column.of("Holder", o -> text(o, "/spec/holderIdentity")), age);
            case "deployments" -> List.of(name,
                    Column.of("Ready", o -> o.path("status").path("readyReplicas").asInt() + "/" + o.path("spec").path("replicas").asInt(1)),
                    Column.of("Up-to-date", o -> o.path("status").path("updatedReplicas").asInt()),
                    Column.of("Available", o -> o.path("status").path("availableReplicas").asInt()), age);
            case "daemonsets" -> List.of(name,
                    Column.of("Desired", o -> o.path("status").path("desiredNumberScheduled").asInt()),
                    Column.of("Current", o -> o.path("status").path("currentNumberScheduled").asInt()),
                    Column.of("Ready", o -> o.path("status").path("numberReady").asInt()),
                    Column.of("Up-to-date", o -> o.path("status").path("updatedNumberScheduled").asInt()),
                    Column.of("Available", o -> o.path("status").path("numberAvailable").asInt()),
                    Column.of("Node Selector", o -> labels(o.at("/spec/template/spec/nodeSelector"))), age);
            default -> List.of(name, age);
        };
    }

    /** core/v1 Events, and events.k8s.io/v1 Events (regarding, note, deprecated* fields). */
    private static List<Column> eventColumns(Instant now) {
        Function<JsonNode, JsonNode> object = o -> o.has("involvedObject") ? o.path("involvedObject") : o.path("regarding");
        Function<JsonNode, String> first = o -> or(or(text(o, "/firstTimestamp"), text(o, "/deprecatedFirstTimestamp")), text(o, "/eventTime"));
        Function<JsonNode, String> last = o -> or(or(text(o, "/series/lastObservedTime"),
                or(text(o, "/lastTimestamp"), text(o, "/deprecatedLastTimestamp"))), first.apply(o));
        return List.of(
                Column.of("Last Seen", o -> since(last.apply(o), now)),
                Column.of("Type", o -> text(o, "/type")),
                Column.of("Reason", o -> text(o, "/reason")),
                Column.of("Object", o -> text(object.apply(o), "/kind").toLowerCase(Locale.ROOT) + "/" + text(object.apply(o), "/name")),
                Column.wide("Subobject", o -> text(object.apply(o), "/fieldPath")),
                Column.wide("Source", o -> or(text(o, "/source/component"), text(o, "/reportingController"))
                        + (text(o, "/source/host").isEmpty() ? "" : ", " + text(o, "/source/host"))),
                Column.of("Message", o -> or(text(o, "/message"), text(o, "/note")).strip()),
                Column.wide("First Seen", o -> since(first.apply(o), now)),
                Column.wide("Count", o -> Math.max(1, o.path("count").asInt(o.path("deprecatedCount").asInt()))),
                Column.wide("Name", o -> text(o, "/metadata/name")));
    }

    private static String clusterIp(JsonNode svc) {
        return or(or(text(svc, "/spec/clusterIPs/0"), text(svc, "/spec/clusterIP")), "<none>");
    }

    /** As kube-apiserver prints it: load-balancer ingress IPs (else hostnames), sorted, plus spec.externalIPs. */
    private static String externalIp(JsonNode svc) {
        List<String> externalIps = stream(svc.path("spec").path("externalIPs")).map(JsonNode::asText).toList();
        String type = or(text(svc, "/spec/type"), "ClusterIP");
        switch (type) {
            case "ClusterIP", "NodePort":
                return or(String.join(",", externalIps), "<none>");
            case "ExternalName":
                return text(svc, "/spec/externalName");
            case "LoadBalancer":
                TreeSet<String> ingress = new TreeSet<>();
                for (JsonNode i : svc.path("status").path("loadBalancer").path("ingress")) {
                    String value = or(text(i, "/ip"), text(i, "/hostname"));
                    if (!value.isEmpty()) {
                        ingress.add(value);
                    }
                }
                List<String> all = new ArrayList<>(ingress);
                all.addAll(externalIps);
                return or(String.join(",", all), "<pending>");
            default:
                return "<unknown>";
        }
    }

    private static String ports(JsonNode svc) {
        List<String> parts = new ArrayList<>();
        for (JsonNode p : svc.path("spec").path("ports")) {
            String protocol = or(text(p, "/protocol"), "TCP");
            int nodePort = p.path("nodePort").asInt();
            parts.add(p.path("port").asInt() + (nodePort > 0 ? ":" + nodePort : "") + "/" + protocol);
        }
        return or(String.join(",", parts), "<none>");
    }

    private static String podReady(JsonNode pod) {
        long ready = stream(pod.path("status").path("containerStatuses")).filter(c -> c.path("ready").asBoolean()).count();
        return ready + "/" + pod.path("spec").path("containers").size();
    }

    private static String nodeStatus(JsonNode node) {
        String status = stream(node.path("status").path("conditions"))
                .filter(c -> text(c, "/type").equals("Ready"))
                .map(c -> switch (text(c, "/status")) {
                    case "True" -> "Ready";
                    case "False" -> "NotReady";
                    default -> "Unknown";
                })
                .findFirst().orElse("Unknown");
        return node.path("spec").path("unschedulable").asBoolean() ? status + ",SchedulingDisabled" : status;
    }

    private static String nodeRoles(JsonNode node) {
        TreeSet<String> roles = new TreeSet<>();
        node.path("metadata").path("labels").fieldNames().forEachRemaining(l -> {
            if (l.startsWith("node-role.kubernetes.io/") && l.length() > "node-role.kubernetes.io/".length()) {
                roles.add(l.substring("node-role.kubernetes.io/".length()));
            }
        });
        return or(String.join(",", roles), "<none>");
    }

    private static String nodeAddress(JsonNode node, String type) {
        return or(stream(node.path("status").path("addresses")).filter(a -> text(a, "/type").equals(type))
                .map(a -> text(a, "/address")).findFirst().orElse(""), "<none>");
    }

    private static String endpoints(JsonNode ep) {
        List<String> list = new ArrayList<>();
        for (JsonNode subset : ep.path("subsets")) {
            for (JsonNode a : subset.path("addresses")) {
                if (subset.path("ports").isEmpty()) {
                    list.add(text(a, "/ip"));
                }
                for (JsonNode p : subset.path("ports")) {
                    list.add(text(a, "/ip") + ":" + p.path("port").asInt());
                }
            }
        }
        return or(join(list, 3), "<none>");
    }

    /** At most {@code max} items (0: all), then " + N more..." like kubectl. */
    private static String join(List<String> items, int max) {
        if (max == 0 || items.size() <= max) {
            return String.join(",", items);
        }
        return String.join(",", items.subList(0, max)) + " + " + (items.size() - max) + " more...";
    }

    private static String labels(JsonNode map) {
        Map<String, String> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        return or(String.join(",", sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()), "<none>");
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    private static String text(JsonNode node, String pointer) {
        JsonNode n = node.at(pointer);
        return n.isValueNode() ? n.asText() : "";
    }

    private static String or(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** kubectl's AGE format (k8s.io/apimachinery duration.HumanDuration); "<unknown>" without a timestamp. */
    static String since(String timestamp, Instant now) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(timestamp), now));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
