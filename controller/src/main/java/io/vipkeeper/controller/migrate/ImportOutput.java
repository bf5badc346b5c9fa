package io.vipkeeper.controller.migrate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.migrate.ImportResult;
import io.vipkeeper.core.migrate.ImportedPool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** Reading YAML files for the importers, and printing what they made. */
final class ImportOutput {

    // every string quoted: a community such as 64512:59 would be a number to a YAML 1.1 reader
    private static final ObjectMapper WRITER = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR).build());
    private static final ObjectMapper READER = new YAMLMapper();

    private ImportOutput() {
    }

    /** The documents of YAML (or JSON) files, as maps, lists and scalars; a file that does not parse is refused. */
    static List<Object> read(List<Path> files) {
        List<Object> out = new ArrayList<>();
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (IOException | UncheckedIOException e) {
                throw new InvalidInputException(f + ": cannot read: " + e.getMessage());
            }
            try {
                out.addAll(READER.readerFor(Object.class).readValues(text).readAll());
            } catch (IOException | RuntimeException e) {
                String first = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
                throw new InvalidInputException(f + ": not YAML: " + first);
            }
        }
        return out;
    }

    /** Prints the pools on stdout and each left-out thing (or each error) on stderr; returns the exit code. */
    static int print(CommandLine.Model.CommandSpec spec, ImportResult r) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = spec.qualifiedName();
        if (!r.errors().isEmpty()) {
            r.errors().forEach(e -> err.println(name + ": " + oneLine(e)));
            err.println(name + ": nothing printed: " + r.errors().size() + " thing(s) in the input do not parse");
            err.flush();
            return ImportResult.UNUSABLE;
        }
        for (ImportedPool p : r.pools()) {
            try {
                out.print(WRITER.writeValueAsString(p.toObject()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        out.flush();
        r.leftOut().forEach(l -> err.println(name + ": left out: " + oneLine(l)));
        if (r.pools().isEmpty()) {
            err.println(name + ": no pool in the input");
        }
        err.flush();
        return r.exitCode();
    }

    /** Messages quote untrusted values already; a line break that slipped through would forge a line. */
    private static String oneLine(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
