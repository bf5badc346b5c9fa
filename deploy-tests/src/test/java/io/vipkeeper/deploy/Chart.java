package io.vipkeeper.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The chart in deploy/helm/vipkeeper, rendered with the Helm engine helm-java bundles (no helm binary needed).
 * Release name and namespace are those the plain manifests use.
 */
final class Chart {

    static final String RELEASE = "vipkeeper";
    static final String NAMESPACE = "vipkeeper";
    static final String KUBE_VERSION = "v1.32.0";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Chart() {
    }

    /** The repository root (tests run in deploy-tests/). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/helm/vipkeeper"))) {
                return p;
            }
        }
        throw new IllegalStateException("deploy/helm/vipkeeper not found above " + here);
    }

    static Path dir() {
        return root().resolve("deploy/helm/vipkeeper");
    }

    static Path valuesFile(String name) {
        return root().resolve("deploy-tests/src/test/resources/values").resolve(name);
    }

    /** helm template with these values files (none: the chart's defaults); throws with Helm's message on error. */
    static String template(Path... valuesFiles) {
        // helm-java defaults to Kubernetes 1.20; render for a current cluster, as `helm template` does
        TemplateCommand t = new Helm(dir()).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        for (Path v : valuesFiles) {
            t = t.withValuesFile(v);
        }
        return t.call();
    }

    /** Helm's error for these values, if rendering fails. */
    static Optional<String> templateError(Path... valuesFiles) {
        try {
            template(valuesFiles);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /** The objects of a rendered stream, in order (empty documents dropped). */
    static List<ObjectNode> objects(String rendered) {
        List<ObjectNode> out = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(rendered)) {
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode n = it.next();
                if (n != null && n.isObject() && n.size() > 0) {
                    out.add((ObjectNode) n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<ObjectNode> render(Path... valuesFiles) {
        return objects(template(valuesFiles));
    }

    static List<ObjectNode> ofKind(List<ObjectNode> objects, String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    static ObjectNode one(List<ObjectNode> objects, String kind, String nameSuffix) {
        List<ObjectNode> found = objects.stream().filter(o -> kind.equals(o.path("kind").asText())
                && o.path("metadata").path("name").asText().endsWith(nameSuffix)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " named *" + nameSuffix + ", found " + found.size());
        }
        return found.get(0);
    }
}
