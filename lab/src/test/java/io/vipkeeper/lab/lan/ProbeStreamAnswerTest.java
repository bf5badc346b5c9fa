package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The lines of {@code lab probe} as {@link ProbeStream} reads them. */
class ProbeStreamAnswerTest {

    @Test
    void anAnswerCarriesItsPodAndTheAddressItCameFrom() {
        ProbeStream.Answer a = ProbeStream.Answer.parse("OK 100 250 hello-2 from 198.51.100.12");
        assertThat(a).isEqualTo(new ProbeStream.Answer(true, 100, 250, "hello-2", "198.51.100.12"));
    }

    /** A failure names the exception, the phase and the client port: what finds the connection in a capture. */
    @Test
    void aFailureCarriesHowAndWhereItFailed() {
        ProbeStream.Answer a = ProbeStream.Answer.parse("ERR 100 1100100 SocketTimeoutException/connect@41234");
        assertThat(a.ok()).isFalse();
        assertThat(a.pod()).isNull();
        assertThat(a.from()).isEqualTo("SocketTimeoutException/connect@41234");
    }

    @Test
    void otherLinesAreNoAnswers() {
        assertThat(ProbeStream.Answer.parse("probe: started")).isNull();
        assertThat(ProbeStream.Answer.parse("OK 1")).isNull();
    }
}
