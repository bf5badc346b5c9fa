import io.vipkeeper.core.bgp.*;
import io.vipkeeper.core.render.BirdConfig;
import io.vipkeeper.core.net.*;
import java.nio.file.*;
import java.util.*;
public class Gen {
  public static void main(String[] a) throws Exception {
    BgpPeer peer = BgpPeerFlag.parse("address=198.51.100.1,asn=65000,local-asn=65100").peer();
    for (int n : new int[]{1, 5000}) {
      List<BgpVip> v = new ArrayList<>();
      IpAddress base = IpAddress.parse("203.0.112.0");
      for (int i = 0; i < n; i++) v.add(BgpVip.plain(base.plus(i)));
      Files.writeString(Path.of(a[0], "node-" + n + ".conf"), BirdConfig.render(new BirdPlan(IpAddress.parse("198.51.100.11"), List.of(peer), v, List.of(Cidr.parse("203.0.0.0/16")))));
    }
  }
}
