package io.vipkeeper.agent;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vipkeeper.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Kubernetes objects read from YAML files, as fabric8 model objects (what {@code vipkeeper render} plans from).
 * {@code unreadable} names the objects that could not be read as their kind (a port of 99999999999), each with its
 * field: they are left out, as the agent leaves out an object that does not translate.
 */
public record ClusterObjects(List<ConfigMap> configMaps, List<Service> services, List<EndpointSlice> endpointSlices,
                             List<Endpoints> endpoints, List<Node> nodes, List<String> ignored, List<String> unreadable) {

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    public ClusterObjects {
        configMaps = List.copyOf(configMaps);
        services = List.copyOf(services);
        endpointSlices = List.copyOf(endpointSlices);
        endpoints = List.copyOf(endpoints);
        nodes = List.copyOf(nodes);
        ignored = List.copyOf(ignored);
        unreadable = List.copyOf(unreadable);
    }

    public ClusterObjects(List<ConfigMap> configMaps, List<Service> services, List<EndpointSlice> endpointSlices,
                          List<Endpoints> endpoints, List<Node> nodes, List<String> ignored) {
        this(configMaps, services, endpointSlices, endpoints, nodes, ignored, List.of());
    }

    /**
     * Reads YAML or JSON files: a List, or one or more {@code ---}-separated documents. A file that is no YAML is an
     * error; an object that is not valid for its kind is left out and named in {@link #unreadable}.
     */
    public static ClusterObjects read(List<Path> files) {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<Object> all = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (Path f : files) {
            List<JsonNode> documents;
            try {
                documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(f)).readAll();
            } catch (IOException | RuntimeException e) {
                throw new InvalidInputException(f + ": not Kubernetes objects in YAML or JSON: " + firstLine(e.getMessage()));
            }
            for (JsonNode doc : documents) {
                if (doc == null || doc.isNull() || doc.isMissingNode()) {
                    continue;
                }
                // the items of a List one by one, so one bad item does not take the others with it
                boolean list = doc.path("kind").asText("").endsWith("List") && doc.path("items").isArray();
                for (JsonNode object : list ? doc.path("items") : List.of(doc)) {
                    try {
                        flatten(serialization.unmarshal(JSON.writeValueAsString(object)), all);
                    } catch (IOException | RuntimeException e) {
                        unreadable.add(describe(object) + ": " + why(e));
                    }
                }
            }
        }
        ClusterObjects read = of(all);
        return new ClusterObjects(read.configMaps, read.services, read.endpointSlices, read.endpoints, read.nodes,
                read.ignored, unreadable);
    }

    /** {@code Service default/web}, from the document's own kind and metadata (quoted when not plain). */
    private static String describe(JsonNode object) {
        String kind = object.path("kind").asText("");
        String ns = object.path("metadata").path("namespace").asText("");
        String name = object.path("metadata").path("name").asText("");
        String id = (ns.isEmpty() ? "" : ns + "/") + name;
        return (kind.matches("[A-Za-z]{1,63}") ? kind : InvalidInputException.quote(kind)) + " "
                + (id.matches("[a-z0-9./-]{1,253}") ? id : InvalidInputException.quote(id));
    }

    /** The field and the reason, from the Jackson error inside fabric8's ("An error has occurred."). */
    private static String why(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JsonMappingException m) {
                StringBuilder path = new StringBuilder();
                for (JsonMappingException.Reference r : m.getPath()) {
                    if (r.getFieldName() != null) {
                        path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                    } else if (r.getIndex() >= 0) {
                        path.append('[').append(r.getIndex()).append(']');
                    }
                }
                // Jackson names Java types (`java.lang.Integer`): shortened to the simple name
                String reason = firstLine(m.getOriginalMessage()).replaceAll("`(?:[a-z0-9_]+\\.)*([A-Za-z0-9_$]+)`", "$1");
                return path.length() == 0 ? reason : path + ": " + reason;
            }
        }
        return firstLine(e.getMessage());
    }

    private static String firstLine(String s) {
        return s == null ? "(no message)" : s.lines().findFirst().orElse("");
    }

    public static ClusterObjects of(Collection<?> objects) {
        List<ConfigMap> cms = new ArrayList<>();
        List<Service> svcs = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        List<Endpoints> eps = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (Object o : objects) {
            if (o instanceof ConfigMap cm) {
                cms.add(cm);
            } else if (o instanceof Service s) {
                svcs.add(s);
            } else if (o instanceof EndpointSlice es) {
                slices.add(es);
            } else if (o instanceof Endpoints e) {
                eps.add(e);
            } else if (o instanceof Node n) {
                nodes.add(n);
            } else if (o instanceof HasMetadata h) {
                ignored.add(KubeTranslator.describe(h));
            } else if (o != null) {
                ignored.add(o.getClass().getSimpleName());
            }
        }
        return new ClusterObjects(cms, svcs, slices, eps, nodes, ignored);
    }

    private static void flatten(Object parsed, List<Object> out) {
        if (parsed instanceof KubernetesList list) {
            for (HasMetadata h : list.getItems()) {
                flatten(h, out);
            }
        } else if (parsed instanceof Collection<?> c) {
            for (Object o : c) {
                flatten(o, out);
            }
        } else if (parsed instanceof KubernetesResource) {
            out.add(parsed);
        } else if (parsed != null) {
            throw new InvalidInputException("not a Kubernetes object: " + parsed.getClass().getSimpleName());
        }
    }
}
