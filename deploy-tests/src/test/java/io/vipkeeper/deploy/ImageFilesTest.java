package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The image build files, as far as they can be checked without a registry or a Docker engine: the Dockerfile's
 * packages, files and entrypoint; the entrypoint's signal handling (run for real); the make targets; Jib's profile.
 */
class ImageFilesTest {

    static final Path ROOT = Chart.root();

    static String dockerfile() throws Exception {
        return Files.readString(ROOT.resolve("deploy/image/Dockerfile"));
    }

    /** The packages of the Dockerfile's apt-get install (continuation lines joined). */
    static List<String> aptPackages(String dockerfile) {
        String joined = dockerfile.replace("\\\n", " ");
        Matcher m = Pattern.compile("apt-get install ([^&\\n]+)").matcher(joined);
        assertThat(m.find()).as("an apt-get install line").isTrue();
        return Arrays.stream(m.group(1).trim().split("\\s+")).filter(w -> !w.startsWith("-")).toList();
    }

    @Test
    void dockerfileInstallsDebiansToolsOnAJreAndEntersThroughTini() throws Exception {
        String d = dockerfile();
        assertThat(aptPackages(d)).contains("keepalived", "nftables", "iproute2", "haproxy", "tini");
        assertThat(d).containsPattern("(?m)^FROM eclipse-temurin:17-jre\\S* AS jre$").containsPattern("(?m)^FROM debian:bookworm\\S*$");
        assertThat(d).contains("COPY --from=jre /opt/java/openjdk /opt/java/openjdk");
        assertThat(d).contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/vipkeeper-entrypoint\"]");
        // every file the Dockerfile copies from the build context is one the build produces or the repository holds
        Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) (\\S+)$").matcher(d);
        List<String> sources = new ArrayList<>();
        while (copy.find()) {
            sources.add(copy.group(1));
        }
        assertThat(sources).containsExactlyInAnyOrder("cli/target/vipkeeper.jar", "deploy/image/entrypoint.sh");
        assertThat(ROOT.resolve("deploy/image/entrypoint.sh")).exists();
        // the jar's name is the one the cli module's shade plugin writes
        assertThat(Files.readString(ROOT.resolve("cli/pom.xml"))).contains("<finalName>vipkeeper</finalName>");
    }

    @Test
    void theImagesToolsAreTheOnesTheTestsRun() throws Exception {
        // make test installs (and the agent's tests run) exactly these Debian packages: the image ships what is tested
        String makefile = Files.readString(ROOT.resolve("Makefile"));
        Matcher m = Pattern.compile("(?m)^TEST_PACKAGES := (.*)$").matcher(makefile);
        assertThat(m.find()).isTrue();
        List<String> tested = Arrays.asList(m.group(1).trim().split("\\s+"));
        assertThat(tested).contains("keepalived", "nftables", "iproute2", "haproxy");
    }

    @Test
    void makeImageBuildsThisDockerfileFromTheRepositoryRoot() throws Exception {
        String makefile = Files.readString(ROOT.resolve("Makefile"));
        assertThat(makefile).containsPattern("(?m)^image: jar$");
        assertThat(makefile).contains("build -f deploy/image/Dockerfile -t $(IMAGE_REGISTRY)/agent:$(IMAGE_TAG) .");
        assertThat(makefile).containsPattern("(?m)^image-jib:$").contains("-Pjib -pl cli -am package -Djib.goal=build ");
        assertThat(makefile).containsPattern("(?m)^manifests:$");
        // the chart's default image names are the ones make builds
        String values = Files.readString(Chart.dir().resolve("values.yaml"));
        Matcher reg = Pattern.compile("(?m)^IMAGE_REGISTRY \\?= (\\S+)$").matcher(makefile);
        assertThat(reg.find()).isTrue();
        assertThat(values).contains("registry: " + reg.group(1));
        Matcher tag = Pattern.compile("(?m)^IMAGE_TAG \\?= (\\S+)$").matcher(makefile);
        assertThat(tag.find()).isTrue();
        assertThat(Files.readString(Chart.dir().resolve("Chart.yaml"))).contains("appVersion: \"" + tag.group(1) + "\"");
    }

    @Test
    void entrypointIsExecutableAndExecsSoTheJvmGetsSigterm() throws Exception {
        Path entry = ROOT.resolve("deploy/image/entrypoint.sh");
        assertThat(Files.getPosixFilePermissions(entry)).contains(PosixFilePermission.OWNER_EXECUTE);
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")));
        Path dir = Files.createTempDirectory("vk-entry-");
        try {
            // a stand-in for java: records its arguments and whether SIGTERM reached it, as the JVM's shutdown hook would
            Path fakeJava = dir.resolve("java");
            Files.writeString(fakeJava, """
                    #!/bin/sh
                    echo "$@" > "$OUT/args"
                    trap 'echo released > "$OUT/term"; exit 0' TERM
                    echo $$ > "$OUT/pid"
                    while :; do sleep 0.05; done
                    """);
            fakeJava.toFile().setExecutable(true);
            ProcessBuilder pb = new ProcessBuilder(entry.toString(), "agent", "--iface=eth0");
            pb.environment().put("VIPKEEPER_JAVA", fakeJava.toString());
            pb.environment().put("VIPKEEPER_JAR", "/x/vipkeeper.jar");
            pb.environment().put("OUT", dir.toString());
            pb.environment().remove("VIPKEEPER_JAVA_OPTS");
            Process p = pb.inheritIO().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(dir.resolve("pid")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // exec: the process started is the "JVM" itself, not a shell waiting for it
            assertThat(Long.parseLong(Files.readString(dir.resolve("pid")).trim())).isEqualTo(p.pid());
            assertThat(Files.readString(dir.resolve("args"))).contains("-XX:+UseSerialGC").contains("-jar /x/vipkeeper.jar agent --iface=eth0");
            p.destroy(); // SIGTERM, as tini forwards it
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(dir.resolve("term")).exists();
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void jibIsConfiguredForTheControllerAndDnsImagesOutsideTheDefaultBuild() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("cli/pom.xml").toFile());
        Element project = doc.getDocumentElement();
        // not in the default build: no jib plugin outside a profile
        NodeList buildPlugins = ((Element) project.getElementsByTagName("build").item(0)).getElementsByTagName("artifactId");
        for (int i = 0; i < buildPlugins.getLength(); i++) {
            if (buildPlugins.item(i).getTextContent().equals("jib-maven-plugin")) {
                assertThat(buildPlugins.item(i).getParentNode().getParentNode().getParentNode().getParentNode().getNodeName())
                        .as("jib only inside a profile").isEqualTo("profile");
            }
        }
        NodeList profiles = project.getElementsByTagName("profile");
        Element jib = null;
        for (int i = 0; i < profiles.getLength(); i++) {
            Element p = (Element) profiles.item(i);
            if (p.getElementsByTagName("id").item(0).getTextContent().equals("jib")) {
                jib = p;
            }
        }
        assertThat(jib).as("profile jib").isNotNull();
        String xml = jib.getTextContent();
        assertThat(text(jib, "artifactId")).isEqualTo("jib-maven-plugin");
        assertThat(text(jib, "version")).isEqualTo("3.5.2");
        assertThat(text(jib, "mainClass")).isEqualTo("io.vipkeeper.cli.Main");
        assertThat(text(jib, "user")).isEqualTo("65532:65532");
        // both images at package, only with the profile; the goal (buildTar, build, dockerBuild) is a property
        for (int i = 0; i < jib.getElementsByTagName("goal").getLength(); i++) {
            assertThat(jib.getElementsByTagName("goal").item(i).getTextContent()).isEqualTo("${jib.goal}");
        }
        assertThat(text(jib, "jib.goal")).isEqualTo("buildTar");
        NodeList ids = jib.getElementsByTagName("execution");
        List<String> executions = new ArrayList<>();
        for (int i = 0; i < ids.getLength(); i++) {
            executions.add(((Element) ids.item(i)).getElementsByTagName("id").item(0).getTextContent());
        }
        assertThat(executions).containsExactly("controller", "dns");
        assertThat(xml).contains("${image.registry}/controller:${image.tag}").contains("${image.registry}/dns:${image.tag}");
        // the controller image exposes the port the controller serves
        assertThat(xml).contains(io.vipkeeper.controller.ControllerAccess.optionDefault("--health-port"));
        // the main class exists
        assertThat(Class.forName("io.vipkeeper.controller.ControllerCommand")).isNotNull();
    }

    private static String text(Element e, String tag) {
        return e.getElementsByTagName(tag).item(0).getTextContent().trim();
    }
}
