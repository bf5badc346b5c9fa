package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.ChildJvm;
import io.vipkeeper.lab.lan.CpuList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmTest {

    /** lab.lan names the entry point instead of importing it (the command tree depends on lab.lan, not the reverse). */
    @Test
    void childrenStartTheLabsEntryPoint() {
        assertThat(ChildJvm.ENTRY_POINT).isEqualTo(LabChildMain.class.getName());
        assertThat(ChildJvm.command("vk-x", null, List.of(), "32m", "backend", List.of("--port", "1")))
                .containsSubsequence("ip", "netns", "exec", "vk-x").containsSubsequence(LabChildMain.class.getName(), "backend", "--port", "1");
    }

    @Test
    void aChildOnCpusStartsUnderTaskset() {
        assertThat(ChildJvm.command("vk-x", CpuList.parse("0,2"), null, List.of(), "32m", "backend", List.of()))
                .startsWith("ip", "netns", "exec", "vk-x", "taskset", "-c", "0,2");
        assertThat(ChildJvm.command("vk-x", CpuList.NONE, null, List.of(), "32m", "backend", List.of())).doesNotContain("taskset");
    }
}
