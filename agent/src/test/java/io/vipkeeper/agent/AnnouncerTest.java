package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnnouncerTest {

    final VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.241", "default/web,default/web2:DR", "192.0.2.242", "",
            "192.0.2.243", "default/api")).table();
    final IpAddress vip = IpAddress.parse("192.0.2.241");
    final FakeAnnouncements writer = new FakeAnnouncements();

    static Announcer.Announcement a(String svc, String vip) {
        return new Announcer.Announcement(ServiceRef.parse(svc), IpAddress.parse(vip));
    }

    @Test
    void aMasterAnnouncesEachServiceBehindItsVipsOnce() {
        Announcer announcer = writer.announcer();
        announcer.held(List.of(vip, IpAddress.parse("192.0.2.242")), table);
        announcer.held(List.of(vip), table);
        assertThat(writer.written).containsExactly(a("default/web", "192.0.2.241"), a("default/web2", "192.0.2.241"));
    }

    @Test
    void losingTheVipClearsSoTheNextMasterAnnouncesAgain() {
        Announcer announcer = writer.announcer();
        announcer.held(List.of(vip, IpAddress.parse("192.0.2.243")), table);
        announcer.released(List.of(vip));
        announcer.held(List.of(vip, IpAddress.parse("192.0.2.243")), table);
        assertThat(writer.written).containsExactly(a("default/web", "192.0.2.241"), a("default/web2", "192.0.2.241"),
                a("default/api", "192.0.2.243"), a("default/web", "192.0.2.241"), a("default/web2", "192.0.2.241"));
    }

    @Test
    void anAnnouncementQueuedBeforeTheVipWasLostIsNotWritten() {
        List<Runnable> queue = new ArrayList<>();
        Announcer announcer = new Announcer(writer, queue::add);
        announcer.held(List.of(vip), table);
        announcer.released(List.of(vip));
        queue.forEach(Runnable::run);
        assertThat(writer.written).isEmpty();
    }
}
