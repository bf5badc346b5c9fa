package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnotationPatchTest {

    @Test
    void setsAddsRemovesAndEscapes() {
        assertThat(AnnotationPatch.set(null, "vipkeeper.io/x", "a"))
                .isEqualTo("[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"vipkeeper.io/x\":\"a\"}}]");
        assertThat(AnnotationPatch.set(Map.of("o", "1"), "vipkeeper.io/x", "a\"}]"))
                .isEqualTo("[{\"op\":\"add\",\"path\":\"/metadata/annotations/vipkeeper.io~1x\",\"value\":\"a\\\"}]\"}]");
        assertThat(AnnotationPatch.set(Map.of("vipkeeper.io/x", "a"), "vipkeeper.io/x", null))
                .isEqualTo("[{\"op\":\"remove\",\"path\":\"/metadata/annotations/vipkeeper.io~1x\"}]");
        assertThat(AnnotationPatch.set(Map.of("vipkeeper.io/x", "a"), "vipkeeper.io/x", "a")).isNull();
        assertThat(AnnotationPatch.set(Map.of(), "vipkeeper.io/x", null)).isNull();
    }
}
