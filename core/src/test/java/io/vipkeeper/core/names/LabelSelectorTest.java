package io.vipkeeper.core.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.LabelSelector.Operator;
import io.vipkeeper.core.names.LabelSelector.Requirement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

    @Test
    void matchLabelsAndExpressionsAreAnded() {
        LabelSelector s = new LabelSelector(Map.of("rack", "r1"), List.of(
                new Requirement("topology.kubernetes.io/zone", Operator.IN, Set.of("a", "b")),
                new Requirement("maintenance", Operator.DOES_NOT_EXIST, Set.of())));
        assertThat(s.matches(Map.of("rack", "r1", "topology.kubernetes.io/zone", "a"))).isTrue();
        assertThat(s.matches(Map.of("rack", "r2", "topology.kubernetes.io/zone", "a"))).isFalse();
        assertThat(s.matches(Map.of("rack", "r1", "topology.kubernetes.io/zone", "c"))).isFalse();
        assertThat(s.matches(Map.of("rack", "r1", "topology.kubernetes.io/zone", "a", "maintenance", ""))).isFalse();
    }

    @Test
    void notInAndExists() {
        assertThat(new LabelSelector(Map.of(), List.of(new Requirement("k", Operator.NOT_IN, Set.of("x")))).matches(Map.of())).isTrue();
        assertThat(new LabelSelector(Map.of(), List.of(new Requirement("k", Operator.NOT_IN, Set.of("x")))).matches(Map.of("k", "x"))).isFalse();
        assertThat(new LabelSelector(Map.of(), List.of(new Requirement("k", Operator.EXISTS, Set.of()))).matches(Map.of("k", ""))).isTrue();
    }

    @Test
    void emptySelectorMatchesEverything() {
        assertThat(LabelSelector.EVERYTHING.matches(Map.of("a", "b"))).isTrue();
        assertThat(LabelSelector.EVERYTHING.isEmpty()).isTrue();
    }

    @Test
    void hostileKeysValuesAndOperatorsAreRefused() {
        assertThatThrownBy(() -> new LabelSelector(Map.of("a\nb", "x"), List.of())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("label key");
        assertThatThrownBy(() -> new LabelSelector(Map.of("a", "x y"), List.of())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("label value");
        assertThatThrownBy(() -> new LabelSelector(Map.of("Bad_Prefix!/a", "x"), List.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new LabelSelector(Map.of("a".repeat(64), "x"), List.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Operator.parse("Gt")).hasMessageContaining("In, NotIn, Exists or DoesNotExist");
        assertThatThrownBy(() -> new Requirement("k", Operator.IN, Set.of())).hasMessageContaining("needs values");
        assertThatThrownBy(() -> new Requirement("k", Operator.EXISTS, Set.of("x"))).hasMessageContaining("takes no values");
    }
}
