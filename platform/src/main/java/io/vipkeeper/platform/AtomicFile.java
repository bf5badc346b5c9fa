package io.vipkeeper.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file written whole: the new bytes go to a sibling ({@link #staging}) and are renamed over it, so a reader (a
 * daemon reloading, the agent started again after a kill) sees the old file or the new one, never part of one.
 */
public final class AtomicFile {

    private AtomicFile() {
    }

    /** The sibling a new version of {@code file} is written to (and checked in, for a daemon's configuration) first. */
    public static Path staging(Path file) {
        return file.resolveSibling(file.getFileName() + ".new");
    }

    public static void write(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        Path staged = staging(file);
        Files.write(staged, bytes);
        replace(file, staged);
    }

    /** Renames {@code staged} (written, and checked where the daemon has a check) over {@code file}. */
    public static void replace(Path file, Path staged) throws IOException {
        Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
