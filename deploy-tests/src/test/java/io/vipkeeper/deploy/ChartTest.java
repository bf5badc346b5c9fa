package io.vipkeeper.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

class ChartTest {

    @Test
    void lintPassesStrict() {
        LintResult r = new Helm(Chart.dir()).lint().strict().call();
        assertThat(r.isFailed()).as(String.join("\n", r.getMessages())).isFalse();
    }

    @Test
    void printDefault() {
        System.out.println(Chart.template());
    }
}
