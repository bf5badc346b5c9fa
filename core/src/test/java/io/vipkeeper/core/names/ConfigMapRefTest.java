package io.vipkeeper.core.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import org.junit.jupiter.api.Test;

class ConfigMapRefTest {

    @Test
    void aConfigMapNameIsADnsSubdomain() {
        ConfigMapRef ref = ConfigMapRef.parse("kube-system/vip.configmap-v2");
        assertThat(ref.namespace()).isEqualTo("kube-system");
        assertThat(ref.name()).isEqualTo("vip.configmap-v2");
        assertThat(ref).hasToString("kube-system/vip.configmap-v2");
        assertThat(ConfigMapRef.parse("a/" + "b".repeat(253)).name()).hasSize(253);
        assertThat(ConfigMapRef.parse("a/0vips").name()).isEqualTo("0vips");
    }

    @Test
    void whatIsNoConfigMapNameIsRefused() {
        for (String bad : new String[] {"kube-system", "kube-system/", "/vips", "kube-system/Vips", "kube-system/vips.",
            "kube-system/.vips", "kube-system/vi..ps", "kube-system/a/b", "kube_system/vips", "a/" + "b".repeat(254),
            "kube-system/vips\n", "kube-system/vips;x"}) {
            assertThatThrownBy(() -> ConfigMapRef.parse(bad)).as(bad).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> ConfigMapRef.parse(null)).isInstanceOf(InvalidInputException.class);
    }
}
