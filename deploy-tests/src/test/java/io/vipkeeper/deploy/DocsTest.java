package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The values files the docs tell readers to write install as they are; the docs' links resolve. */
class DocsTest {

    static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\\n(# (\\S+values\\.yaml)[^\\n]*\\n.*?)```");

    record Example(String doc, String name, String yaml) {
        @Override
        public String toString() {
            return doc + ": " + name;
        }
    }

    static List<Path> docs() throws Exception {
        List<Path> out = new ArrayList<>();
        try (var files = Files.walk(Chart.root().resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    static Stream<Example> examples() throws Exception {
        List<Example> out = new ArrayList<>();
        for (Path d : docs()) {
            Matcher m = YAML_BLOCK.matcher(Files.readString(d));
            while (m.find()) {
                out.add(new Example(Chart.root().relativize(d).toString(), m.group(2), m.group(1)));
            }
        }
        return out.stream();
    }

    @Test
    void theDocsHaveValuesExamples() throws Exception {
        assertThat(examples().map(Example::name)).contains("migration-values.yaml", "routable-cidr-values.yaml",
                "ingress-vip-values.yaml", "federation-fcp-values.yaml");
    }

    @ParameterizedTest
    @MethodSource("examples")
    void valuesExamplesInTheDocsPassTheSchemaAndRender(Example e) throws Exception {
        Path f = Files.createTempFile("doc-values", ".yaml");
        try {
            Files.writeString(f, e.yaml());
            var objects = Chart.render(f);
            objects.forEach(StrictModel::parse);
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void relativeLinksBetweenDocsResolve() throws Exception {
        Pattern link = Pattern.compile("\\]\\(([^)#:]+\\.md)(#[^)]*)?\\)");
        List<Path> files = new ArrayList<>(docs());
        files.add(Chart.root().resolve("README.md"));
        for (Path d : files) {
            Matcher m = link.matcher(Files.readString(d));
            while (m.find()) {
                assertThat(d.getParent().resolve(m.group(1))).as(d + " links to " + m.group(1)).exists();
            }
        }
    }
}
