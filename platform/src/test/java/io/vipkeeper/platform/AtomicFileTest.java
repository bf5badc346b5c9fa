package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void writesTheFileAndLeavesNoStagingFileBehind() throws Exception {
        Path file = dir.resolve("keepalived.conf");
        AtomicFile.write(file, "first\n");
        AtomicFile.write(file, "second\n");
        assertThat(file).hasContent("second");
        assertThat(AtomicFile.staging(file)).doesNotExist();
        try (var listing = Files.list(dir)) {
            assertThat(listing).containsExactly(file);
        }
    }

    @Test
    void aStagedFileReplacesTheOldOneOnlyWhenItIsMovedIntoPlace() throws Exception {
        Path file = dir.resolve("bird.conf");
        AtomicFile.write(file, "old\n");
        Path staged = AtomicFile.staging(file);
        assertThat(staged).isEqualTo(dir.resolve("bird.conf.new"));
        Files.writeString(staged, "checked\n");
        assertThat(file).hasContent("old");
        AtomicFile.replace(file, staged);
        assertThat(file).hasContent("checked");
        assertThat(staged).doesNotExist();
    }
}
