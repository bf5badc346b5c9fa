package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code vipkeeper render} on the fixtures, byte for byte against the checked-in golden files
 * (src/test/resources/golden/cases.txt lists them). Regenerate with {@code -Dgolden.update=true} and review the diff.
 */
class GoldenTest {

    static final Path RESOURCES = Path.of("src/test/resources");
    static final Path GOLDEN = RESOURCES.resolve("golden");

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        for (String line : Files.readAllLines(GOLDEN.resolve("cases.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\|", 2);
            out.add(Arguments.of(parts[0].trim(), parts[1].trim()));
        }
        return out.stream();
    }

    /** Runs render; returns exit code, stdout, stderr. */
    static String[] render(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new RenderCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args.toArray(String[]::new));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    static List<String> args(String spec) {
        List<String> args = new ArrayList<>();
        String[] words = spec.split(" +");
        for (int i = 0; i < words.length; i++) {
            args.add(words[i]);
            if (words[i].equals("--objects")) {
                args.add(RESOURCES.resolve("objects").resolve(words[++i]).toString());
            }
        }
        return args;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersTheGoldenFile(String name, String spec) throws IOException {
        String[] r = render(args(spec));
        assertThat(r[0]).as("exit code; stderr: %s", r[2]).isEqualTo("0");
        Path golden = GOLDEN.resolve(name);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, r[1], StandardCharsets.UTF_8);
        }
        assertThat(r[1]).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
        // deterministic: a second run gives the same bytes
        assertThat(render(args(spec))[1]).isEqualTo(r[1]);
    }
}
