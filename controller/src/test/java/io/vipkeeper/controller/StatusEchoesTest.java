package io.vipkeeper.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.decide.OutsidePoolsCondition;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusEchoesTest {

    static final List<IpAddress> IPS = List.of(IpAddress.parse("192.0.2.10"));
    static final OutsidePoolsCondition NONE = ServiceWriter.NOT_OUTSIDE;

    final StatusEchoes echoes = new StatusEchoes();

    @Test
    void theSameStatusDecidedOnTheSameStaleCopyIsNotWrittenAgain() {
        echoes.wrote("default/web", "41", IPS, NONE);
        assertThat(echoes.alreadyWritten("default/web", "41", IPS, NONE)).isTrue();
        assertThat(echoes.alreadyWritten("default/web", "41", IPS, NONE)).as("until the informer moves on").isTrue();
        assertThat(echoes.alreadyWritten("default/other", "41", IPS, NONE)).isFalse();
    }

    @Test
    void anotherStatusOrANewerCopyIsWritten() {
        echoes.wrote("default/web", "41", IPS, NONE);
        assertThat(echoes.alreadyWritten("default/web", "41", List.of(), NONE)).as("other addresses").isFalse();
        assertThat(echoes.alreadyWritten("default/web", "41", IPS, new OutsidePoolsCondition(IPS))).as("other condition").isFalse();
        // the echo arrived (or someone else wrote): the record ends, and a later decision on the old version writes again
        assertThat(echoes.alreadyWritten("default/web", "42", IPS, NONE)).isFalse();
        assertThat(echoes.size()).isZero();
        assertThat(echoes.alreadyWritten("default/web", "41", IPS, NONE)).isFalse();
    }

    @Test
    void aDeletedServiceIsForgottenAndAWriteWithoutVersionIsNotRemembered() {
        echoes.wrote("default/web", "41", IPS, NONE);
        echoes.forget("default/web");
        assertThat(echoes.alreadyWritten("default/web", "41", IPS, NONE)).isFalse();
        echoes.wrote("default/web", null, IPS, NONE);
        assertThat(echoes.size()).isZero();
    }
}
