package io.vipkeeper.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
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
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Kubernetes objects read from YAML files, as fabric8 model objects (what {@code vipkeeper render} plans from). */
public record ClusterObjects(List<ConfigMap> configMaps, List<Service> services, List<EndpointSlice> endpointSlices,
                             List<Endpoints> endpoints, List<Node> nodes, List<String> ignored) {

    public ClusterObjects {
        configMaps = List.copyOf(configMaps);
        services = List.copyOf(services);
        endpointSlices = List.copyOf(endpointSlices);
        endpoints = List.copyOf(endpoints);
        nodes = List.copyOf(nodes);
        ignored = List.copyOf(ignored);
    }

    /** Reads YAML or JSON files: a List, or one or more {@code ---}-separated documents. */
    public static ClusterObjects read(List<Path> files) {
        KubernetesSerialization serialization = new KubernetesSerialization();
        List<Object> all = new ArrayList<>();
        for (Path f : files) {
            Object parsed;
            try (InputStream in = Files.newInputStream(f)) {
                parsed = serialization.unmarshal(in);
            } catch (IOException e) {
                throw new InvalidInputException("cannot read " + f + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new InvalidInputException(f + ": not Kubernetes objects in YAML or JSON: " + reason(e));
            }
            flatten(parsed, all);
        }
        return of(all);
    }

    /**
     * What the parser found, and in which field: fabric8 wraps it as "An error has occurred." (e.g. a port of
     * 99999999999), and Jackson names Java types, which are shortened here.
     */
    static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String where = "";
        if (t instanceof JsonMappingException j) {
            m = j.getOriginalMessage();
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : j.getPath()) {
                path.append(r.getFieldName() != null ? (path.length() == 0 ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            where = path.length() == 0 ? "" : path + ": ";
        } else if (t instanceof JsonProcessingException j) {
            m = j.getOriginalMessage();
        }
        String line = m.lines().findFirst().orElse(m);
        return where + line.replaceAll("`(?:[a-z0-9_]+\\.)*([A-Za-z0-9_$]+)`", "$1");
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
