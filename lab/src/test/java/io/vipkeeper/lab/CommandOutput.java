package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;

/** Runs a lab child command in this JVM and returns what it printed, line by line; it must exit 0. */
final class CommandOutput {

    private CommandOutput() {
    }

    static List<String> lines(Object command, String... args) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            code = new CommandLine(command).execute(args);
        } finally {
            System.setOut(saved);
        }
        assertThat(code).as("exit code of %s", List.of(args)).isZero();
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
