package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CpuListTest {

    @Test
    void readsTheKernelsListFormatAndPrintsItCanonically() {
        assertThat(CpuList.parse("1").cpus()).containsExactly(1);
        assertThat(CpuList.parse("0-1\n").cpus()).containsExactly(0, 1); // as /sys/devices/system/cpu/online holds it
        assertThat(CpuList.parse("5,0-2,2").cpus()).containsExactly(0, 1, 2, 5);
        assertThat(CpuList.parse("5,0-2,3").text()).isEqualTo("0-3,5");
        assertThat(CpuList.parse("0,2,4-6").text()).isEqualTo("0,2,4-6");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a", "1-", "-1", "3-1", "1,,2", "1 2", "+1", "99999", "8192", "0x1"})
    void refusesAnythingElseSayingWhat(String text) {
        assertThatThrownBy(() -> CpuList.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CPU");
    }

    @Test
    void subtracts() {
        assertThat(CpuList.parse("0-3").minus(CpuList.parse("1,3")).text()).isEqualTo("0,2");
        assertThat(CpuList.parse("0-1").minus(CpuList.parse("0-1")).isEmpty()).isTrue();
        assertThat(CpuList.parse("0-3").containsAll(CpuList.parse("1-2"))).isTrue();
        assertThat(CpuList.parse("0-1").containsAll(CpuList.parse("1-2"))).isFalse();
    }

    @Test
    void theNodesGetTheirCpusAndTheClientAndPodsTheRest() {
        CpuSplit s = CpuSplit.of(CpuList.parse("1"), CpuList.parse("0-1"));
        assertThat(s.split()).isTrue();
        assertThat(s.nodes().text()).isEqualTo("1");
        assertThat(s.workloads().text()).isEqualTo("0");
        assertThat(CpuSplit.of(CpuList.parse("2-3"), CpuList.parse("0-7")).workloads().text()).isEqualTo("0-1,4-7");
        assertThat(CpuSplit.NONE.split()).isFalse();
    }

    @Test
    void aSplitThatCannotBeIsRefusedSayingWhy() {
        assertThatThrownBy(() -> CpuSplit.of(CpuList.parse("2"), CpuList.parse("0-1")))
                .hasMessage("--node-cpus 2: CPU 2 is not online here (this machine's CPUs: 0-1)");
        assertThatThrownBy(() -> CpuSplit.of(CpuList.parse("0-1"), CpuList.parse("0-1")))
                .hasMessageContaining("leaves no CPU for the client and the pods").hasMessageContaining("--node-cpus 1");
        assertThatThrownBy(() -> CpuSplit.of(CpuList.parse("0"), CpuList.parse("0")))
                .hasMessageContaining("two CPUs or more");
    }

    @Test
    void theLabRecordsItsSplitForTheCommandsThatStartClients(@TempDir Path dir) throws Exception {
        LabPaths paths = new LabPaths(dir);
        AddressPlan plan = new AddressPlan("198.51.100", 3);
        paths.writePlan(plan, Routing.VRRP, CpuSplit.of(CpuList.parse("1"), CpuList.parse("0-1")));
        assertThat(paths.readCpuSplit()).isEqualTo(new CpuSplit(CpuList.parse("1"), CpuList.parse("0")));
        assertThat(paths.readPlan()).isEqualTo(plan);
        paths.writePlan(plan, Routing.VRRP);
        assertThat(paths.readCpuSplit()).isEqualTo(CpuSplit.NONE);
        Files.writeString(paths.planFile(), "prefix=198.51.100\nnodes=3\nnode-cpus=x\nworkload-cpus=0\n");
        assertThat(paths.readCpuSplit()).as("a plan file edited by hand").isEqualTo(CpuSplit.NONE);
    }
}
